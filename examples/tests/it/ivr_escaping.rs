//! Whatever a caller or an agent sends comes back escaped: caller ids and `data` full of
//! markup, control characters and multibyte text still make valid documents that carry the
//! values unchanged (except characters XML cannot hold, which are dropped), within the IVR's URL limit.

use sb_ivr::model::Action;

use crate::ivr_harness::{app_with, config, enqueue_of, follow, start};

#[actix_rt::test]
async fn hostile_values_are_escaped_and_survive_the_round_trip() {
    let (app, state) = app_with(config()).await;
    let from = "\"/><hangup/><x a='&amp;\n坐席\u{0}";
    let call = "call <&> \"1\"";

    let menu = start(&app, call, from, "4008001234").await;
    let queued = follow(&app, call, &menu, &[("keys", "1")], None).await;
    let q = enqueue_of(&queued);
    let kept_from = from.replace('\u{0}', "");
    assert_eq!(
        q.user_data.as_deref(),
        Some(format!("line=sales;caller={kept_from}").as_str())
    );

    let data = format!("]]></next><hangup/>&{}", "坐".repeat(4000));
    let outcome = [
        ("result", "success"),
        ("agent_name", "alice"),
        ("conversation_id", "c1"),
        ("data", data.as_str()),
    ];
    let survey = follow(&app, call, &queued, &outcome, None).await;
    assert!(matches!(survey.action, Action::Get(_)));
    let next = &survey.next.as_ref().unwrap().url;
    assert!(next.chars().count() <= 2048, "{} characters", next.len());

    follow(&app, call, &survey, &[("keys", "5")], None).await;
    let kept = state.surveys();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].caller, from, "kept as sent: it never went into XML");
    assert_eq!(kept[0].call_id, call);
    assert_eq!(kept[0].note, data.chars().take(200).collect::<String>());
}
