//! Every action of SPEC §10 (and the `<enqueue>` example of SPEC §8) parses into the model,
//! with the documented defaults for attributes left out.

use std::time::Duration;

use crate::support::check;
use switchboard_ivr::model::*;
use switchboard_ivr::Position;

fn keys(s: &str) -> KeySet {
    KeySet::parse(s).expect("test key set")
}

fn file(name: &str) -> Source {
    Source::File(name.into())
}

fn next(url: &str, tag: Option<&str>) -> Option<Next> {
    Some(Next {
        url: url.into(),
        tag: tag.map(Into::into),
    })
}

#[test]
fn play_with_finish_keys_and_repeat() {
    check(
        r##"<response>
             <play finish_keys="#*" repeat="3">https://media.example/welcome.wav</play>
             <next tag="welcome">https://app.example/ivr?step=1</next>
           </response>"##,
        Ok(Response {
            action: Action::Play(Play {
                source: Source::Url("https://media.example/welcome.wav".into()),
                finish_keys: keys("*#"),
                repeat: 3,
            }),
            next: next("https://app.example/ivr?step=1", Some("welcome")),
        }),
    );
}

#[test]
fn play_defaults() {
    check(
        "<response><play> welcome.wav </play></response>",
        Ok(Response {
            action: Action::Play(Play {
                source: file("welcome.wav"),
                finish_keys: KeySet::EMPTY,
                repeat: DEFAULT_REPEAT,
            }),
            next: None,
        }),
    );
}

#[test]
fn playlist_of_several_files() {
    check(
        r##"<response>
             <playlist finish_keys="0" repeat="2">
               <play>your_balance_is.wav</play>
               <!-- digits are built-in prompts of the media files -->
               <play>digits/4.wav</play>
               <play><![CDATA[yuan&fen.wav]]></play>
             </playlist>
             <next>http://app.example/after-balance</next>
           </response>"##,
        Ok(Response {
            action: Action::Playlist(Playlist {
                items: vec![
                    file("your_balance_is.wav"),
                    file("digits/4.wav"),
                    file("yuan&fen.wav"),
                ],
                finish_keys: keys("0"),
                repeat: 2,
            }),
            next: next("http://app.example/after-balance", None),
        }),
    );
}

#[test]
fn get_with_every_attribute_and_a_play_prompt() {
    check(
        r##"<response>
             <get valid_keys="123*" max_keys="4" finish_keys="#" first_key_timeout="8"
                  continues_keys_timeout="2" play_repeat="3" if_break_on_key="false">
               <play>menu.wav</play>
             </get>
             <next tag="menu">https://app.example/menu</next>
           </response>"##,
        Ok(Response {
            action: Action::Get(Get {
                valid_keys: keys("123*"),
                max_keys: 4,
                finish_keys: keys("#"),
                first_key_timeout: Duration::from_secs(8),
                continues_keys_timeout: Duration::from_secs(2),
                play_repeat: 3,
                if_break_on_key: false,
                prompt: vec![file("menu.wav")],
            }),
            next: next("https://app.example/menu", Some("menu")),
        }),
    );
}

#[test]
fn get_defaults_with_a_playlist_prompt() {
    check(
        "<response><get><playlist><play>a.wav</play><play>b.wav</play></playlist></get></response>",
        Ok(Response {
            action: Action::Get(Get {
                valid_keys: keys(DEFAULT_VALID_KEYS),
                max_keys: DEFAULT_MAX_KEYS,
                finish_keys: keys(DEFAULT_FINISH_KEYS),
                first_key_timeout: Duration::from_secs(5),
                continues_keys_timeout: Duration::from_secs(3),
                play_repeat: 1,
                if_break_on_key: true,
                prompt: vec![file("a.wav"), file("b.wav")],
            }),
            next: None,
        }),
    );
}

#[test]
fn get_without_prompt() {
    let doc = r##"<response><get max_keys="11" finish_keys=""/></response>"##;
    let Ok(Response {
        action: Action::Get(get),
        ..
    }) = switchboard_ivr::parse(doc)
    else {
        panic!("valid get");
    };
    assert!(get.prompt.is_empty());
    assert_eq!(get.max_keys, 11);
    assert_eq!(get.finish_keys, KeySet::EMPTY);
}

#[test]
fn record_with_and_without_attributes() {
    check(
        r##"<response><record max_duration="120" beeping="false" finish_keys="*#"/>
           <next>http://app.example/voicemail</next></response>"##,
        Ok(Response {
            action: Action::Record(Record {
                max_duration: Duration::from_secs(120),
                beeping: false,
                finish_keys: keys("*#"),
            }),
            next: next("http://app.example/voicemail", None),
        }),
    );
    check(
        "<response><record/></response>",
        Ok(Response {
            action: Action::Record(Record {
                max_duration: Duration::from_secs(60),
                beeping: true,
                finish_keys: keys("#"),
            }),
            next: None,
        }),
    );
}

#[test]
fn dial_with_ringback_and_connect() {
    check(
        r##"<response>
             <dial from="+861088888888" max_call_duration="1800" max_dial_duration="30"
                   dial_voice_stop_cond="2">
               <number>+8613800000001</number>
               <number>2019</number>
               <play>ringback.wav</play>
               <connect mode="2" max_duration="600"><play>you_are_connected.wav</play></connect>
             </dial>
             <next tag="dialled">https://app.example/dialled</next>
           </response>"##,
        Ok(Response {
            action: Action::Dial(Dial {
                numbers: vec!["+8613800000001".into(), "2019".into()],
                from: Some("+861088888888".into()),
                max_call_duration: Some(Duration::from_secs(1800)),
                max_dial_duration: Duration::from_secs(30),
                ringback_stop: RingbackStop::EarlyMedia,
                ringback: Some(file("ringback.wav")),
                connect: Some(Connect {
                    max_duration: Some(Duration::from_secs(600)),
                    mode: ConnectMode::SecondHearsFirst,
                    prompt: Some(file("you_are_connected.wav")),
                }),
            }),
            next: next("https://app.example/dialled", Some("dialled")),
        }),
    );
}

