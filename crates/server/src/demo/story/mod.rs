//! The story the demo tells, step by step, with a check wherever something can be proven
//! from what the people heard, what the IVR application was asked and what the server's
//! events said.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::{sleep, Instant};

use super::hearing::{self, Share};
use super::ivr_app::IvrApp;
use super::media::Media;
use super::phone::Phone;
use super::report::{short_id, Check, Line, Who};
use super::site::Site;
use super::DemoError;

mod handover;
mod setup;

/// Callers beyond the first (`--callers`): name, caller id and voice.
pub const EXTRA_CALLERS: [(&str, &str, u16); 3] = [
    ("caller2", "5550124", 1500),
    ("caller3", "5550125", 1600),
    ("caller4", "5550126", 1700),
];
/// The inbound number the caller dials.
const DID: &str = "4000";
/// The agent whose job number is announced.
const ALICE_NUM: &str = "1007";
/// How long agents' phones ring before they answer.
const RING: Duration = Duration::from_millis(1200);
/// Each person's voice, a tone on a 50 Hz bin away from DTMF, dial tones and the music.
const CALLER_HZ: u16 = 1400;
const ALICE_HZ: u16 = 1800;
const BOB_HZ: u16 = 2200;
const SAM_HZ: u16 = 2600;
/// How long the demo listens to decide who hears whom.
pub(super) const LISTEN: Duration = Duration::from_millis(1200);
/// The longest any single step may take.
const STEP: Duration = Duration::from_secs(12);

/// A simulated person.
pub(super) struct Person {
    pub(super) name: &'static str,
    pub(super) user: &'static str,
    pub(super) hz: u16,
    pub(super) phone: Phone,
}

/// The run's shared pieces.
pub(super) struct Story<'a> {
    pub(super) site: &'a Site,
    ivr: IvrApp,
    pub(super) events: Arc<Mutex<Vec<Value>>>,
    log: mpsc::UnboundedSender<Line>,
    checks: mpsc::UnboundedSender<Check>,
}

