//! Condition-expression evaluation per agent (SPEC §9: scanning tens of thousands of agents
//! per routing decision). Run: `cargo bench -p switchboard-benches --bench acd_expr`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use switchboard_acd::expr::{SortExpr, WhereExpr};
use switchboard_acd::skill::{SkillInterner, SkillSet};

fn agent(skills: &mut SkillInterner) -> SkillSet {
    SkillSet::from_pairs(
        ["billing", "en", "vip", "fr", "sales"]
            .iter()
            .enumerate()
            .map(|(i, n)| (skills.intern(n), i as i32 + 3)),
    )
}

fn bench(c: &mut Criterion) {
    let mut skills = SkillInterner::new();
    let a = agent(&mut skills);
    let w = WhereExpr::compile(r#"has("billing") && get("billing") >= 5;"#, &mut skills)
        .expect("valid");
    let s = SortExpr::compile(r#"get("vip")*2 + get("en")"#, &mut skills).expect("valid");
    c.bench_function("acd_expr/where_has_and_get", |b| {
        b.iter(|| black_box(&w).matches(black_box(&a)))
    });
    c.bench_function("acd_expr/sort_weighted", |b| {
        b.iter(|| black_box(&s).eval(black_box(&a)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
