//! Checking each action element into its model (SPEC §10).

use super::attrs::{content, elements, empty, is_phone_number, missing, source, Attrs};
use super::tree::{shorten, Element};
use super::{Checker, EnqueueValidator};
use crate::diag::{Expected, Position, Problem};
use crate::model::*;

/// The action elements, in SPEC §10 order.
pub(crate) const ACTIONS: &[&str] = &[
    "play",
    "playlist",
    "get",
    "record",
    "dial",
    "connect",
    "pause",
    "send_dtmf",
    "hangup",
    "enqueue",
];
/// What `<response>` may contain.
pub(crate) const RESPONSE_CHILDREN: &[&str] = &[
    "play",
    "playlist",
    "get",
    "record",
    "dial",
    "connect",
    "pause",
    "send_dtmf",
    "hangup",
    "enqueue",
    "next",
];
/// Every element name of the IVR vocabulary, to tell "unknown" from "misplaced".
const KNOWN: &[&str] = &[
    "response",
    "play",
    "playlist",
    "get",
    "record",
    "dial",
    "connect",
    "pause",
    "send_dtmf",
    "hangup",
    "enqueue",
    "next",
    "number",
];

const PLAY_ATTRS: &[&str] = &["finish_keys", "repeat"];
const GET_ATTRS: &[&str] = &[
    "valid_keys",
    "max_keys",
    "finish_keys",
    "first_key_timeout",
    "continues_keys_timeout",
    "play_repeat",
    "if_break_on_key",
];
const RECORD_ATTRS: &[&str] = &["max_duration", "beeping", "finish_keys"];
const DIAL_ATTRS: &[&str] = &[
    "from",
    "max_call_duration",
    "max_dial_duration",
    "dial_voice_stop_cond",
];
const CONNECT_ATTRS: &[&str] = &["max_duration", "mode"];
const PLAYLIST_CHILDREN: &[&str] = &["play"];
const PROMPT_CHILDREN: &[&str] = &["play", "playlist"];
const DIAL_CHILDREN: &[&str] = &["number", "play", "connect"];

/// Reports a child element that may not appear in `parent`.
pub(crate) fn misplaced(
    ck: &mut Checker<'_>,
    parent: &str,
    child: &Element<'_>,
    expected: &'static [&'static str],
) {
    let (parent, found) = (parent.to_owned(), child.name.to_owned());
    let problem = if KNOWN.contains(&child.name) {
        Problem::MisplacedElement {
            parent,
            found,
            expected,
        }
    } else {
        Problem::UnknownElement {
            parent,
            found,
            expected,
        }
    };
    ck.report(child.start, problem);
}

/// Checks one action element; `None` when it has problems (they are reported).
pub(crate) fn action(
    ck: &mut Checker<'_>,
    el: &Element<'_>,
    validator: Option<EnqueueValidator<'_>>,
) -> Option<Action> {
    let before = ck.count();
    let action = match el.name {
        "play" => Action::Play(play(ck, el)?),
        "playlist" => Action::Playlist(playlist(ck, el)?),
        "get" => Action::Get(get(ck, el)),
        "record" => Action::Record(record(ck, el)),
        "dial" => Action::Dial(dial(ck, el)),
        "connect" => Action::Connect(connect(ck, el)),
        "pause" => Action::Pause(pause(ck, el)),
        "send_dtmf" => Action::SendDtmf(send_dtmf(ck, el)?),
        "hangup" => {
            Attrs::check(ck, el, "hangup", &[]);
            empty(ck, el);
            Action::Hangup
        }
        "enqueue" => Action::Enqueue(enqueue(ck, el, validator)),
        _ => return None,
    };
    (ck.count() == before).then_some(action)
}

