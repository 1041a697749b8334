//! A mock Switchboard API for the desk's tests: a real HTTP server on a free port that
//! records every request and answers with what the test's responder says.

use std::net::SocketAddr;
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: String,
    pub content_type: String,
    pub body: String,
}

impl Seen {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// What the mock answers: status, content type, body.
pub type Answer = (u16, &'static str, String);
type Responder = Arc<dyn Fn(&Seen) -> Answer + Send + Sync>;

pub struct Mock {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    system: actix_rt::System,
}

impl Mock {
    pub fn start(responder: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let responder: Responder = Arc::new(responder);
        let (tx, rx) = mpsc::channel::<(SocketAddr, actix_rt::System)>();
        let log = seen.clone();
        std::thread::spawn(move || {
            let system = actix_rt::System::new();
            system.block_on(async move {
                let server = HttpServer::new(move || {
                    let log = log.clone();
                    let responder = responder.clone();
                    App::new().default_service(web::to(
                        move |req: HttpRequest, body: web::Bytes| {
                            let got = record(&req, &body);
                            log.lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .push(got.clone());
                            let (status, content_type, text) = responder(&got);
                            async move {
                                HttpResponse::build(
                                    actix_web::http::StatusCode::from_u16(status)
                                        .expect("a status"),
                                )
                                .content_type(content_type)
                                .body(text)
                            }
                        },
                    ))
                })
                .workers(1)
                .bind(("127.0.0.1", 0))
                .expect("a free port");
                let addr = server.addrs()[0];
                tx.send((addr, actix_rt::System::current()))
                    .expect("the test waits");
                server.run().await.expect("the mock runs");
            });
        });
        let (addr, system) = rx.recv().expect("the mock starts");
        Self {
            url: format!("http://{addr}"),
            seen,
            system,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.system.stop();
    }
}

fn record(req: &HttpRequest, body: &[u8]) -> Seen {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    Seen {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

/// The envelope of a success.
pub fn ok(data: serde_json::Value) -> Answer {
    let body = serde_json::json!({"code": "000000", "msg": "ok", "data": data});
    (200, "application/json", body.to_string())
}
