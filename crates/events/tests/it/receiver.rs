//! A webhook receiver whose answer the test controls.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};

/// What the receiver saw: every request's body, and the status it answered.
#[derive(Clone, Default)]
pub struct Receiver {
    pub status: Arc<AtomicU16>,
    pub seen: Arc<Mutex<Vec<(u16, serde_json::Value)>>>,
}

impl Receiver {
    /// Starts on a free loopback port; returns its URL.
    pub fn start(&self) -> String {
        self.status.store(200, Ordering::SeqCst);
        let me = self.clone();
        let server = HttpServer::new(move || {
            let me = me.clone();
            App::new().route(
                "/hook",
                web::post().to(move |body: web::Bytes| {
                    let me = me.clone();
                    async move {
                        let status = me.status.load(Ordering::SeqCst);
                        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                        me.seen.lock().unwrap().push((status, json));
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .finish()
                    }
                }),
            )
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("binds");
        let addr = server.addrs()[0];
        actix_rt::spawn(server.run());
        format!("http://{addr}/hook")
    }

    /// Sequence numbers of the requests answered with 2xx, in arrival order.
    pub fn accepted(&self) -> Vec<u64> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(s, _)| (200..300).contains(s))
            .map(|(_, b)| b["seq"].as_u64().unwrap())
            .collect()
    }

    /// Sequence numbers of every request, in arrival order.
    pub fn attempted(&self) -> Vec<u64> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b["seq"].as_u64().unwrap())
            .collect()
    }
}
