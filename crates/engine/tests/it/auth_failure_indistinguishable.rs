//! An unknown user gets exactly the answer a wrong password gets: same status, reason and
//! headers, byte for byte once the echoed user, the branch and the fresh nonce are masked.

use sb_sip::message::Response;

use crate::support::*;

/// The response as bytes with the per-request parts masked.
fn masked(response: &Response, user: &str, branch_of: &str) -> String {
    let text = String::from_utf8(response.to_bytes().to_vec()).unwrap();
    let mut text = text.replace(user, "USER").replace(branch_of, "BRANCH");
    while let Some(start) = text.find("nonce=\"") {
        let end = text[start + 7..].find('"').unwrap() + start + 7;
        text.replace_range(start..=end, "NONCE");
    }
    text
}

async fn failed_attempt(phone: &mut Phone) -> (Response, String) {
    let first = phone.register(600);
    let challenge = phone.exchange(&first).await;
    assert_eq!(challenge.status, 401);
    let retry = phone.register(600);
    let branch = retry
        .headers
        .get("Via")
        .unwrap()
        .split("branch=")
        .nth(1)
        .unwrap();
    let branch = branch.split(';').next().unwrap().to_owned();
    let retry = phone.authorize(retry, &challenge);
    (phone.exchange(&retry).await, branch)
}

#[actix_rt::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let h = start(dir.path(), |_| {}).await;
    let server = h.sip.local_addrs().udp;
    // Same socket and Call-ID for both, so only what the attacker chose differs.
    let mut wrong = Phone::udp("127.0.0.1", server, USER, "not-it-1").await;
    wrong.call_id = "same-call".into();
    let (wrong_answer, wrong_branch) = failed_attempt(&mut wrong).await;

    let mut unknown = Phone::udp("127.0.0.1", server, "nosuch77", "whatever").await;
    unknown.call_id = "same-call".into();
    unknown.cseq = 10;
    let (unknown_answer, unknown_branch) = failed_attempt(&mut unknown).await;

    assert_eq!(wrong_answer.status, 401);
    let a = masked(&wrong_answer, USER, &wrong_branch);
    let b = masked(&unknown_answer, "nosuch77", &unknown_branch);
    // The phones differ in their port, which the Via echoes: mask it too.
    let a = a.replace(&wrong.local.port().to_string(), "PORT");
    let b = b.replace(&unknown.local.port().to_string(), "PORT");
    let a = a.replace("CSeq: 2 ", "CSeq: N ");
    let b = b.replace("CSeq: 12 ", "CSeq: N ");
    assert_eq!(a, b);
    assert!(!a.contains("stale"), "a bad password is not a stale nonce");
    h.sip.shutdown().await;
}
