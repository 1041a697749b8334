//! `<enqueue>` (SPEC §8), data-driven: valid documents with the model they give, malformed
//! ones with every diagnostic they must produce, by line and column.

use std::time::Duration;

use switchboard_acd::enqueue::{self, Choice, Selector, SortMode, AGENT_FETCH_TIMEOUT};
use switchboard_acd::skill::SkillInterner;

use crate::support::stored;

/// Parses `xml` and compares `"line:col: message"` of every diagnostic with `expect`.
fn check_bad(xml: &str, expect: &[&str]) {
    let mut skills = SkillInterner::new();
    let conds = stored(&mut skills);
    let errs = enqueue::parse(xml, &conds, &mut skills).expect_err(xml);
    let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(got, expect, "{xml}");
}

#[test]
fn full_document_round_trip() {
    let xml = r#"<?xml version="1.0"?>
<enqueue wait_voice="wait.wav" ring_mode="1" play_num="true" pre_num_voice="agent.wav"
         post_num_voice="at_your_service.wav" hold_voice="hold.wav" choice="lru"
         reserve_state="busy/after_call_work" fail_overflow="true" conversation_timeout="3600"
         conversation_level="2" ring_voice="ring.wav" user_data="a&amp;b" record="true">
  <!-- stored condition -->
  <route><condition id="c1"/></route>
  <route><skill name="billing" priority="10" queue_timeout="30" fetch_timeout="20"/></route>
  <route><agent name="2019" queue_timeout="0"/></route>
  <route><condition priority="5" fetch_timeout="15">
      <where>has("en") &amp;&amp; get("en") &gt; 2</where>
      <sort mode="asc"><![CDATA[get("en") * 2]]></sort>
  </condition></route>
  <route><condition id="vip" queue_timeout="5"/></route>
</enqueue>"#;
    let mut skills = SkillInterner::new();
    let conds = stored(&mut skills);
    let q = enqueue::parse(xml, &conds, &mut skills).expect("valid");
    assert_eq!(q.choice, Choice::Lru);
    assert_eq!(q.reserve_state.to_string(), "busy/after_call_work");
    assert!(q.fail_overflow && q.play_num && q.record);
    assert_eq!(q.conversation_timeout, Some(Duration::from_secs(3600)));
    assert_eq!(q.user_data.as_deref(), Some("a&b"));
    assert_eq!(q.hold_voice.as_deref(), Some("hold.wav"));
    assert_eq!(q.routes.len(), 5);

    let r = &q.routes[0];
    assert!(
        matches!(&r.selector, Selector::Condition { id: Some(id), sort: Some(_), .. } if id == "c1")
    );
    assert_eq!(
        (r.priority, r.queue_timeout, r.fetch_timeout),
        (0, Some(Duration::from_secs(30)), Duration::from_secs(45))
    );

    let r = &q.routes[1];
    assert!(matches!(&r.selector, Selector::Skill { name, .. } if name == "billing"));
    assert_eq!(
        (r.priority, r.queue_timeout, r.fetch_timeout),
        (10, Some(Duration::from_secs(30)), Duration::from_secs(20))
    );

    let r = &q.routes[2];
    assert!(matches!(&r.selector, Selector::Agent(n) if n.as_str() == "2019"));
    assert_eq!(
        (r.queue_timeout, r.fetch_timeout),
        (Some(Duration::ZERO), AGENT_FETCH_TIMEOUT)
    );

    let r = &q.routes[3];
    let Selector::Condition {
        id: None,
        where_,
        sort: Some((sort, SortMode::Asc)),
    } = &r.selector
    else {
        panic!("inline condition expected: {:?}", r.selector)
    };
    assert_eq!(where_.source(), r#"has("en") && get("en") > 2"#);
    assert_eq!(sort.source(), r#"get("en") * 2"#);
    assert_eq!(
        (r.priority, r.queue_timeout, r.fetch_timeout),
        (5, None, Duration::from_secs(15))
    );

    // Route attributes override the stored condition's.
    let r = &q.routes[4];
    assert_eq!(
        (r.priority, r.queue_timeout, r.fetch_timeout),
        (50, Some(Duration::from_secs(5)), Duration::from_secs(20))
    );
}

#[test]
fn defaults() {
    let mut skills = SkillInterner::new();
    let conds = stored(&mut skills);
    let q = enqueue::parse(
        "<enqueue><route><skill name='x'/></route></enqueue>",
        &conds,
        &mut skills,
    )
    .unwrap();
    assert_eq!(q.choice, Choice::Random);
    assert_eq!(q.reserve_state.to_string(), "idle");
    assert!(!q.fail_overflow && !q.play_num && !q.record);
    assert_eq!((q.ring_mode, q.conversation_level), (1, 2));
    assert_eq!(
        q.routes[0].queue_timeout, None,
        "absent queue_timeout waits forever"
    );
    assert_eq!(q.routes[0].fetch_timeout, Duration::from_secs(50));
}

#[test]
fn wrong_root_and_malformed() {
    check_bad(
        "<queue><route/></queue>",
        &["1:1: expected root element <enqueue>, found <queue>"],
    );
    check_bad(
        "",
        &["1:1: expected root element <enqueue>, found no element"],
    );
    let mut skills = SkillInterner::new();
    let conds = stored(&mut skills);
    let errs = enqueue::parse("<enqueue>\n  <route></enqueue>", &conds, &mut skills).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(errs[0].to_string().starts_with("2:"), "{}", errs[0]);
    check_bad(
        "<enqueue><route><skill name='a'/></route></enqueue><enqueue/>",
        &["1:52: unexpected second root element <enqueue>"],
    );
    check_bad(
        "<enqueue user_data='&bogus;'/>",
        &["1:10: malformed XML: at 1..6: unrecognized entity `bogus`"],
    );
}

#[test]
fn every_problem_at_once() {
    let xml = r#"<enqueue choice="fifo" color="red" fail_overflow="yes">
  <route><skill name="a"/><agent name="b"/></route>
  <route/>
  <route><agent name="bad-name" priority="100"/></route>
  <route><condition id="nope"/></route>
  <route><condition><where>get("a") &gt;</where></condition></route>
  <route><condition><sort>get("a")</sort></condition></route>
  <route><condition queue_timeout="-1"><where>has("a")</where><sort mode="up">1</sort></condition></route>
  <bogus/>
</enqueue>"#;
    check_bad(
        xml,
        &[
            r#"1:10: <enqueue> choice="fifo" is not valid, expected random or lru"#,
            "1:24: unknown attribute `color` on <enqueue>, expected one of conversation_level, conversation_timeout, choice, reserve_state, fail_overflow, wait_voice, ring_mode, ring_voice, hold_voice, play_num, pre_num_voice, post_num_voice, user_data, record",
            r#"1:36: <enqueue> fail_overflow="yes" is not valid, expected true or false"#,
            "2:27: <route> takes one selector, found <agent> after <skill>",
            "3:3: <route> needs one selector: <condition>, <agent> or <skill>",
            r#"4:17: <agent> name="bad-name" is not valid, expected an agent name: 1 to 32 letters, digits or `_`"#,
            r#"4:33: <agent> priority="100" is not valid, expected 0 to 99"#,
            "5:21: unknown condition id `nope`",
            "6:41: <where> line 1, column 11: expected an operand (number, string, `get(..)`, `has(..)`, `(`, `-` or `!`), found end of expression",
            "7:10: <condition> needs a <where> child",
            r#"8:21: <condition> queue_timeout="-1" is not valid, expected seconds, 0 to 86400"#,
            r#"8:69: <sort> mode="up" is not valid, expected asc or desc"#,
            "9:3: unknown element <bogus> in <enqueue>, expected <route>",
        ],
    );
}

#[test]
fn expression_errors_point_inside_the_document() {
    // `&amp;&amp;` is five bytes per `&` in the document: the column must account for it.
    check_bad(
        "<enqueue><route><condition><where>has('a') &amp;&amp; get('a') = 1</where></condition></route></enqueue>",
        &["1:64: <where> line 1, column 22: expected `==`, found `=`"],
    );
    check_bad(
        "<enqueue><route><condition><where>\n   get('a') + 1</where></condition></route></enqueue>",
        &["2:4: <where> line 2, column 4: expected a boolean, found a number"],
    );
    check_bad(
        "<enqueue><route><condition><where/></condition></route></enqueue>",
        &["1:28: <where> line 1, column 1: expected an operand (number, string, `get(..)`, `has(..)`, `(`, `-` or `!`), found end of expression"],
    );
}

#[test]
fn more_bad_values() {
    check_bad(
        r#"<enqueue conversation_level="3" reserve_state="talking" ring_mode="9" conversation_timeout="0"><route><skill name="" fetch_timeout="0" foo="1"/></route></enqueue>"#,
        &[
            r#"1:10: <enqueue> conversation_level="3" is not valid, expected 2 (three-party allowed)"#,
            r#"1:33: <enqueue> reserve_state="talking" is not valid, expected idle, busy[/x] or away[/x]"#,
            r#"1:57: <enqueue> ring_mode="9" is not valid, expected 1 to 5"#,
            r#"1:71: <enqueue> conversation_timeout="0" is not valid, expected seconds, 1 to 86400"#,
            r#"1:110: <skill> name="" is not valid, expected a skill name of 1 to 64 characters"#,
            r#"1:118: <skill> fetch_timeout="0" is not valid, expected seconds, 1 to 60"#,
            "1:136: unknown attribute `foo` on <skill>, expected one of name, priority, queue_timeout, fetch_timeout",
        ],
    );
    check_bad(
        r#"<enqueue><route x="1"><condition id="c1"><where>1</where></condition></route>text</enqueue>"#,
        &[
            "1:17: unknown attribute `x` on <route>, expected one of no attributes",
            "1:23: <condition id=\"c1\"> refers to a stored condition and takes no children",
            "1:78: unexpected text in <enqueue>",
        ],
    );
    check_bad("<enqueue/>", &["1:1: <enqueue> needs at least one <route>"]);
}
