//! A caller picks sales, talks to an agent, and rates the call after the agent departs.

use std::time::Duration;

use actix_web::test;
use sb_acd::enqueue::{Choice, Selector};
use sb_ivr::model::Action;
use switchboard_examples::ivr::SurveyResult;

use crate::ivr_harness::{app_with, config, enqueue_of, follow, next_path, start};

#[actix_rt::test]
async fn the_caller_is_queued_by_skill_and_rates_the_agent_after_it_departs() {
    let (app, state) = app_with(config()).await;
    let call = "c0ffee";

    let menu = start(&app, call, "+15550001", "4008001234").await;
    let Action::Get(get) = &menu.action else {
        panic!("a menu first: {:?}", menu.action)
    };
    assert_eq!(get.max_keys, 1);
    assert_eq!(get.prompt.len(), 2, "welcome and menu");
    assert_eq!(next_path(&menu), "/ivr/menu");
    assert_eq!(menu.next.as_ref().unwrap().tag.as_deref(), Some("menu"));

    let queued = follow(&app, call, &menu, &[("keys", "1")], None).await;
    let q = enqueue_of(&queued);
    assert_eq!(q.wait_voice.as_deref(), Some("hold_music"));
    assert_eq!(q.hold_voice.as_deref(), Some("hold_music"));
    assert!(q.play_num);
    assert!(q.fail_overflow);
    assert_eq!(q.choice, Choice::Lru);
    assert_eq!(q.conversation_timeout, Some(Duration::from_secs(3600)));
    assert_eq!(q.user_data.as_deref(), Some("line=sales;caller=+15550001"));
    assert!(!q.record, "not recorded unless asked");
    assert_eq!(q.routes.len(), 2);
    assert!(matches!(q.routes[0].selector, Selector::Skill { .. }));
    assert_eq!(q.routes[0].priority, 10);
    assert_eq!(q.routes[0].queue_timeout, Some(Duration::from_secs(60)));
    assert_eq!(q.routes[0].fetch_timeout, Duration::from_secs(20));
    assert_eq!(next_path(&queued), "/ivr/queue");

    let outcome = [
        ("result", "success"),
        ("agent_name", "alice"),
        ("conversation_id", "0123456789abcdef0123456789abcdef"),
        ("data", "order 42 shipped"),
    ];
    let survey = follow(&app, call, &queued, &outcome, None).await;
    let Action::Get(get) = &survey.action else {
        panic!("a survey: {:?}", survey.action)
    };
    assert_eq!(get.max_keys, 1);
    assert_eq!(next_path(&survey), "/ivr/survey");
    assert!(state.surveys().is_empty(), "nothing kept before a score");

    let thanks = follow(&app, call, &survey, &[("keys", "4")], None).await;
    assert!(matches!(thanks.action, Action::Play(_)));
    assert_eq!(next_path(&thanks), "/ivr/bye");
    assert_eq!(
        state.surveys(),
        vec![SurveyResult {
            call_id: call.into(),
            caller: "+15550001".into(),
            line: "sales".into(),
            agent: "alice".into(),
            conversation_id: "0123456789abcdef0123456789abcdef".into(),
            score: 4,
            note: "order 42 shipped".into(),
        }]
    );

    let bye = follow(&app, call, &thanks, &[("keys", "")], None).await;
    assert_eq!(bye.action, Action::Hangup);
    assert!(bye.next.is_none());

    let req = test::TestRequest::get().uri("/surveys").to_request();
    let listed: serde_json::Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(listed[0]["score"], 4);
    assert_eq!(listed[0]["agent"], "alice");
}

#[actix_rt::test]
async fn support_waits_longer_and_overflows_to_general_and_may_be_recorded() {
    let mut config = config();
    config.record = true;
    let (app, _) = app_with(config).await;
    let menu = start(&app, "c2", "1001", "4008001234").await;
    let queued = follow(&app, "c2", &menu, &[("keys", "2")], None).await;
    let q = enqueue_of(&queued);
    assert_eq!(q.user_data.as_deref(), Some("line=support;caller=1001"));
    let timeouts: Vec<_> = q.routes.iter().map(|r| r.queue_timeout).collect();
    assert_eq!(
        timeouts,
        vec![
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(60))
        ]
    );
    assert!(q.routes.iter().all(|r| r.priority == 5));
    assert!(q.record);
}

#[actix_rt::test]
async fn an_agent_departing_with_no_survey_skips_it_and_no_key_keeps_nothing() {
    let (app, state) = app_with(config()).await;
    let menu = start(&app, "c3", "1002", "4008001234").await;
    let queued = follow(&app, "c3", &menu, &[("keys", "1")], None).await;

    let skip = [
        ("result", "success"),
        ("agent_name", "bob"),
        ("data", "no_survey"),
    ];
    let goodbye = follow(&app, "c3", &queued, &skip, None).await;
    assert!(matches!(goodbye.action, Action::Play(_)));
    assert_eq!(next_path(&goodbye), "/ivr/bye");

    let rated = [("result", "success"), ("agent_name", "bob")];
    let survey = follow(&app, "c3", &queued, &rated, None).await;
    let silent = follow(&app, "c3", &survey, &[("keys", "")], None).await;
    assert_eq!(next_path(&silent), "/ivr/bye");
    assert!(state.surveys().is_empty());
}
