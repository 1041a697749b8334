//! Several nodes behind a SIP edge (docs/operations.md, "Several nodes"): Kamailio with
//! docs/kamailio/edge.cfg in front, a carrier (SIPp) calling an inbound number through it.
//! The first node of the number's set is down, so the edge fails over to the second, whose
//! IVR answers and hangs up; the ACK and the node's BYE follow the edge's route set.

use std::net::UdpSocket;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sb_testkit::http::Pages;
use serde_json::{json, Value};

use crate::peers::root;
use crate::process::Server;

const EDGE_IP: &str = "127.0.0.20";
const CARRIER_IP: &str = "127.0.0.21";
const NUMBER: &str = "4008001234";

fn free_port(ip: &str) -> u16 {
    UdpSocket::bind((ip, 0))
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}

/// Kamailio running the documented edge configuration, trying `nodes` in order, with the placeholders pointed at
/// this test's addresses; killed when dropped, with every process it forked.
struct Edge(Child);

impl Edge {
    fn start(dir: &Path, port: u16, carrier: &str, nodes: &[String]) -> Edge {
        // Higher priority first: the nodes in the order given.
        let list: String = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("1 sip:{n} 0 {}\n", 10 - i))
            .collect();
        let list_path = dir.join("dispatcher.list");
        std::fs::write(&list_path, list).expect("the node list is written");
        let cfg = std::fs::read_to_string(root().join("docs/kamailio/edge.cfg"))
            .expect("the documented configuration")
            .replace("udp:203.0.113.10:5060", &format!("udp:{EDGE_IP}:{port}"))
            .replace("sip:198.51.100.7:5060", &format!("sip:{carrier}"))
            .replace(
                "/etc/kamailio/dispatcher.list",
                &list_path.display().to_string(),
            )
            .replace("log_stderror=no", "log_stderror=yes");
        let cfg_path = dir.join("edge.cfg");
        std::fs::write(&cfg_path, cfg).expect("the configuration is written");
        // Its own process group: Kamailio forks workers that outlive a killed main
        // process and keep probing the nodes' ports, which later tests reuse.
        let child = Command::new("kamailio")
            .process_group(0)
            .args(["-DD", "-E", "-f"])
            .arg(&cfg_path)
            .arg("-Y")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("edge.log")).expect("a log file"))
            .spawn()
            .expect("kamailio runs (cargo xtask test installs it)");
        Edge(child)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_carrier_call_through_the_edge_fails_over_to_the_next_node() {
    let dir = tempfile::tempdir().unwrap();
    let ivr = Pages::start(&[
        (
            "/ivr",
            "<response><play>beep</play><next>{base}/bye</next></response>",
        ),
        ("/bye", "<response><hangup/></response>"),
    ])
    .expect("the IVR application starts");
    let edge_port = free_port(EDGE_IP);

    // The node: its trunk is the edge, which owns the inbound number.
    let node = Server::start(&dir.path().join("node"), &["--rtp-ports", "33000-33099"]);
    let admin = node.banner_value("admin token:").expect("admin token");
    let cc = node.banner_value("call center id:").expect("cc id");
    let sip = node.sip_udp();
    node.api(
        &admin,
        "POST",
        &format!("/v1/callcenters/{cc}"),
        json!({"ivr_url": ivr.url("/ivr")}),
    );
    node.api(
        &admin,
        "POST",
        "/v1/trunks",
        json!({"callcenter_id": cc, "name": "edge", "host": EDGE_IP, "port": edge_port,
               "inbound_numbers": [NUMBER]}),
    );

    // The set's first node is down (nothing listens there); the second is this node.
    let down = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let carrier_port = free_port(CARRIER_IP);
    let carrier = format!("{CARRIER_IP}:{carrier_port}");
    let edge_dir = dir.path().join("edge");
    std::fs::create_dir_all(&edge_dir).unwrap();
    let _edge = Edge::start(&edge_dir, edge_port, &carrier, &[down.clone(), sip]);
    std::thread::sleep(Duration::from_millis(500));

    let run = Command::new("sipp")
        .arg("-sf")
        .arg(root().join("tests/interop/sipp/edge_carrier_uac.xml"))
        .args([
            "-s",
            NUMBER,
            "-i",
            CARRIER_IP,
            "-p",
            &carrier_port.to_string(),
        ])
        .args(["-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin"])
        .arg(format!("{EDGE_IP}:{edge_port}"))
        .current_dir(dir.path())
        .output()
        .expect("sipp runs (cargo xtask test installs it)");
    assert!(
        run.status.success(),
        "the carrier's call through the edge failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(ivr.asked(), ["/ivr", "/bye"], "the node's IVR ran the call");
    let log = std::fs::read_to_string(edge_dir.join("edge.log")).unwrap_or_default();
    assert!(
        log.contains(&format!("node sip:{down} failed the call")),
        "the edge tried the node that is down first:\n{log}"
    );

    let token = node
        .banner_value("call center API token:")
        .expect("cc token");
    let mut calls = Value::Null;
    for _ in 0..40 {
        calls = node.api(&token, "GET", "/v1/callcenter/call", json!({}));
        if calls["totalCount"] == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let call = &calls["result"][0];
    assert!(!call["answer_time"].is_null(), "{calls}");
    assert_eq!(call["from"], "+15550009", "{calls}");
}
