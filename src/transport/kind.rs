//! Which transport carries a connection's frames.

use core::fmt;

/// Which transport carries a connection's frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransportKind {
    /// Plain TCP with varint32 length-prefixed frames (the gateway's port 11510 by default).
    Tcp,
    /// WebSocket, one binary message per frame (port 10510 by default), with or without TLS.
    WebSocket,
    /// The experimental UDP signal datagrams ([`crate::udp`]; port 12510 by default): heartbeats
    /// and going offline for a session whose TCP or WebSocket connection is asleep.
    Udp,
}

impl TransportKind {
    /// The name records and events print: `"tcp"`, `"ws"` or `"udp"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TransportKind::Tcp => "tcp",
            TransportKind::WebSocket => "ws",
            TransportKind::Udp => "udp",
        }
    }

    /// The gateway's default port for this transport (`turms.gateway.tcp.port`,
    /// `turms.gateway.websocket.port` in the shipped configuration).
    pub const fn default_port(self) -> u16 {
        match self {
            TransportKind::Tcp => 11510,
            TransportKind::WebSocket => 10510,
            TransportKind::Udp => 12510,
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
