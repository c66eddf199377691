//! A raw client connection to a gateway (the mock one, or the tool's), over TCP or WebSocket:
//! every frame it sends is chosen by the test and every frame it receives is checked as it
//! comes, so ordering and timing are exact.

use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::MaybeTlsStream;
use tokio_util::codec::Framed;
use turms_wire::codec::{ClientCodec, Heartbeat, Limits};
use turms_wire::frame::Frame;
use turms_wire::proto::{DeviceType, TurmsNotification, TurmsRequest};
use turms_wire::ws::ClientWs;

use crate::requests::login_request;
use crate::wait::within;

/// One client connection on either transport.
pub enum ClientPeer {
    /// Varint-framed TCP.
    Tcp(Framed<TcpStream, ClientCodec>),
    /// WebSocket binary messages.
    Ws(Box<ClientWs<MaybeTlsStream<TcpStream>>>),
}

impl ClientPeer {
    /// Connects over TCP.
    pub async fn tcp(addr: SocketAddr) -> ClientPeer {
        let stream = TcpStream::connect(addr).await.expect("TCP connect");
        ClientPeer::over(stream)
    }

    /// Wraps an open TCP stream (the test may have written raw bytes to it first).
    pub fn over(stream: TcpStream) -> ClientPeer {
        ClientPeer::Tcp(Framed::new(stream, ClientCodec::new()))
    }

    /// Connects over WebSocket (`ws://…`).
    pub async fn ws(url: &str) -> ClientPeer {
        let ws = ClientWs::connect(url, Limits::CLIENT)
            .await
            .expect("WebSocket connect");
        ClientPeer::Ws(Box::new(ws))
    }

    /// Sends a request.
    pub async fn send(&mut self, request: &TurmsRequest) {
        match self {
            ClientPeer::Tcp(c) => c.send(request).await.expect("send"),
            ClientPeer::Ws(c) => c.send(request).await.expect("send"),
        }
    }

    /// Sends a body exactly as given (a TCP frame gets its length prefix).
    pub async fn send_raw(&mut self, body: impl Into<Bytes>) {
        let body = body.into();
        match self {
            ClientPeer::Tcp(c) => c.send(body).await.expect("send"),
            ClientPeer::Ws(c) => c.send(body).await.expect("send"),
        }
    }

    /// Sends a heartbeat.
    pub async fn heartbeat(&mut self) {
        match self {
            ClientPeer::Tcp(c) => c.send(Heartbeat).await.expect("send"),
            ClientPeer::Ws(c) => c.send(Heartbeat).await.expect("send"),
        }
    }

    /// The next frame, or `None` once the gateway has closed the connection (a TCP reset
    /// counts as closed: the gateway closes with SO_LINGER=0).
    pub async fn next(&mut self) -> Option<Frame> {
        let item = within("a frame or the end of the connection", async {
            match self {
                ClientPeer::Tcp(c) => c.next().await.map(|r| r.map_err(|e| e.to_string())),
                ClientPeer::Ws(c) => c.next().await.map(|r| r.map_err(|e| e.to_string())),
            }
        })
        .await;
        match item {
            None | Some(Err(_)) => None,
            Some(Ok(Ok(frame))) => Some(frame),
            Some(Ok(Err(malformed))) => panic!("gateway sent a malformed frame: {malformed}"),
        }
    }

    /// The next frame; panics if the connection ends instead.
    pub async fn frame(&mut self) -> Frame {
        self.next().await.expect("a frame, not the end")
    }

    /// The next frame, which must be a response, decoded.
    pub async fn response(&mut self) -> TurmsNotification {
        match self.frame().await {
            Frame::Response(r) => r.decode().expect("the response decodes"),
            other => panic!("expected a response, got {other:?}"),
        }
    }

    /// The next frame, which must be a close notification, decoded.
    pub async fn closed(&mut self) -> TurmsNotification {
        match self.frame().await {
            Frame::Closed(c) => c.decode().expect("the close notification decodes"),
            other => panic!("expected a close notification, got {other:?}"),
        }
    }

    /// Waits for the gateway to end the connection; panics on any frame.
    pub async fn expect_end(&mut self) {
        if let Some(frame) = self.next().await {
            panic!("expected the connection to end, got {frame:?}");
        }
    }

    /// Proves nothing is queued ahead: a heartbeat's answer is the very next frame.
    pub async fn expect_quiet(&mut self) {
        self.heartbeat().await;
        match self.frame().await {
            Frame::HeartbeatAck | Frame::HeartbeatFailure(_) => {}
            other => panic!("expected only the heartbeat answer, got {other:?}"),
        }
    }

    /// Logs in with password `123` and returns the session id from the session-info push.
    pub async fn login(&mut self, user_id: i64, device: DeviceType) -> i32 {
        self.send(&login_request(1, user_id, Some("123"), device))
            .await;
        let session_id = match self.frame().await {
            Frame::SessionInfo(info) => info
                .session_id()
                .expect("a session id")
                .parse()
                .expect("a decimal session id"),
            other => panic!("expected session info, got {other:?}"),
        };
        let ok = self.response().await;
        assert_eq!(ok.code, Some(1000));
        session_id
    }

    /// The code of the WebSocket close message the gateway sent, if any.
    pub fn peer_close_code(&self) -> Option<CloseCode> {
        match self {
            ClientPeer::Tcp(_) => None,
            ClientPeer::Ws(c) => c.peer_close().flatten().map(|f| f.code),
        }
    }
}
