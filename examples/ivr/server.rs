//! The HTTP side: actix-web handlers that decode the engine's requests exactly as SPEC §10
//! sends them (`ivr_start` as a JSON `POST`, each `<next>` as a `GET` with query
//! parameters), call [`super::flow`], and answer the XML.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use actix_web::{web, HttpResponse};
use sb_ivr::IvrStart;

use super::flow::{self, Callback, SurveyResult, Voicemail};
use super::xml::El;
use super::{paths, Config};

/// Most surveys and voicemails kept in memory; older ones are dropped first.
pub const KEEP: usize = 1000;

/// The application's state, shared by every worker.
#[derive(Debug)]
pub struct AppState {
    /// How it answers.
    pub config: Config,
    surveys: Mutex<VecDeque<SurveyResult>>,
    voicemails: Mutex<VecDeque<Voicemail>>,
}

impl AppState {
    /// Fresh state for `config`.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            surveys: Mutex::new(VecDeque::new()),
            voicemails: Mutex::new(VecDeque::new()),
        }
    }

    /// The surveys collected, oldest first.
    pub fn surveys(&self) -> Vec<SurveyResult> {
        let kept = self.surveys.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter().cloned().collect()
    }

    /// The voicemails collected, oldest first.
    pub fn voicemails(&self) -> Vec<Voicemail> {
        let kept = self
            .voicemails
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        kept.iter().cloned().collect()
    }
}

/// Appends to a bounded log. A poisoned lock only means another handler panicked while
/// pushing; the queue itself is still whole, so it is used as is.
fn keep<T>(log: &Mutex<VecDeque<T>>, item: T) {
    let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
    if log.len() == KEEP {
        log.pop_front();
    }
    log.push_back(item);
}

/// Mounts the application's routes; `state` is shared with the caller (for tests and
/// dashboards).
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(state)
            .route(paths::START, web::post().to(start))
            .route(paths::MENU, web::get().to(menu))
            .route(paths::QUEUE, web::get().to(queue))
            .route(paths::SURVEY, web::get().to(survey))
            .route(paths::VOICEMAIL, web::get().to(voicemail))
            .route(paths::RECORDED, web::get().to(recorded))
            .route(paths::BYE, web::get().to(bye))
            .route(paths::SURVEYS, web::get().to(surveys))
            .route(paths::VOICEMAILS, web::get().to(voicemails));
    }
}

fn xml(doc: &El) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(doc.render())
}

/// A value from a request, safe to print: control characters (a terminal's escape
/// sequences) come out escaped.
fn shown(value: Option<&str>) -> String {
    value.map_or("-".to_owned(), |v| v.escape_debug().to_string())
}

/// Logs one line per request, so a person running the example sees the call go by.
fn log(step: &str, cb: &Callback) {
    println!(
        "{step:<9} call={} type={} keys={} result={} cause={} agent={} error={}",
        shown(Some(&cb.call_id)),
        shown(Some(&cb.kind)),
        shown(cb.keys.as_deref()),
        shown(cb.result.as_deref()),
        shown(cb.cause.as_deref()),
        shown(cb.agent_name.as_deref()),
        shown(cb.error.as_deref()),
    );
}

async fn start(state: web::Data<AppState>, call: web::Json<IvrStart>) -> HttpResponse {
    println!(
        "start     call={} from={} to={}",
        shown(Some(&call.call_id)),
        shown(Some(&call.from)),
        shown(Some(&call.to)),
    );
    xml(&flow::start(&state.config, &call))
}

async fn menu(state: web::Data<AppState>, cb: web::Query<Callback>) -> HttpResponse {
    log("menu", &cb);
    xml(&flow::menu(&state.config, &cb))
}

async fn queue(state: web::Data<AppState>, cb: web::Query<Callback>) -> HttpResponse {
    log("queue", &cb);
    xml(&flow::queue_outcome(&state.config, &cb))
}

async fn survey(state: web::Data<AppState>, cb: web::Query<Callback>) -> HttpResponse {
    log("survey", &cb);
    let (doc, result) = flow::survey(&state.config, &cb);
    if let Some(result) = result {
        if let Ok(line) = serde_json::to_string(&result) {
            println!("survey    {line}");
        }
        keep(&state.surveys, result);
    }
    xml(&doc)
}

async fn voicemail(state: web::Data<AppState>, cb: web::Query<Callback>) -> HttpResponse {
    log("voicemail", &cb);
    xml(&flow::voicemail(&state.config, &cb))
}

async fn recorded(state: web::Data<AppState>, cb: web::Query<Callback>) -> HttpResponse {
    log("recorded", &cb);
    let (doc, mail) = flow::recorded(&state.config, &cb);
    if let Some(mail) = mail {
        keep(&state.voicemails, mail);
    }
    xml(&doc)
}

async fn bye(cb: web::Query<Callback>) -> HttpResponse {
    log("bye", &cb);
    xml(&flow::bye())
}

async fn surveys(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.surveys())
}

async fn voicemails(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.voicemails())
}