#[test]
fn dial_defaults() {
    check(
        "<response><dial><number>100</number></dial></response>",
        Ok(Response {
            action: Action::Dial(Dial {
                numbers: vec!["100".into()],
                from: None,
                max_call_duration: None,
                max_dial_duration: Duration::from_secs(60),
                ringback_stop: RingbackStop::Answer,
                ringback: None,
                connect: None,
            }),
            next: None,
        }),
    );
}

#[test]
fn connect_in_each_mode() {
    for (code, mode) in [
        ("1", ConnectMode::Both),
        ("2", ConnectMode::SecondHearsFirst),
        ("3", ConnectMode::FirstHearsSecond),
    ] {
        check(
            &format!(r##"<response><connect mode="{code}"/></response>"##),
            Ok(Response {
                action: Action::Connect(Connect {
                    max_duration: None,
                    mode,
                    prompt: None,
                }),
                next: None,
            }),
        );
        assert_eq!(mode.code().to_string(), code);
    }
}

#[test]
fn pause_send_dtmf_and_hangup() {
    check(
        r##"<response><pause duration="3"/><next>http://a.example/</next></response>"##,
        Ok(Response {
            action: Action::Pause(Pause {
                duration: Duration::from_secs(3),
            }),
            next: next("http://a.example/", None),
        }),
    );
    check(
        "<response><send_dtmf>123w#wA</send_dtmf></response>",
        Ok(Response {
            action: Action::SendDtmf(SendDtmf {
                digits: "123w#wA".into(),
            }),
            next: None,
        }),
    );
    check(
        "<response>\n  <hangup/>\n</response>",
        Ok(Response {
            action: Action::Hangup,
            next: None,
        }),
    );
}

/// The `<enqueue>` example of SPEC §8, kept verbatim with its start position.
#[test]
fn enqueue_of_spec_section_8_is_kept_as_source_text() {
    let enqueue = r##"<enqueue wait_voice="wait.wav" ring_mode="1" play_num="true"
             pre_num_voice="agent.wav" post_num_voice="at_your_service.wav"
             hold_voice="hold.wav" choice="lru" reserve_state="idle"
             fail_overflow="false" conversation_timeout="3600" user_data="anything">
      <route><condition id="c1"/></route>                       <!-- stored condition -->
      <route><skill name="billing" priority="10" queue_timeout="30" fetch_timeout="20"/></route>
      <route><agent name="2019" queue_timeout="0"/></route>      <!-- one named agent -->
    </enqueue>"##;
    let doc = format!(
        "<response>\n  {enqueue}\n  <next tag=\"q\">https://app.example/after-queue</next>\n</response>"
    );
    check(
        &doc,
        Ok(Response {
            action: Action::Enqueue(EnqueueXml {
                xml: enqueue.into(),
                start: Position { line: 2, column: 3 },
            }),
            next: next("https://app.example/after-queue", Some("q")),
        }),
    );
}

#[test]
fn self_closing_enqueue_is_kept_too() {
    let doc = r##"<response><enqueue user_data="x"/></response>"##;
    let Ok(Response {
        action: Action::Enqueue(e),
        ..
    }) = switchboard_ivr::parse(doc)
    else {
        panic!("valid enqueue");
    };
    assert_eq!(e.xml, r##"<enqueue user_data="x"/>"##);
    assert_eq!(
        e.start,
        Position {
            line: 1,
            column: 11
        }
    );
}

#[test]
fn escapes_and_a_leading_declaration_are_accepted() {
    check(
        "<?xml version=\"1.0\"?>\n<!-- menu -->\n<response><play>a&amp;b.wav</play>\
         <next tag=\"&lt;x&gt;\">http://h/p?a=1&amp;b=2</next></response>\n",
        Ok(Response {
            action: Action::Play(Play {
                source: file("a&b.wav"),
                finish_keys: KeySet::EMPTY,
                repeat: 1,
            }),
            next: next("http://h/p?a=1&b=2", Some("<x>")),
        }),
    );
}

#[test]
fn the_tag_name_is_the_type_parameter() {
    let names = [
        ("<play>a</play>", "play"),
        ("<playlist><play>a</play></playlist>", "playlist"),
        ("<get/>", "get"),
        ("<record/>", "record"),
        ("<dial><number>1</number></dial>", "dial"),
        ("<connect/>", "connect"),
        ("<pause/>", "pause"),
        ("<send_dtmf>1</send_dtmf>", "send_dtmf"),
        ("<hangup/>", "hangup"),
        ("<enqueue/>", "enqueue"),
    ];
    for (xml, name) in names {
        let action = crate::support::action(&format!("<response>{xml}</response>"));
        assert_eq!(action.tag_name(), name);
    }
}

#[test]
fn only_hangup_refuses_the_call() {
    assert!(!switchboard_ivr::parse::answers_call(&Action::Hangup));
    let play = crate::support::action("<response><play>a</play></response>");
    assert!(switchboard_ivr::parse::answers_call(&play));
}
