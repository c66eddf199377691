//! The mock gateway under test: started on loopback over both transports, its events kept, and
//! raw clients connected to it in one call each.
//!
//! ```text
//! let gateway = Scenario::start(|gateway| gateway.password("123")).await;
//! for kind in TRANSPORTS {
//!     let mut client = gateway.connect(kind).await;
//!     client.login(1, DeviceType::Desktop).await;
//!     …
//! }
//! assert!(gateway.events().lines().iter().any(|line| line.contains("login ok")));
//! ```

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use turms_wire::gateway::{GatewayBuilder, GatewayEvent, GatewayHandle};
use turms_wire::transport::TransportKind;

use crate::peer::ClientPeer;

/// Every event a gateway reported, in order.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<GatewayEvent>>>);

impl Events {
    /// The events so far.
    pub fn all(&self) -> Vec<GatewayEvent> {
        self.0.lock().expect("the event list").clone()
    }

    /// The events so far, as the gateway prints them.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("the event list")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn push(&self, event: &GatewayEvent) {
        self.0.lock().expect("the event list").push(event.clone());
    }
}

/// A started mock gateway listening on 127.0.0.1 over TCP and WebSocket, with its events kept
/// (and so not printed). It derefs to its [`GatewayHandle`].
pub struct Scenario {
    gateway: GatewayHandle,
    events: Events,
}

impl Scenario {
    /// Starts a gateway on loopback over both transports, collecting its events, after
    /// `configure` has set the rest (`|gateway| gateway` for the defaults).
    pub async fn start(configure: impl FnOnce(GatewayBuilder) -> GatewayBuilder) -> Scenario {
        let events = Events::default();
        let sink = events.clone();
        let loopback = "127.0.0.1:0".parse().expect("a socket address");
        let builder = GatewayBuilder::new()
            .tcp(loopback)
            .ws(loopback)
            .on_event(move |event| sink.push(event));
        let gateway = configure(builder)
            .start()
            .await
            .expect("the gateway starts");
        Scenario { gateway, events }
    }

    /// What the gateway reported so far.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The address a client is given for `kind`: `tcp://host:port` or `ws://host:port`.
    pub fn url(&self, kind: TransportKind) -> String {
        match kind {
            TransportKind::Tcp => format!("tcp://{}", self.tcp_addr().expect("a TCP listener")),
            TransportKind::WebSocket => self.ws_url().expect("a WebSocket listener"),
            TransportKind::Udp => panic!("the mock gateway has no UDP port"),
        }
    }

    /// Both addresses, TCP first.
    pub fn urls(&self) -> [String; 2] {
        [
            self.url(TransportKind::Tcp),
            self.url(TransportKind::WebSocket),
        ]
    }

    /// A raw client connected over `kind` (on WebSocket with a path, which the gateway ignores).
    pub async fn connect(&self, kind: TransportKind) -> ClientPeer {
        match kind {
            TransportKind::Tcp => self.tcp().await,
            TransportKind::WebSocket => self.ws().await,
            TransportKind::Udp => panic!("the mock gateway has no UDP port"),
        }
    }

    /// A raw client connected over TCP.
    pub async fn tcp(&self) -> ClientPeer {
        ClientPeer::tcp(self.tcp_addr().expect("a TCP listener")).await
    }

    /// A raw client connected over WebSocket (`ws://host:port/any/path`).
    pub async fn ws(&self) -> ClientPeer {
        let url = self.ws_url().expect("a WebSocket listener");
        ClientPeer::ws(&format!("{url}/any/path")).await
    }

    /// Shuts the gateway down ([`GatewayHandle::shutdown`]); the events stay readable.
    pub async fn shutdown(self) -> Events {
        self.gateway.shutdown().await;
        self.events
    }
}

impl Deref for Scenario {
    type Target = GatewayHandle;

    fn deref(&self) -> &GatewayHandle {
        &self.gateway
    }
}