impl Story<'_> {
    pub(super) fn say(&self, text: impl Into<String>) {
        let _ = self.log.send(Line::new(Who::Demo, text.into()));
    }

    pub(super) fn check(
        &self,
        claim: impl Into<String>,
        passed: bool,
        evidence: impl Into<String>,
    ) {
        let c = Check {
            claim: claim.into(),
            passed,
            evidence: evidence.into(),
        };
        let _ = self.log.send(Line::new(Who::Demo, c.line()));
        let _ = self.checks.send(c);
    }

    /// Waits (up to [`STEP`]) until `done` holds.
    pub(super) async fn until(
        &self,
        what: &'static str,
        done: impl Fn() -> bool,
    ) -> Result<(), DemoError> {
        let end = Instant::now() + STEP;
        while !done() {
            if Instant::now() >= end {
                return Err(DemoError::Timeout { what });
            }
            sleep(Duration::from_millis(40)).await;
        }
        Ok(())
    }

    /// The first server event satisfying `found`, waiting for it.
    pub(super) async fn event(
        &self,
        what: &'static str,
        found: impl Fn(&Value) -> bool,
    ) -> Result<Value, DemoError> {
        let pick = || {
            let seen = self.events.lock().unwrap_or_else(|e| e.into_inner());
            seen.iter().find(|e| found(e)).cloned()
        };
        self.until(what, || pick().is_some()).await?;
        pick().ok_or(DemoError::Timeout { what })
    }

    /// `caller` presses `key` (RFC 4733) once the IVR has had a moment to start
    /// collecting, again if the IVR request to `path` does not follow (a key that came
    /// before collection started is not collected), at most three times; that request.
    async fn press_until(
        &self,
        caller: &Person,
        media: &Media,
        key: char,
        what: &'static str,
        path: &str,
        call: &str,
    ) -> Result<super::ivr_app::Hit, DemoError> {
        let pick = || {
            self.ivr
                .hits()
                .into_iter()
                .find(|h| h.path == path && h.params.get("call_id").is_some_and(|v| v == call))
        };
        for attempt in 0..3 {
            sleep(Duration::from_millis(600)).await;
            let again = if attempt == 0 { "" } else { " again" };
            self.say(format!("{} presses {key}{again} (RFC 4733)", caller.name));
            media.press(key)?;
            let end = Instant::now() + Duration::from_secs(3);
            while Instant::now() < end {
                if let Some(hit) = pick() {
                    return Ok(hit);
                }
                sleep(Duration::from_millis(40)).await;
            }
        }
        Err(DemoError::Timeout { what })
    }

    /// The IVR request to `path` about IVR call `call` (the `ivr_start` of a call from
    /// `call` for `/ivr`), waiting for it.
    pub(super) async fn ivr_hit(
        &self,
        what: &'static str,
        path: &str,
        call: &str,
    ) -> Result<super::ivr_app::Hit, DemoError> {
        let key = if path == "/ivr" { "from" } else { "call_id" };
        let pick = || {
            self.ivr
                .hits()
                .into_iter()
                .find(|h| h.path == path && h.params.get(key).is_some_and(|v| v == call))
        };
        self.until(what, || pick().is_some()).await?;
        pick().ok_or(DemoError::Timeout { what })
    }

    /// Listens for [`LISTEN`] and checks, for each `(listener, heard, not_heard)`, that
    /// the listener hears every one of `heard` and none of `not_heard`.
    pub(super) async fn hearing(
        &self,
        expect: &[(&Person, &[&Person], &[&Person])],
    ) -> Result<(), DemoError> {
        let mut media = Vec::new();
        for (listener, _, _) in expect {
            media.push(listener.phone.media().ok_or(DemoError::NoCall)?);
        }
        let from = Instant::now();
        sleep(LISTEN).await;
        for ((listener, heard, not_heard), media) in expect.iter().zip(media) {
            let pcm = media.heard_since(from);
            for p in heard.iter() {
                let share = hearing::tone(&pcm, f64::from(p.hz));
                self.check(
                    format!("{} hears {}", listener.name, p.name),
                    share.heard(),
                    format!("{} Hz {}", p.hz, share.describe()),
                );
            }
            for p in not_heard.iter() {
                let share = hearing::tone(&pcm, f64::from(p.hz));
                self.check(
                    format!("{} does not hear {}", listener.name, p.name),
                    share.silent(),
                    format!("{} Hz {}", p.hz, share.describe()),
                );
            }
        }
        Ok(())
    }

    pub(super) fn music_check(&self, claim: &str, share: Share) {
        self.check(
            claim,
            share.heard(),
            format!("hold music {}", share.describe()),
        );
    }
}

pub(super) async fn person(
    name: &'static str,
    user: &'static str,
    ip: IpAddr,
    hz: u16,
    site: &Site,
    log: &mpsc::UnboundedSender<Line>,
) -> Result<Person, DemoError> {
    let who = Who::Person(name.to_owned());
    let phone = Phone::start(who, user, ip, site.sip, hz, RING, log.clone()).await?;
    Ok(Person {
        name,
        user,
        hz,
        phone,
    })
}

/// Sets the call center up and runs the story against `site`.
pub async fn run(
    site: &Site,
    log: mpsc::UnboundedSender<Line>,
    checks: mpsc::UnboundedSender<Check>,
    callers: usize,
) -> Result<(), DemoError> {
    let events = site.watch(log.clone());
    let ivr = IvrApp::start(log.clone()).await?;
    let story = Story {
        site,
        ivr,
        events,
        log: log.clone(),
        checks,
    };
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    // The trunk's far end has an address of its own, as a carrier would.
    let trunk_ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let caller = person("caller", "5550123", trunk_ip, CALLER_HZ, site, &log).await?;
    let alice = person("alice", "alice0001", loopback, ALICE_HZ, site, &log).await?;
    let bob = person("bob", "bob0001", loopback, BOB_HZ, site, &log).await?;
    let sam = person("sam", "sam0001", loopback, SAM_HZ, site, &log).await?;
    let mut waiting = Vec::new();
    for &(name, user, hz) in EXTRA_CALLERS.iter().take(callers.saturating_sub(1)) {
        waiting.push(person(name, user, trunk_ip, hz, site, &log).await?);
    }
    setup::setup(&story, trunk_ip, [&alice, &bob, &sam]).await?;
    let (call, waiting) = queue(&story, &caller, waiting).await?;
    let conversation = talk(&story, &caller, &alice).await?;
    handover::supervise(&story, &conversation, &caller, &alice, &sam).await?;
    let second = handover::transfer(&story, &conversation, &caller, &alice, &bob).await?;
    depart_and_survey(&story, &second, &caller, &call, &bob).await?;
    ended(&story, [&conversation, &second]).await?;
    super::waiting::serve(&story, &waiting, &alice).await
}

