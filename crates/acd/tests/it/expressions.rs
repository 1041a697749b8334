//! SPEC §9 expressions, data-driven: valid ones with their values against sample agents, and
//! malformed ones with the exact position and message they must produce.

use switchboard_acd::expr::{SortExpr, WhereExpr};
use switchboard_acd::skill::{SkillInterner, SkillSet};

/// Sample agents: `alice` is a strong English billing agent, `bob` has billing disabled (so it
/// is missing from his set) and is a VIP, `carol` has nothing.
fn agents(i: &mut SkillInterner) -> [SkillSet; 3] {
    let mut s =
        |pairs: &[(&str, i32)]| SkillSet::from_pairs(pairs.iter().map(|(n, v)| (i.intern(n), *v)));
    [
        s(&[("billing", 8), ("en", 5)]),
        s(&[("vip", 3), ("en", 1)]),
        s(&[]),
    ]
}

/// `expect` is one of `true`/`false`/`error` per agent for `where`.
fn check_where(src: &str, expect: [&str; 3]) {
    let mut i = SkillInterner::new();
    let ag = agents(&mut i);
    let w = WhereExpr::compile(src, &mut i).unwrap_or_else(|e| panic!("{src}: {e}"));
    for (a, want) in ag.iter().zip(expect) {
        let got = match w.eval(a) {
            Ok(b) => b.to_string(),
            Err(_) => "error".to_owned(),
        };
        assert_eq!(got, want, "{src}");
        assert_eq!(w.matches(a), want == "true", "{src}: errors never match");
    }
}

fn check_sort(src: &str, expect: [Option<f64>; 3]) {
    let mut i = SkillInterner::new();
    let ag = agents(&mut i);
    let s = SortExpr::compile(src, &mut i).unwrap_or_else(|e| panic!("{src}: {e}"));
    for (a, want) in ag.iter().zip(expect) {
        assert_eq!(s.eval(a).ok(), want, "{src}");
    }
}

/// Malformed: the column (1-based, characters) and the message.
fn check_bad(src: &str, column: usize, message: &str) {
    let mut i = SkillInterner::new();
    let err = WhereExpr::compile(src, &mut i).expect_err(src);
    assert_eq!(err.position().column, column, "{src}: {err}");
    assert_eq!(err.to_string(), message, "{src}");
}

#[test]
fn where_values() {
    check_where(
        r#"has("billing") && get("billing") >= 5;"#,
        ["true", "false", "false"],
    );
    check_where(r#"has("billing") || has("vip")"#, ["true", "true", "false"]);
    check_where(r#"!has("vip")"#, ["true", "false", "true"]);
    check_where(
        r#"get("en") == 5 || get("en") != 1 && get("vip") > 2"#,
        ["true", "false", "false"],
    );
    check_where(r#"get("en") * 2 % 3 == 1"#, ["true", "false", "false"]);
    check_where(r#"10 / get("en") > 5"#, ["false", "true", "error"]);
    check_where(
        r#"get("billing") % get("vip") < 1"#,
        ["error", "true", "error"],
    );
    check_where(r#"has('en') == true"#, ["true", "true", "false"]);
    check_where(r#"'a\'b' == "a'b""#, ["true", "true", "true"]);
    check_where(r#"-get("en") <= -1.5"#, ["true", "false", "false"]);
    check_where("(1 + 2) * 3 == 9", ["true", "true", "true"]);
    check_where("1 + 2 * 3 == 7 && 7 - 2 - 1 == 4", ["true", "true", "true"]);
    check_where(r#"has("missing") == false"#, ["true", "true", "true"]);
}

#[test]
fn sort_values() {
    check_sort(
        r#"get("vip")*2 + get("en")"#,
        [Some(5.0), Some(7.0), Some(0.0)],
    );
    check_sort(r#"get("billing") / 4;"#, [Some(2.0), Some(0.0), Some(0.0)]);
    check_sort(r#"100 / get("en")"#, [Some(20.0), Some(100.0), None]);
    check_sort(".5 + 0.25", [Some(0.75), Some(0.75), Some(0.75)]);
}

#[test]
fn malformed_with_exact_positions() {
    check_bad(
        r#"has("billing") && get("billing") >="#,
        36,
        "line 1, column 36: expected an operand (number, string, `get(..)`, `has(..)`, `(`, `-` or `!`), found end of expression",
    );
    check_bad(
        r#"has("a") & has("b")"#,
        10,
        "line 1, column 10: expected `&&`, found `&`",
    );
    check_bad(
        r#"get("a") = 1"#,
        10,
        "line 1, column 10: expected `==`, found `=`",
    );
    check_bad(
        r#"get("a") + 1"#,
        1,
        "line 1, column 1: expected a boolean, found a number",
    );
    check_bad(
        r#"has("a") + 1 > 0"#,
        1,
        "line 1, column 1: expected a number, found a boolean",
    );
    check_bad(
        r#"get("a") > 1 && get("b")"#,
        17,
        "line 1, column 17: expected a boolean, found a number",
    );
    check_bad(
        r#"has("a") == 1"#,
        13,
        "line 1, column 13: expected a boolean, found a number",
    );
    check_bad(
        r#"score("a") > 1"#,
        1,
        "line 1, column 1: unknown function `score`, expected `get` or `has`",
    );
    check_bad(
        r#"get(a) > 1"#,
        5,
        "line 1, column 5: expected a skill name as a string literal, found `a`",
    );
    check_bad(
        r#"get("a" > 1"#,
        9,
        "line 1, column 9: expected `)`, found `>`",
    );
    check_bad(
        r#"(get("a") > 1"#,
        14,
        "line 1, column 14: expected `)`, found end of expression",
    );
    check_bad(
        r#"has("a") has("b")"#,
        10,
        "line 1, column 10: expected an operator or end of expression, found `has`",
    );
    check_bad(
        r#"has("a");;"#,
        10,
        "line 1, column 10: expected end of expression, found `;`",
    );
    check_bad(
        r#"has("ab"#,
        5,
        "line 1, column 5: string literal is not closed",
    );
    check_bad(
        r#"has("a\q")"#,
        7,
        r#"line 1, column 7: unknown escape `\q`, expected one of \\ \" \' \n \t"#,
    );
    check_bad(
        "get(\"é\") > 1 #",
        14,
        "line 1, column 14: expected an operator, operand or parenthesis, found `#`",
    );
    check_bad("has(\"a\") &&\n  get(\"b\") >", 13, "line 2, column 13: expected an operand (number, string, `get(..)`, `has(..)`, `(`, `-` or `!`), found end of expression");
    check_bad("", 1, "line 1, column 1: expected an operand (number, string, `get(..)`, `has(..)`, `(`, `-` or `!`), found end of expression");
    check_bad(
        r#""a" > "b""#,
        1,
        "line 1, column 1: expected a number, found a string",
    );
}

#[test]
fn byte_offsets_are_exact() {
    let mut i = SkillInterner::new();
    let err = WhereExpr::compile("get(\"é\") >= ?", &mut i).unwrap_err();
    // `é` is two bytes: byte offset 13, character column 13.
    assert_eq!((err.position().offset, err.position().column), (13, 13));
}
