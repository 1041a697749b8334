//! Parsing a typical `<get>` answer document, the most common IVR step.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const GET_DOCUMENT: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<response>
  <get valid_keys="0123456789*#" max_keys="6" finish_keys="#" first_key_timeout="5"
       continues_keys_timeout="3" play_repeat="2" if_break_on_key="true">
    <playlist>
      <play>welcome.wav</play>
      <play>https://media.example.com/prompts/enter_account.wav</play>
    </playlist>
  </get>
  <next tag="account">https://app.example.com/ivr/account?cc=42</next>
</response>"##;

fn parse_get(c: &mut Criterion) {
    let mut group = c.benchmark_group("ivr_parse");
    group.throughput(Throughput::Bytes(GET_DOCUMENT.len() as u64));
    group.bench_function("get_with_playlist", |b| {
        b.iter(|| switchboard_ivr::parse(black_box(GET_DOCUMENT)))
    });
    group.finish();
}

criterion_group!(benches, parse_get);
criterion_main!(benches);