/// `caller` dials in and keys 1 (RFC 4733), which queues it; its IVR call id.
pub(super) async fn enter_queue(story: &Story<'_>, caller: &Person) -> Result<String, DemoError> {
    story.say(format!("{} dials {DID} from the trunk", caller.name));
    // The server takes a new trunk into its routes just after the API answered; until
    // then a call from the trunk's address is a stranger's, challenged with 407.
    let mut tries = 0;
    loop {
        match caller.phone.dial(DID).await {
            Err(DemoError::Sip { status: 407, .. }) if tries < 10 => {
                tries += 1;
                let who = caller.name;
                story.say(format!(
                    "the trunk is not routed yet (407): {who} dials again"
                ));
                sleep(Duration::from_millis(300)).await;
            }
            other => break other?,
        }
    }
    let media = caller.phone.media().ok_or(DemoError::NoCall)?;
    let start = story.ivr_hit("the IVR start", "/ivr", caller.user).await?;
    let call = start.params.get("call_id").cloned().unwrap_or_default();
    let menu = story
        .press_until(caller, &media, '1', "the menu key", "/menu", &call)
        .await?;
    let key = menu.params.get("keys").cloned().unwrap_or_default();
    story.check(
        format!("the IVR gets {}'s menu key by RFC 4733", caller.name),
        key == "1",
        format!("keys={key:?}"),
    );
    Ok(call)
}

/// The caller, then those `waiting` behind it, queue while alice is busy, and hear the
/// hold music. The caller's IVR call id, and each waiting person with theirs.
async fn queue(
    story: &Story<'_>,
    caller: &Person,
    waiting: Vec<Person>,
) -> Result<(String, Vec<(Person, String)>), DemoError> {
    let call = enter_queue(story, caller).await?;
    let queued = Instant::now();
    let mut behind = Vec::new();
    for w in waiting {
        let call = enter_queue(story, &w).await?;
        behind.push((w, call, Instant::now()));
    }
    let expected = 1 + behind.len();
    // The task is made once the server has read the IVR's answer, just after it.
    let mut count = 0;
    for _ in 0..20 {
        let tasks = story
            .site
            .api("GET", "/v1/callcenter/queue", json!({}))
            .await?;
        count = tasks["totalCount"].as_u64().unwrap_or(0);
        if count == expected as u64 {
            break;
        }
        sleep(Duration::from_millis(100)).await;
    }
    story.check(
        format!("{expected} caller(s) wait in the queue while alice is busy"),
        count == expected as u64,
        format!("GET /callcenter/queue lists {count}"),
    );
    sleep(Duration::from_millis(2500).saturating_sub(queued.elapsed())).await;
    if !behind.is_empty() {
        // The last one in needs a moment of music too.
        sleep(Duration::from_millis(1500)).await;
    }
    let media = caller.phone.media().ok_or(DemoError::NoCall)?;
    let heard = media.heard_between(queued + Duration::from_millis(500), Instant::now());
    story.music_check(
        "caller hears hold music while queued",
        hearing::music(&heard),
    );
    for (w, _, at) in &behind {
        let media = w.phone.media().ok_or(DemoError::NoCall)?;
        let heard = media.heard_since(*at + Duration::from_millis(300));
        let claim = format!("{} hears hold music while queued", w.name);
        story.music_check(&claim, hearing::music(&heard));
    }
    let behind = behind.into_iter().map(|(w, call, _)| (w, call)).collect();
    Ok((call, behind))
}