fn play(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<Play> {
    let attrs = Attrs::check(ck, el, "play", PLAY_ATTRS);
    let finish_keys = attrs.keys(ck, "finish_keys", KeySet::EMPTY);
    let repeat = repeat(ck, &attrs, "repeat");
    Some(Play {
        source: source(ck, el, "play")?,
        finish_keys,
        repeat,
    })
}

fn repeat(ck: &mut Checker<'_>, attrs: &Attrs<'_, '_>, name: &'static str) -> u8 {
    let range = (1, u32::from(MAX_REPEAT));
    let n = attrs.integer(ck, name, range, u32::from(DEFAULT_REPEAT));
    // Invariant: `integer` returns a value within `range`, which fits in a u8.
    u8::try_from(n).unwrap_or(DEFAULT_REPEAT)
}

fn playlist(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<Playlist> {
    let attrs = Attrs::check(ck, el, "playlist", PLAY_ATTRS);
    let finish_keys = attrs.keys(ck, "finish_keys", KeySet::EMPTY);
    let repeat = repeat(ck, &attrs, "repeat");
    Some(Playlist {
        items: playlist_items(ck, el)?,
        finish_keys,
        repeat,
    })
}

/// The `<play>` children of a `<playlist>`, each without attributes.
fn playlist_items(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<Vec<Source>> {
    let mut items = Vec::new();
    let children = elements(ck, el);
    let plays = children.iter().filter(|c| c.name == "play").count();
    let mut seen = 0;
    for child in children {
        if child.name != "play" {
            misplaced(ck, el.name, child, PLAYLIST_CHILDREN);
            continue;
        }
        seen += 1;
        if seen == MAX_PLAYLIST_ITEMS + 1 {
            let problem = Problem::TooManyChildren {
                element: "playlist",
                child: "play",
                max: MAX_PLAYLIST_ITEMS,
                found: plays,
            };
            ck.report(child.start, problem);
        }
        if let Some(item) = nested_play(ck, child) {
            items.push(item);
        }
    }
    if plays == 0 {
        let problem = Problem::TooFewChildren {
            element: "playlist",
            child: "play",
            min: 1,
        };
        ck.report(el.start, problem);
    }
    (items.len() == plays).then_some(items)
}

/// A `<play>` nested in another element: a source, no attributes of its own.
fn nested_play(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<Source> {
    Attrs::check(ck, el, "play", &[]);
    source(ck, el, "play")
}

/// Reports the second and later `name` children of `parent`; returns the first.
fn at_most_one<'e, 'a>(
    ck: &mut Checker<'_>,
    parent: &'static str,
    children: &[&'e Element<'a>],
    name: &'static str,
) -> Option<&'e Element<'a>> {
    let found = children.iter().filter(|c| c.name == name).count();
    let mut matching = children.iter().filter(|c| c.name == name);
    let first = matching.next().copied();
    if let Some(second) = matching.next() {
        let problem = Problem::TooManyChildren {
            element: parent,
            child: name,
            max: 1,
            found,
        };
        ck.report(second.start, problem);
    }
    first
}

fn get(ck: &mut Checker<'_>, el: &Element<'_>) -> Get {
    let attrs = Attrs::check(ck, el, "get", GET_ATTRS);
    let default_valid = KeySet::parse(DEFAULT_VALID_KEYS).unwrap_or(KeySet::ALL);
    let default_finish = KeySet::parse(DEFAULT_FINISH_KEYS).unwrap_or(KeySet::EMPTY);
    let timeouts = (1, MAX_KEY_TIMEOUT_S);
    let max_keys = attrs.integer(
        ck,
        "max_keys",
        (1, u32::from(MAX_MAX_KEYS)),
        u32::from(DEFAULT_MAX_KEYS),
    );
    let mut get = Get {
        valid_keys: attrs.keys(ck, "valid_keys", default_valid),
        // Invariant: `integer` keeps the value within 1..=64.
        max_keys: u8::try_from(max_keys).unwrap_or(DEFAULT_MAX_KEYS),
        finish_keys: attrs.keys(ck, "finish_keys", default_finish),
        first_key_timeout: attrs.seconds(
            ck,
            "first_key_timeout",
            timeouts,
            DEFAULT_FIRST_KEY_TIMEOUT_S,
        ),
        continues_keys_timeout: attrs.seconds(
            ck,
            "continues_keys_timeout",
            timeouts,
            DEFAULT_CONTINUES_KEYS_TIMEOUT_S,
        ),
        play_repeat: repeat(ck, &attrs, "play_repeat"),
        if_break_on_key: attrs.boolean(ck, "if_break_on_key", true),
        prompt: Vec::new(),
    };
    let children = elements(ck, el);
    let prompts: Vec<_> = children
        .iter()
        .filter(|c| PROMPT_CHILDREN.contains(&c.name))
        .collect();
    for child in &children {
        if !PROMPT_CHILDREN.contains(&child.name) {
            misplaced(ck, "get", child, PROMPT_CHILDREN);
        }
    }
    if let Some(second) = prompts.get(1) {
        let problem = Problem::TooManyChildren {
            element: "get",
            child: "play/playlist",
            max: 1,
            found: prompts.len(),
        };
        ck.report(second.start, problem);
    }
    if let Some(prompt) = prompts.first() {
        get.prompt = if prompt.name == "play" {
            nested_play(ck, prompt).into_iter().collect()
        } else {
            Attrs::check(ck, prompt, "playlist", &[]);
            playlist_items(ck, prompt).unwrap_or_default()
        };
    }
    get
}

fn record(ck: &mut Checker<'_>, el: &Element<'_>) -> Record {
    let attrs = Attrs::check(ck, el, "record", RECORD_ATTRS);
    let default_finish = KeySet::parse(DEFAULT_FINISH_KEYS).unwrap_or(KeySet::EMPTY);
    let range = (1, MAX_RECORD_DURATION_S);
    let record = Record {
        max_duration: attrs.seconds(ck, "max_duration", range, DEFAULT_RECORD_MAX_DURATION_S),
        beeping: attrs.boolean(ck, "beeping", true),
        finish_keys: attrs.keys(ck, "finish_keys", default_finish),
    };
    empty(ck, el);
    record
}

/// A limit in seconds where 0 means none.
fn limit(
    ck: &mut Checker<'_>,
    attrs: &Attrs<'_, '_>,
    name: &'static str,
) -> Option<std::time::Duration> {
    let range = (0, MAX_CALL_DURATION_S);
    let d = attrs.seconds(ck, name, range, DEFAULT_MAX_CALL_DURATION_S);
    (!d.is_zero()).then_some(d)
}

fn dial(ck: &mut Checker<'_>, el: &Element<'_>) -> Dial {
    let attrs = Attrs::check(ck, el, "dial", DIAL_ATTRS);
    let ring_range = (1, MAX_DIAL_DURATION_S);
    let stop = attrs.one_of(ck, "dial_voice_stop_cond", &["1", "2"], 0);
    let mut dial = Dial {
        numbers: Vec::new(),
        from: attrs.phone(ck, "from"),
        max_call_duration: limit(ck, &attrs, "max_call_duration"),
        max_dial_duration: attrs.seconds(
            ck,
            "max_dial_duration",
            ring_range,
            DEFAULT_MAX_DIAL_DURATION_S,
        ),
        ringback_stop: if stop == 1 {
            RingbackStop::EarlyMedia
        } else {
            RingbackStop::Answer
        },
        ringback: None,
        connect: None,
    };
    let children = elements(ck, el);
    for child in &children {
        match child.name {
            "number" => dial.numbers.extend(number(ck, child)),
            "play" | "connect" => {}
            _ => misplaced(ck, "dial", child, DIAL_CHILDREN),
        }
    }
    dial_number_count(ck, el, &children);
    if let Some(play) = at_most_one(ck, "dial", &children, "play") {
        dial.ringback = nested_play(ck, play);
    }
    if let Some(connect_el) = at_most_one(ck, "dial", &children, "connect") {
        dial.connect = Some(connect(ck, connect_el));
    }
    dial
}

fn dial_number_count(ck: &mut Checker<'_>, el: &Element<'_>, children: &[&Element<'_>]) {
    let numbers: Vec<_> = children.iter().filter(|c| c.name == "number").collect();
    if numbers.is_empty() {
        let problem = Problem::TooFewChildren {
            element: "dial",
            child: "number",
            min: 1,
        };
        ck.report(el.start, problem);
    } else if let Some(extra) = numbers.get(MAX_DIAL_NUMBERS) {
        let problem = Problem::TooManyChildren {
            element: "dial",
            child: "number",
            max: MAX_DIAL_NUMBERS,
            found: numbers.len(),
        };
        ck.report(extra.start, problem);
    }
}

fn number(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<String> {
    Attrs::check(ck, el, "number", &[]);
    let Some((text, at)) = content(ck, el) else {
        missing(ck, el, "number", Expected::PhoneNumber);
        return None;
    };
    if is_phone_number(&text) {
        return Some(text);
    }
    let problem = Problem::BadContent {
        element: "number",
        found: shorten(&text),
        expected: Expected::PhoneNumber,
    };
    ck.report(at, problem);
    None
}

fn connect(ck: &mut Checker<'_>, el: &Element<'_>) -> Connect {
    let attrs = Attrs::check(ck, el, "connect", CONNECT_ATTRS);
    let mode = match attrs.one_of(ck, "mode", &["1", "2", "3"], 0) {
        1 => ConnectMode::SecondHearsFirst,
        2 => ConnectMode::FirstHearsSecond,
        _ => ConnectMode::Both,
    };
    let max_duration = limit(ck, &attrs, "max_duration");
    let children = elements(ck, el);
    for child in &children {
        if child.name != "play" {
            misplaced(ck, "connect", child, &["play"]);
        }
    }
    let prompt = at_most_one(ck, "connect", &children, "play").and_then(|p| nested_play(ck, p));
    Connect {
        max_duration,
        mode,
        prompt,
    }
}

fn pause(ck: &mut Checker<'_>, el: &Element<'_>) -> Pause {
    let attrs = Attrs::check(ck, el, "pause", &["duration"]);
    let duration = attrs.seconds(ck, "duration", (1, MAX_PAUSE_S), DEFAULT_PAUSE_S);
    empty(ck, el);
    Pause { duration }
}

fn send_dtmf(ck: &mut Checker<'_>, el: &Element<'_>) -> Option<SendDtmf> {
    Attrs::check(ck, el, "send_dtmf", &[]);
    let Some((digits, at)) = content(ck, el) else {
        missing(ck, el, "send_dtmf", Expected::DtmfDigits);
        return None;
    };
    let valid = digits.chars().count() <= MAX_SEND_DTMF
        && digits
            .chars()
            .all(|c| c == 'w' || c == 'W' || DtmfKey::from_char(c).is_some());
    if !valid {
        let problem = Problem::BadContent {
            element: "send_dtmf",
            found: shorten(&digits),
            expected: Expected::DtmfDigits,
        };
        ck.report(at, problem);
        return None;
    }
    Some(SendDtmf { digits })
}

/// Keeps `<enqueue>` as its source text; the validator's positions (relative to that text)
/// are mapped into the whole document.
fn enqueue(
    ck: &mut Checker<'_>,
    el: &Element<'_>,
    validator: Option<EnqueueValidator<'_>>,
) -> EnqueueXml {
    let xml = ck
        .text()
        .get(el.start..el.end)
        .unwrap_or_default()
        .to_owned();
    let start = ck.position(el.start);
    if let Some(validate) = validator {
        for (line, column, message) in validate(&xml) {
            let at = Position { line, column }.within(start);
            ck.report_at(at, Problem::Enqueue { message });
        }
    }
    EnqueueXml { xml, start }
}
