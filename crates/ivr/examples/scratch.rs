fn main() {
    for doc in std::env::args().skip(1) {
        match switchboard_ivr::parse(&doc) {
            Ok(r) => println!("OK {r:?}"),
            Err(d) => println!("ERR\n{d}"),
        }
    }
}
