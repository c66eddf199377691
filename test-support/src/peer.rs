//! One end of a connection driven by a test, over TCP or WebSocket: every frame it sends is
//! chosen by the test and every frame it receives is checked as it comes, so ordering and
//! timing are exact. A [`ClientPeer`] talks to a gateway (the mock one, or the tool's); a
//! [`GatewayPeer`] stands in for a gateway in front of a client, accepted on a [`Listener`].
//!
//! Both are a [`Connection`] underneath, so no test writes a frame stream of its own; what a
//! test needs beyond frames is here too: bytes that are not frames ([`Peer::write_unframed`]),
//! a reset ([`Peer::reset`]), the peer's WebSocket close ([`Peer::peer_close`]).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use turms_wire::codec::{Heartbeat, Limits, Outgoing};
use turms_wire::frame::{ClientFrame, MalformedFrame, ServerFrame};
use turms_wire::proto::{DeviceType, TurmsNotification, TurmsRequest};
use turms_wire::role::{self, Role};
use turms_wire::transport::{Connection, Received, ServerAddr, TransportError, TransportKind};

use crate::notifications::{ok, session_info};
use crate::requests::login_request;
use crate::wait::{within, WAIT};

/// Both transports, TCP first: `for kind in TRANSPORTS { … }` runs a scenario on each.
pub const TRANSPORTS: [TransportKind; 2] = [TransportKind::Tcp, TransportKind::WebSocket];

/// One end of a connection, for the role `R`, under a test's control.
pub struct Peer<R: Role> {
    connection: Connection<R>,
    /// A second handle on the socket under the connection (a duplicated descriptor), so that
    /// [`Peer::reset`] works whatever the transport. `None` for a client's WebSocket, which
    /// [`Connection::connect`] opens itself.
    socket: Option<socket2::Socket>,
}

/// A raw client, in front of a gateway.
pub type ClientPeer = Peer<role::Client>;

/// A raw gateway, in front of a client.
pub type GatewayPeer = Peer<role::Gateway>;

/// A second handle on `stream`'s socket.
fn duplicate(stream: &TcpStream) -> socket2::Socket {
    socket2::SockRef::from(stream)
        .try_clone()
        .expect("a duplicate of the socket")
}

impl<R: Role> Peer<R> {
    /// Drives an open connection (which [`Peer::reset`] cannot reset).
    pub fn new(connection: Connection<R>) -> Self {
        Peer {
            connection,
            socket: None,
        }
    }

    /// The connection underneath.
    pub fn connection_mut(&mut self) -> &mut Connection<R> {
        &mut self.connection
    }

    /// The connection underneath, to split it into a sink and a stream driven at once.
    pub fn into_connection(self) -> Connection<R> {
        self.connection
    }

    /// Which transport it uses.
    pub fn kind(&self) -> TransportKind {
        self.connection.kind()
    }

    /// Sends anything this end may send, and flushes it; panics if that fails.
    pub async fn send<T: Outgoing<R>>(&mut self, item: T) {
        self.try_send(item).await.expect("send");
    }

    /// Sends anything this end may send, and flushes it, returning what went wrong (a message
    /// refused before it was sent, say).
    pub async fn try_send<T: Outgoing<R>>(&mut self, item: T) -> Result<(), TransportError> {
        within("sending", self.connection.send(item)).await
    }

    /// Sends a body exactly as given (a TCP frame gets its length prefix).
    pub async fn send_raw(&mut self, body: impl Into<Bytes>) {
        self.send(body.into()).await;
    }

    /// Writes bytes that are not a frame (a broken length prefix, say) on a TCP connection's
    /// socket; panics on WebSocket.
    pub async fn write_unframed(&mut self, bytes: &[u8]) {
        let tcp = self
            .connection
            .tcp_stream_mut()
            .expect("unframed bytes need a TCP connection");
        within("writing", async {
            tcp.write_all(bytes).await?;
            tcp.flush().await
        })
        .await
        .expect("write");
    }

    /// The next item exactly as the connection yields it: a frame, a malformed frame, the
    /// failure that ended the connection, or `None` once it has ended cleanly.
    pub async fn received(&mut self) -> Option<Received<R>> {
        within(
            "a frame or the end of the connection",
            self.connection.next(),
        )
        .await
    }