/// Alice becomes free: the queue rings her, the caller hears her job number, and the two
/// talk. The conversation's id.
async fn talk(story: &Story<'_>, caller: &Person, alice: &Person) -> Result<String, DemoError> {
    story.say("alice is back from her briefing: state idle");
    let freed = Instant::now();
    story
        .site
        .api(
            "POST",
            "/v1/callcenter/agent/alice/state",
            json!({"state": "idle"}),
        )
        .await?;
    let begin = story
        .event("the queue conversation", |e| {
            e["event"] == "callcenter.conversation.begin" && e["type"] == "queue"
        })
        .await?;
    let id = begin["id"].as_str().unwrap_or_default().to_owned();
    let media = caller.phone.media().ok_or(DemoError::NoCall)?;
    sleep(Duration::from_millis(3500)).await;
    // From before her phone rang: the number is searched for anywhere in it.
    let announced = media.heard_since(freed);
    // The digits as the server's built-in prompts say them (none if the number is not
    // digits, which fails the check).
    let number = sb_media::builtin::play_num(None, ALICE_NUM, None)
        .map(|player| hearing::render(player, 500))
        .unwrap_or_default();
    let score = hearing::carries(&announced, &number, &[f64::from(ALICE_HZ)]);
    story.check(
        format!("caller hears alice's job number {ALICE_NUM}"),
        score >= 0.7,
        format!("loudness matches the spoken digits, correlation {score:.2}"),
    );
    story
        .hearing(&[(caller, &[alice], &[]), (alice, &[caller], &[])])
        .await?;
    Ok(id)
}

/// `agent` departs from `conversation`: `caller` (IVR call `call`) is back at the IVR,
/// keys 5 for the survey and hangs up.
pub(super) async fn depart_and_survey(
    story: &Story<'_>,
    conversation: &str,
    caller: &Person,
    call: &str,
    agent: &Person,
) -> Result<(), DemoError> {
    let (who, name) = (caller.name, agent.name);
    story.say(format!("{name} leaves {who} (depart, data \"survey\")"));
    story
        .site
        .api(
            "POST",
            &format!("/v1/callcenter/agent/{name}/depart"),
            json!({"conversationId": conversation, "data": "survey"}),
        )
        .await?;
    let after = story
        .ivr_hit("the caller back at the IVR", "/after", call)
        .await?;
    let p = |k: &str| after.params.get(k).cloned().unwrap_or_default();
    story.check(
        format!("{who} returns to the IVR from {name}"),
        p("result") == "success" && p("agent_name") == name && p("data") == "survey",
        format!(
            "result={} agent_name={} data={:?}",
            p("result"),
            p("agent_name"),
            p("data")
        ),
    );
    let media = caller.phone.media().ok_or(DemoError::NoCall)?;
    let survey = story
        .press_until(caller, &media, '5', "the survey key", "/survey", call)
        .await?;
    let key = survey.params.get("keys").cloned().unwrap_or_default();
    story.check(
        format!("the IVR gets {who}'s survey key"),
        key == "5",
        format!("keys={key:?}"),
    );
    story.say(format!("{who} hangs up"));
    caller.phone.hang_up().await?;
    story
        .event("the end of the IVR call", |e| {
            e["event"] == "ivr.call_end" && e["call_id"] == call
        })
        .await?;
    Ok(())
}

/// Checks that the conversations `ids` ended, each once.
async fn ended(story: &Story<'_>, ids: [&str; 2]) -> Result<(), DemoError> {
    story
        .until("the conversations to end", || {
            let seen = story.events.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter().all(|id| {
                seen.iter()
                    .any(|e| e["event"] == "callcenter.conversation.end" && e["id"] == *id)
            })
        })
        .await?;
    let seen = story.events.lock().unwrap_or_else(|e| e.into_inner());
    let reasons: Vec<&str> = seen
        .iter()
        .filter(|e| e["event"] == "callcenter.conversation.end")
        .filter(|e| ids.iter().any(|id| e["id"] == *id))
        .map(|e| e["end_reason"].as_str().unwrap_or("-"))
        .collect();
    story.check(
        "the caller's two conversations ended as members left",
        reasons == ["member_left", "member_left"],
        format!("end reasons {reasons:?}"),
    );
    Ok(())
}
