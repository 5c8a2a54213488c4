//! A raw HTTP/2 gRPC client (the `h2` crate): what tonic will not do —
//! streams left half open, a closed receive window, arbitrary bytes as a
//! message — and the metrics these tests read.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf, Bytes};
use h2::client::SendRequest;
use prost::Message as _;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tollgate_proto::v1::AuthorizeRequest;

use crate::harness::{Running, http_get};

/// The metrics are the process's: tests that compare them run one at a time.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The `Authorize` path.
pub const AUTHORIZE: &str = "/tollgate.v1.Authorizer/Authorize";

/// An HTTP/2 connection to `addr` with the client settings of `builder`;
/// the connection is driven by the returned task.
pub async fn connect_with(
    addr: SocketAddr,
    builder: &h2::client::Builder,
) -> (SendRequest<Bytes>, JoinHandle<Result<(), h2::Error>>) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (send, connection) = builder.handshake(tcp).await.unwrap();
    (send, tokio::spawn(connection))
}

/// An HTTP/2 connection with default client settings.
pub async fn connect(addr: SocketAddr) -> (SendRequest<Bytes>, JoinHandle<Result<(), h2::Error>>) {
    connect_with(addr, &h2::client::Builder::new()).await
}

/// The HEADERS of a gRPC call to `path`, with extra headers.
pub fn request(path: &str, extra: &[(&str, &str)]) -> http::Request<()> {
    let mut builder = http::Request::post(format!("http://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap()
}

/// `message` in a gRPC frame (uncompressed).
pub fn frame(message: &[u8]) -> Bytes {
    let mut framed = Vec::with_capacity(message.len() + 5);
    framed.push(0);
    framed.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    framed.extend_from_slice(message);
    Bytes::from(framed)
}

/// The encoded `request`, framed.
pub fn authorize_frame(request: &AuthorizeRequest) -> Bytes {
    frame(&request.encode_to_vec())
}

/// Sends a whole call (HEADERS and one DATA frame ending the stream).
pub async fn call(
    send: &mut SendRequest<Bytes>,
    path: &str,
    extra: &[(&str, &str)],
    body: Bytes,
) -> h2::client::ResponseFuture {
    let ready = send.clone().ready().await.unwrap();
    *send = ready;
    let (response, mut stream) = send.send_request(request(path, extra), false).unwrap();
    // The server may answer from the HEADERS alone (an unknown method, a
    // refused call) and end the stream before the body is sent: then the
    // body has nowhere to go, and the answer is in `response`.
    if let Err(error) = stream.send_data(body, true) {
        assert!(
            error.is_reset() || error.to_string().contains("inactive stream"),
            "sending the body: {error}"
        );
    }
    response
}

/// The call's gRPC status code and message: from the headers of a
/// trailers-only answer, else from the trailers after the body.
pub async fn status(response: h2::client::ResponseFuture) -> (i32, String) {
    let response = response.await.unwrap();
    let code = |headers: &http::HeaderMap| {
        headers.get("grpc-status").map(|code| {
            let message = headers
                .get("grpc-message")
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                .unwrap_or_default();
            (code.to_str().unwrap().parse().unwrap(), message)
        })
    };
    if let Some(found) = code(response.headers()) {
        return found;
    }
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        body.flow_control()
            .release_capacity(chunk.remaining())
            .unwrap();
    }
    let trailers = body.trailers().await.unwrap().expect("trailers");
    code(&trailers).expect("grpc-status in the trailers")
}

/// The value of the metric line starting with `series`, 0 when absent.
pub async fn metric(server: &Running, series: &str) -> f64 {
    let (_, body) = http_get(server.admin, "/metrics").await;
    body.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

/// True when the peer closes `stream` (EOF or reset) within `limit`.
pub async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}
