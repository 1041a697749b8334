//! The welcome menu: retries, refusing numbers it does not serve, malformed requests.

use actix_web::test;
use sb_ivr::interp::ActionError;
use sb_ivr::model::{Action, Source};
use switchboard_examples::ivr::Config;

use crate::ivr_harness::{app_with, config, follow, next_path, start, PUBLIC};

#[actix_rt::test]
async fn no_key_repeats_the_menu_three_times_then_says_goodbye() {
    let (app, _) = app_with(config()).await;
    let first = start(&app, "m1", "1001", "4008001234").await;
    let Action::Get(get) = &first.action else {
        panic!("{:?}", first.action)
    };
    let welcome_and_menu = vec![
        Source::File("welcome.wav".into()),
        Source::File("menu.wav".into()),
    ];
    assert_eq!(get.prompt, welcome_and_menu);

    let second = follow(&app, "m1", &first, &[("keys", "")], None).await;
    let Action::Get(get) = &second.action else {
        panic!("{:?}", second.action)
    };
    assert_eq!(
        get.prompt,
        vec![Source::File("menu.wav".into())],
        "the menu alone"
    );
    assert!(second.next.as_ref().unwrap().url.contains("attempt=2"));

    let wrong_prompt = Some(ActionError::PlayFailed);
    let third = follow(&app, "m1", &second, &[("keys", "")], wrong_prompt).await;
    assert_eq!(next_path(&third), "/ivr/menu");
    let done = follow(&app, "m1", &third, &[("keys", "")], None).await;
    assert!(matches!(done.action, Action::Play(_)));
    assert_eq!(next_path(&done), "/ivr/bye");
}

#[actix_rt::test]
async fn calls_to_numbers_it_does_not_serve_are_refused() {
    let config = Config::new(PUBLIC, vec!["4008001234".into()]).unwrap();
    let (app, _) = app_with(config).await;
    let refused = start(&app, "m2", "1001", "4009999999").await;
    assert_eq!(refused.action, Action::Hangup);
    assert!(refused.next.is_none());
    let served = start(&app, "m3", "1001", "4008001234").await;
    assert!(matches!(served.action, Action::Get(_)));
}

#[actix_rt::test]
async fn requests_not_shaped_like_the_engine_s_are_refused() {
    let (app, _) = app_with(config()).await;
    let no_call_id = test::TestRequest::get()
        .uri("/ivr/menu?type=get&keys=1")
        .to_request();
    assert_eq!(test::call_service(&app, no_call_id).await.status(), 400);
    let form_start = test::TestRequest::post()
        .uri("/ivr")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("call_id=x")
        .to_request();
    assert!(test::call_service(&app, form_start)
        .await
        .status()
        .is_client_error());
}
