//! A minimal blocking HTTP/1.1 client for end-to-end tests against a running server.
//!
//! One request per connection (`Connection: close`), bodies read to the end of the stream.
//! It exists so the binary's tests need no HTTP client dependency; it is not for production.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: status code and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// Sends one request. `token` becomes `Authorization: Bearer …`; `json` is sent as the body
/// with `Content-Type: application/json`.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    json: Option<&str>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = json.unwrap_or("");
    if json.is_some() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> std::io::Result<Response> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| bad("no header end"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status code"))?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok(Response { status, body })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked() {
        let r = parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!((r.status, r.body.as_str()), (404, "{}"));
        let r = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .unwrap();
        assert_eq!(r.body, "abcde");
        assert!(parse(b"garbage").is_err());
    }
}

/// A webhook receiver for end-to-end tests: answers every POST with the status the test sets
/// and records each request's body. One thread, loopback only, ends with the process.
#[derive(Debug, Clone)]
pub struct Receiver {
    addr: SocketAddr,
    status: std::sync::Arc<std::sync::atomic::AtomicU16>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<(u16, String)>>>,
}

impl Receiver {
    /// Starts on a free port of 127.0.0.1, answering `status`.
    pub fn start(status: u16) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let me = Self {
            addr: listener.local_addr()?,
            status: std::sync::Arc::new(std::sync::atomic::AtomicU16::new(status)),
            seen: std::sync::Arc::default(),
        };
        let worker = me.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                // A broken request from the server under test is its bug, not the receiver's.
                let _ = worker.serve(stream);
            }
        });
        Ok(me)
    }

    /// The URL to configure as a webhook.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Changes the status answered from now on.
    pub fn answer(&self, status: u16) {
        self.status
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every request so far: the status answered and the body.
    pub fn seen(&self) -> Vec<(u16, String)> {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = std::io::BufReader::new(stream.try_clone()?);
        while let Some((_, body)) = read_request(&mut reader)? {
            let status = self.status.load(std::sync::atomic::Ordering::SeqCst);
            if let Ok(mut seen) = self.seen.lock() {
                seen.push((status, String::from_utf8_lossy(&body).into_owned()));
            }
            write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n")?;
        }
        Ok(())
    }
}

/// A web application for end-to-end tests that answers each path with a fixed body (an IVR
/// application's XML, say) and 404 otherwise, recording the paths asked for. One thread,
/// loopback only, ends with the process.
#[derive(Debug, Clone)]
pub struct Pages {
    addr: SocketAddr,
    pages: std::sync::Arc<Vec<(String, String)>>,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Pages {
    /// Starts on a free port of 127.0.0.1; `pages` maps a path (without its query) to its
    /// body, served as `application/xml` with `{base}` replaced by `http://<its address>`.
    pub fn start(pages: &[(&str, &str)]) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let me = Self {
            addr: listener.local_addr()?,
            pages: std::sync::Arc::new(
                pages
                    .iter()
                    .map(|(p, b)| ((*p).to_owned(), (*b).to_owned()))
                    .collect(),
            ),
            asked: std::sync::Arc::default(),
        };
        let worker = me.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                // A broken request from the server under test is its bug, not the app's.
                let _ = worker.serve(stream);
            }
        });
        Ok(me)
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every path asked for so far, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = std::io::BufReader::new(stream.try_clone()?);
        while let Some((request_line, _)) = read_request(&mut reader)? {
            let target = request_line.split_whitespace().nth(1).unwrap_or("/");
            let path = target.split('?').next().unwrap_or(target).to_owned();
            let base = format!("http://{}", self.addr);
            let page = self
                .pages
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| b.replace("{base}", &base));
            if let Ok(mut asked) = self.asked.lock() {
                asked.push(path);
            }
            match page {
                Some(b) => write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{b}",
                    b.len()
                )?,
                None => write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?,
            }
        }
        Ok(())
    }
}

/// One HTTP/1.1 request from `reader`: its request line and body (by `Content-Length`);
/// `None` once the client closed the connection.
fn read_request(
    reader: &mut std::io::BufReader<TcpStream>,
) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut request_line = String::new();
    if std::io::BufRead::read_line(reader, &mut request_line)? == 0 {
        return Ok(None);
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        std::io::BufRead::read_line(reader, &mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    std::io::Read::read_exact(reader, &mut body)?;
    Ok(Some((request_line, body)))
}
