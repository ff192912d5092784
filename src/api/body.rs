//! Response bodies: whole (JSON, text), streamed from a blocking thread
//! through a channel (logs, events, pull progress, build output), and the
//! request-body helpers (JSON with a size limit, streaming to a writer).

use super::error::ApiError;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Frame, Incoming};
use hyper::{Response, StatusCode};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Every response body.
pub type Body = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;
/// Every response.
pub type Resp = Response<Body>;

/// Largest JSON request body read whole (bytes): a create or build config
/// is a few KiB; anything bigger is refused with 400.
pub const MAX_JSON_BODY: usize = 4 << 20;

/// A whole body.
pub fn full(data: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(data.into()).map_err(|never| match never {}).boxed()
}

/// An empty body.
pub fn empty() -> Body {
    http_body_util::Empty::new().map_err(|never| match never {}).boxed()
}

/// A JSON response.
pub fn json(status: StatusCode, value: &impl serde::Serialize) -> Resp {
    json_bytes(status, serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()))
}

/// A JSON response from its serialized bytes (serialized where the
/// borrowed values it is made of live).
pub fn json_bytes(status: StatusCode, data: Vec<u8>) -> Resp {
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .body(full(data))
        .expect("static headers are valid")
}

/// A response with no body (204 and friends).
pub fn no_content(status: StatusCode) -> Resp {
    Response::builder().status(status).body(empty()).expect("static headers are valid")
}

/// The sending side of a streamed body: a blocking thread writes chunks;
/// when the client goes away, `send` fails and the producer stops.
#[derive(Clone)]
pub struct Sender(tokio::sync::mpsc::Sender<Bytes>);

impl Sender {
    /// Sends a chunk (blocking until the connection takes it). Errors: the
    /// client closed the connection.
    pub fn send(&self, data: impl Into<Bytes>) -> std::io::Result<()> {
        self.0
            .blocking_send(data.into())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client closed the connection"))
    }

    /// Sends one JSON message followed by `\r\n` (docker's JSON streams).
    pub fn json(&self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut data = serde_json::to_vec(value).unwrap_or_default();
        data.extend_from_slice(b"\r\n");
        self.send(data)
    }

    /// True once the client has gone.
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl std::io::Write for Sender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.send(Bytes::copy_from_slice(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A body fed by a [`Sender`]; ends when every sender is dropped.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|c| c.map(|data| Ok(Frame::data(data))))
    }
}

/// A streamed body and the sender that feeds it.
pub fn channel() -> (Sender, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    (Sender(tx), ChannelBody(rx).boxed())
}

/// A body that holds `guard` until it has been sent (or dropped): keeps
/// the service from going idle while a response streams.
pub fn guarded(body: Body, guard: super::ActivityGuard) -> Body {
    Guarded { body, _guard: guard }.boxed()
}

struct Guarded {
    body: Body,
    _guard: super::ActivityGuard,
}

impl http_body::Body for Guarded {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Reads a JSON request body of at most [`MAX_JSON_BODY`] bytes. An empty
/// body reads as `null`, which `T`'s defaults may accept. Errors (400):
/// too big, malformed, or fields of the wrong type.
pub async fn read_json<T: serde::de::DeserializeOwned>(body: Incoming) -> Result<T, ApiError> {
    let data = http_body_util::Limited::new(body, MAX_JSON_BODY)
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?
        .to_bytes();
    let data: &[u8] = if data.iter().all(u8::is_ascii_whitespace) { b"null" } else { &data };
    serde_json::from_slice(data).map_err(|e| ApiError::bad_request(format!("invalid JSON in the request body: {e}")))
}

/// Streams a request body into `sink` on a blocking thread, chunk by
/// chunk, holding at most a few chunks in memory; then calls `finish` with
/// the sink. Errors: the body could not be read (400), or writing failed
/// (500), or what `finish` returns.
pub async fn stream_to<W, T>(
    body: Incoming,
    mut sink: W,
    finish: impl FnOnce(W) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError>
where
    W: std::io::Write + Send + 'static,
    T: Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> Result<W, ApiError> {
        while let Some(chunk) = rx.blocking_recv() {
            sink.write_all(&chunk).map_err(|e| ApiError::server(format!("cannot store the request body: {e}")))?;
        }
        sink.flush().map_err(|e| ApiError::server(format!("cannot store the request body: {e}")))?;
        Ok(sink)
    });
    let mut body = body;
    let mut read_error = None;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => {
                if let Ok(data) = f.into_data()
                    && tx.send(data).await.is_err()
                {
                    break; // the writer failed: its error is returned below
                }
            }
            Err(e) => {
                read_error = Some(ApiError::bad_request(format!("cannot read the request body: {e}")));
                break;
            }
        }
    }
    drop(tx);
    let sink = writer.await.map_err(|e| ApiError::server(format!("request body writer: {e}")))??;
    if let Some(e) = read_error {
        return Err(e);
    }
    tokio::task::spawn_blocking(move || finish(sink))
        .await
        .map_err(|e| ApiError::server(format!("request handler: {e}")))?
}

