//! One end of a connection driven by a test, over TCP or WebSocket: every frame it sends is
//! chosen by the test and every frame it receives is checked as it comes, so ordering and
//! timing are exact. A [`ClientPeer`] talks to a gateway (the mock one, or the tool's); a
//! [`GatewayPeer`] stands in for a gateway in front of a client.

use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use turms_wire::codec::{Heartbeat, Outgoing};
use turms_wire::frame::{ClientFrame, MalformedFrame, ServerFrame};
use turms_wire::proto::{DeviceType, TurmsNotification, TurmsRequest};
use turms_wire::role::{self, Role};
use turms_wire::transport::{Connection, ServerAddr, TransportKind};

use crate::requests::login_request;
use crate::wait::{within, WAIT};

/// One end of a connection, for the role `R`, under a test's control.
pub struct Peer<R: Role> {
    connection: Connection<R>,
}

/// A raw client, in front of a gateway.
pub type ClientPeer = Peer<role::Client>;

/// A raw gateway, in front of a client.
pub type GatewayPeer = Peer<role::Gateway>;

impl<R: Role> Peer<R> {
    /// Drives an open connection.
    pub fn new(connection: Connection<R>) -> Self {
        Peer { connection }
    }

    /// The connection underneath (to write raw bytes on its TCP stream, say).
    pub fn connection_mut(&mut self) -> &mut Connection<R> {
        &mut self.connection
    }

    /// Which transport it uses.
    pub fn kind(&self) -> TransportKind {
        self.connection.kind()
    }

    /// Sends anything this end may send, and flushes it.
    pub async fn send<T: Outgoing<R>>(&mut self, item: T) {
        within("sending", self.connection.send(item))
            .await
            .expect("send");
    }

    /// Sends a body exactly as given (a TCP frame gets its length prefix).
    pub async fn send_raw(&mut self, body: impl Into<Bytes>) {
        self.send(body.into()).await;
    }

    /// The next item: a frame, a malformed frame, or `None` once the peer has closed the
    /// connection (a reset or a protocol failure counts as closed: gateways close with
    /// SO_LINGER=0).
    pub async fn next_item(&mut self) -> Option<Result<R::Inbound, MalformedFrame>> {
        within(
            "a frame or the end of the connection",
            self.connection.next(),
        )
        .await
        .and_then(Result::ok)
    }

    /// The next frame, or `None` once the connection has ended; panics on a malformed frame.
    pub async fn next(&mut self) -> Option<R::Inbound> {
        match self.next_item().await? {
            Ok(frame) => Some(frame),
            Err(malformed) => panic!("the peer sent a malformed frame: {malformed}"),
        }
    }

    /// The next frame; panics if the connection ends instead.
    pub async fn frame(&mut self) -> R::Inbound {
        self.next().await.expect("a frame, not the end")
    }

    /// Waits for the other end to end the connection; panics on any frame.
    pub async fn expect_end(&mut self) {
        if let Some(frame) = self.next().await {
            panic!("expected the connection to end, got {frame:?}");
        }
    }

    /// The code of the WebSocket close message the other end sent, if any.
    pub fn peer_close_code(&self) -> Option<CloseCode> {
        self.connection.peer_close().flatten().map(|f| f.code)
    }
}

impl ClientPeer {
    /// Connects over TCP.
    pub async fn tcp(addr: SocketAddr) -> ClientPeer {
        let stream = TcpStream::connect(addr).await.expect("TCP connect");
        ClientPeer::over(stream)
    }

    /// Wraps an open TCP stream (the test may have written raw bytes to it first).
    pub fn over(stream: TcpStream) -> ClientPeer {
        Peer::new(Connection::tcp(stream, role::Client::LIMITS))
    }

    /// Connects over WebSocket (`ws://…`).
    pub async fn ws(url: &str) -> ClientPeer {
        let server: ServerAddr = url.parse().expect("a ws:// address");
        let connection = Connection::connect(&server, role::Client::LIMITS, WAIT)
            .await
            .expect("WebSocket connect");
        Peer::new(connection)
    }

    /// Sends a heartbeat.
    pub async fn heartbeat(&mut self) {
        self.send(Heartbeat).await;
    }

    /// Sends a request.
    pub async fn request(&mut self, request: &TurmsRequest) {
        self.send(request).await;
    }

    /// The next frame, which must be a response, decoded.
    pub async fn response(&mut self) -> TurmsNotification {
        match self.frame().await {
            ServerFrame::Response(r) => r.decode().expect("the response decodes"),
            other => panic!("expected a response, got {other:?}"),
        }
    }

    /// The next frame, which must be a close notification, decoded.
    pub async fn closed(&mut self) -> TurmsNotification {
        match self.frame().await {
            ServerFrame::Close(c) => c.decode().expect("the close notification decodes"),
            other => panic!("expected a close notification, got {other:?}"),
        }
    }

    /// Proves nothing is queued ahead: a heartbeat's answer is the very next frame.
    pub async fn expect_quiet(&mut self) {
        self.heartbeat().await;
        match self.frame().await {
            ServerFrame::HeartbeatAck | ServerFrame::HeartbeatFailure(_) => {}
            other => panic!("expected only the heartbeat answer, got {other:?}"),
        }
    }

    /// Logs in with password `123` and returns the session id from the session-info push.
    pub async fn login(&mut self, user_id: i64, device: DeviceType) -> i32 {
        self.request(&login_request(1, user_id, Some("123"), device))
            .await;
        let session_id = match self.frame().await {
            ServerFrame::SessionInfo(info) => info
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
}

impl GatewayPeer {
    /// Accepts the next connection on `listener`, over `kind` (completing the WebSocket
    /// handshake).
    pub async fn accept(listener: &TcpListener, kind: TransportKind) -> GatewayPeer {
        let (stream, _) = within("a client connecting", listener.accept())
            .await
            .expect("accept");
        let connection = within(
            "the client's handshake",
            Connection::accept(stream, kind, role::Gateway::LIMITS),
        )
        .await
        .expect("handshake");
        Peer::new(connection)
    }

    /// Sends a notification.
    pub async fn notify(&mut self, notification: &TurmsNotification) {
        self.send(notification).await;
    }

    /// The next frame, which must be a request, decoded.
    pub async fn request(&mut self) -> TurmsRequest {
        match self.frame().await {
            ClientFrame::Request(request) => request.decode().expect("the request decodes"),
            ClientFrame::Heartbeat => panic!("expected a request, got a heartbeat"),
        }
    }
}
