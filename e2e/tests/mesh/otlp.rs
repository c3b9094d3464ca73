//! A minimal OTLP/HTTP receiver: decodes what the services export with the
//! `opentelemetry-proto` types.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const SERVER: i32 = 2;
pub const PRODUCER: i32 = 4;
pub const CONSUMER: i32 = 5;

#[derive(Debug, Clone)]
pub struct Span {
    pub trace: String,
    pub id: String,
    pub parent: String,
    pub name: String,
    pub kind: i32,
}

pub struct Receiver {
    port: u16,
    spans: Arc<Mutex<Vec<Span>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let spans = Arc::new(Mutex::new(Vec::new()));
        let sink = spans.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let sink = sink.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, sink).await;
                });
            }
        });
        Self { port, spans }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The spans of one trace once `ready` accepts them (a test asserts on
    /// the spans it waited for, not on however many had arrived); fails
    /// with what `ready` still misses once `wait` has passed.
    pub async fn spans_of(
        &self,
        trace: &str,
        wait: Duration,
        ready: impl Fn(&[Span]) -> Result<(), String>,
    ) -> Vec<Span> {
        test_support::eventually(wait, || async {
            let found: Vec<Span> = self
                .spans
                .lock()
                .expect("lock")
                .iter()
                .filter(|s| s.trace == trace)
                .cloned()
                .collect();
            ready(&found).map(|()| found)
        })
        .await
    }
}

/// Whether `span` lies under the span `ancestor` in `spans` (its parent,
/// or its parent's, …): a use case's own span may sit between a request
/// and the events it publishes.
pub fn descends(spans: &[Span], span: &Span, ancestor: &str) -> bool {
    let mut parent = span.parent.as_str();
    // A trace is a tree; the bound only guards against a malformed export.
    for _ in 0..spans.len() {
        if parent == ancestor {
            return true;
        }
        match spans.iter().find(|s| s.id == parent) {
            Some(up) => parent = up.parent.as_str(),
            None => return false,
        }
    }
    false
}

/// HTTP/1.1 with keep-alive: POST /v1/traces with a protobuf body.
async fn serve(socket: tokio::net::TcpStream, sink: Arc<Mutex<Vec<Span>>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        loop {
            line.clear();
            reader.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        if let Ok(request) = ExportTraceServiceRequest::decode(body.as_slice()) {
            let mut spans = sink.lock().expect("lock");
            for resource in request.resource_spans {
                for scope in resource.scope_spans {
                    for s in scope.spans {
                        spans.push(Span {
                            trace: hex(&s.trace_id),
                            id: hex(&s.span_id),
                            parent: hex(&s.parent_span_id),
                            name: s.name,
                            kind: s.kind,
                        });
                    }
                }
            }
        }
        reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n").await?;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