/// A `200` response of `content_type` whose body `write` produces on a
/// blocking thread (a tar of `docker save` or `docker export`), through a
/// 256 KiB buffer; the service stays busy meanwhile. A failure midway is
/// logged as `what` and ends the body early: the client sees a truncated
/// stream, as with docker once the status is sent.
pub fn written(
    svc: &super::Service,
    content_type: &'static str,
    what: String,
    write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()> + Send + 'static,
) -> Resp {
    let (tx, b) = channel();
    let guard = svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let mut out = std::io::BufWriter::with_capacity(256 << 10, tx);
        match write(&mut out) {
            Ok(()) => {
                let _ = std::io::Write::flush(&mut out);
            }
            Err(e) => crate::warn!("API: {what}: {}", crate::util::error_chain(e.as_ref())),
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", content_type)
        .body(b)
        .expect("static headers are valid")
}

/// The two directions of a hijacked connection (attach, exec) as a
/// blocking thread sees them.
pub struct Hijacked {
    /// Bytes to the client.
    pub out: Sender,
    /// Bytes from the client (stdin), until it closes its side; `None`
    /// when the connection was not upgraded (the client sends nothing).
    pub input: Option<tokio::sync::mpsc::Receiver<Bytes>>,
}

/// Answers with `101 Switching Protocols` (`Upgrade: tcp`) when the client
/// asked for an upgrade, else `200` with a streamed body, and runs `work`
/// on a blocking thread with the connection's two directions; the
/// connection closes when `work` returns. The service stays busy meanwhile.
pub fn hijack(
    c: &mut super::router::Call,
    content_type: &'static str,
    work: impl FnOnce(Hijacked) + Send + 'static,
) -> Resp {
    let guard = c.svc.activity.enter();
    match c.upgrade.take() {
        None => {
            let (tx, b) = channel();
            tokio::task::spawn_blocking(move || {
                let _guard = guard;
                work(Hijacked { out: tx, input: None })
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("Content-Type", content_type)
                .body(b)
                .expect("static headers are valid")
        }
        Some(on_upgrade) => {
            let (raw_tx, mut out_rx) = tokio::sync::mpsc::channel::<Bytes>(16);
            let tx = Sender(raw_tx);
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let _guard = guard;
                let upgraded = match on_upgrade.await {
                    Ok(u) => hyper_util::rt::TokioIo::new(u),
                    Err(e) => {
                        crate::debug!("API: upgrade failed: {e}");
                        return;
                    }
                };
                let (mut reader, mut writer) = tokio::io::split(upgraded);
                let (in_tx, in_rx) = tokio::sync::mpsc::channel::<Bytes>(8);
                let worker = tokio::task::spawn_blocking(move || work(Hijacked { out: tx, input: Some(in_rx) }));
                let pump_in = tokio::spawn(async move {
                    let mut buf = vec![0u8; 32 * 1024];
                    loop {
                        match reader.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if in_tx.send(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                });
                while let Some(chunk) = out_rx.recv().await {
                    if writer.write_all(&chunk).await.is_err() {
                        break;
                    }
                    let _ = writer.flush().await;
                }
                let _ = writer.shutdown().await;
                drop(out_rx);
                let _ = worker.await;
                pump_in.abort();
            });
            Response::builder()
                .status(StatusCode::SWITCHING_PROTOCOLS)
                .header("Connection", "Upgrade")
                .header("Upgrade", "tcp")
                .header("Content-Type", content_type)
                .body(empty())
                .expect("static headers are valid")
        }
    }
}