    /// The next item: a frame, a malformed frame, or `None` once the peer has closed the
    /// connection (a reset or a protocol failure counts as closed: gateways close with
    /// SO_LINGER=0).
    pub async fn next_item(&mut self) -> Option<Result<R::Inbound, MalformedFrame>> {
        self.received().await.and_then(Result::ok)
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

    /// The WebSocket close message the other end sent, once it has arrived (`Some(None)` for
    /// one without a code); always `None` on TCP.
    pub fn peer_close(&self) -> Option<Option<&CloseFrame>> {
        self.connection.peer_close()
    }

    /// The code of the WebSocket close message the other end sent, if any.
    pub fn peer_close_code(&self) -> Option<CloseCode> {
        self.peer_close().flatten().map(|f| f.code)
    }

    /// Resets the connection: SO_LINGER=0 and the socket closed, so the other end gets a TCP
    /// RST, with no WebSocket close message before it.
    pub fn reset(self) {
        let socket = self
            .socket
            .as_ref()
            .expect("a reset needs a peer that owns its socket (accepted, or over TCP)");
        socket
            .set_linger(Some(Duration::ZERO))
            .expect("SO_LINGER=0");
        // The connection and this handle close the socket; the last one sends the reset.
    }
}

impl ClientPeer {
    /// Connects over TCP.
    pub async fn tcp(addr: SocketAddr) -> ClientPeer {
        let stream = within("a TCP connection", TcpStream::connect(addr))
            .await
            .expect("TCP connect");
        ClientPeer::over(stream)
    }

    /// Wraps an open TCP stream (the test may have written raw bytes to it first).
    pub fn over(stream: TcpStream) -> ClientPeer {
        let socket = duplicate(&stream);
        Peer {
            connection: Connection::tcp(stream, role::Client::LIMITS),
            socket: Some(socket),
        }
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

/// Where the session-info push goes when a [`GatewayPeer`] answers a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionInfoOrder {
    /// Before the OK response, as the real gateway sends it.
    Before,
    /// After the OK response.
    After,
    /// Not at all.
    Never,
}

impl GatewayPeer {
    /// Accepts the next connection on `listener`, over `kind` (completing the WebSocket
    /// handshake), with the gateway's default limits.
    pub async fn accept(listener: &TcpListener, kind: TransportKind) -> GatewayPeer {
        GatewayPeer::accept_with_limits(listener, kind, role::Gateway::LIMITS).await
    }

    /// [`GatewayPeer::accept`] with other limits.
    pub async fn accept_with_limits(
        listener: &TcpListener,
        kind: TransportKind,
        limits: Limits,
    ) -> GatewayPeer {
        let (stream, _) = within("a client connecting", listener.accept())
            .await
            .expect("accept");
        let socket = duplicate(&stream);
        let connection = within(
            "the client's handshake",
            Connection::accept(stream, kind, limits),
        )
        .await
        .expect("handshake");
        Peer {
            connection,
            socket: Some(socket),
        }
    }

    /// Sends a notification.
    pub async fn notify(&mut self, notification: &TurmsNotification) {
        self.send(notification).await;
    }

    /// The next request, decoded, skipping heartbeats; panics if the connection ends first.
    pub async fn request(&mut self) -> TurmsRequest {
        loop {
            match self.frame().await {
                ClientFrame::Heartbeat => continue,
                ClientFrame::Request(request) => {
                    return request.decode().expect("the request decodes")
                }
            }
        }
    }

    /// Answers the next request as a login: `1000 OK` and the session info (session `4242` on
    /// `gw-1`) in the order given. Returns the request.
    pub async fn accept_login(&mut self, info: SessionInfoOrder) -> TurmsRequest {
        let request = self.request().await;
        let id = request.request_id.expect("a login has a request id");
        if info == SessionInfoOrder::Before {
            self.notify(&session_info("4242", "gw-1")).await;
        }
        self.notify(&ok(id)).await;
        if info == SessionInfoOrder::After {
            self.notify(&session_info("4242", "gw-1")).await;
        }
        request
    }
}

/// A loopback listener for a client under test to connect to, over one transport.
pub struct Listener {
    kind: TransportKind,
    listener: TcpListener,
}

impl Listener {
    /// Listens on 127.0.0.1, on a free port.
    pub async fn bind(kind: TransportKind) -> Listener {
        Listener {
            kind,
            listener: TcpListener::bind("127.0.0.1:0").await.expect("bind"),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a local address")
    }

    /// The address a client is given: `tcp://…`, or `ws://…/any/path` (a gateway ignores the
    /// path).
    pub fn url(&self) -> String {
        match self.kind {
            TransportKind::Tcp => format!("tcp://{}", self.addr()),
            TransportKind::WebSocket => format!("ws://{}/any/path", self.addr()),
            TransportKind::Udp => panic!("a listener accepts TCP connections"),
        }
    }

    /// The next client, with the gateway's default limits.
    pub async fn accept(&self) -> GatewayPeer {
        GatewayPeer::accept(&self.listener, self.kind).await
    }

    /// The next client, with other limits.
    pub async fn accept_with_limits(&self, limits: Limits) -> GatewayPeer {
        GatewayPeer::accept_with_limits(&self.listener, self.kind, limits).await
    }
}
