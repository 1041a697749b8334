//! Switchboard's benchmarks. Run one with `cargo bench -p switchboard-benches --bench NAME`;
//! every figure they produce is recorded in `docs/performance.md` with its command.
