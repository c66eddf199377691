//! Where a gateway listens: `tcp://host:port`, `ws://host:port[/path]`, `wss://…`.

use std::fmt;

use super::error::TransportError;
use super::kind::TransportKind;

/// A gateway address: `tcp://host:port`, `ws://host:port[/path]` or (with the `tls` feature)
/// `wss://host:port[/path]`.
///
/// ```
/// use turms_wire::transport::{ServerAddr, TransportKind};
///
/// let addr: ServerAddr = "tcp://127.0.0.1:11510".parse()?;
/// assert_eq!(addr.transport(), TransportKind::Tcp);
/// assert_eq!(addr.host_port(), "127.0.0.1:11510");
/// let addr: ServerAddr = "ws://localhost:10510".parse()?;
/// assert_eq!(addr.transport(), TransportKind::WebSocket);
/// assert!("http://localhost:1".parse::<ServerAddr>().is_err());
/// # Ok::<(), turms_wire::transport::TransportError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    transport: TransportKind,
    /// `wss://`: the WebSocket runs over TLS.
    tls: bool,
    /// The whole address as given (the WebSocket handshake uses it as its URL).
    url: String,
    /// `host:port`, as given (brackets kept around IPv6 literals).
    host_port: String,
}

impl ServerAddr {
    /// The transport the address names.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Whether the connection runs over TLS (`wss://`).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The URL scheme: `"tcp"`, `"ws"` or `"wss"`.
    pub fn scheme(&self) -> &'static str {
        match (self.transport, self.tls) {
            (TransportKind::Tcp, _) => "tcp",
            (TransportKind::WebSocket, false) => "ws",
            (TransportKind::WebSocket, true) => "wss",
            (TransportKind::Udp, _) => "udp",
        }
    }

    /// `host:port`.
    pub fn host_port(&self) -> &str {
        &self.host_port
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl std::str::FromStr for ServerAddr {
    type Err = TransportError;

    fn from_str(url: &str) -> Result<Self, TransportError> {
        let invalid = |problem| TransportError::InvalidAddress {
            address: url.to_owned(),
            problem,
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("expected tcp://, ws:// or wss://"))?;
        let (transport, tls) = match scheme.to_ascii_lowercase().as_str() {
            "tcp" => (TransportKind::Tcp, false),
            "ws" => (TransportKind::WebSocket, false),
            "wss" if cfg!(feature = "tls") => (TransportKind::WebSocket, true),
            "wss" => return Err(invalid("wss:// needs the `tls` feature")),
            _ => return Err(invalid("expected tcp://, ws:// or wss://")),
        };
        let authority = match transport {
            TransportKind::Tcp if rest.contains('/') => {
                return Err(invalid("a tcp:// address has no path"))
            }
            TransportKind::Tcp => rest,
            _ => rest.split('/').next().unwrap_or_default(),
        };
        let port = match authority.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && !port.contains(']') => port,
            _ => return Err(invalid("expected host:port")),
        };
        port.parse::<u16>()
            .map_err(|_| invalid("the port is not a number from 0 to 65535"))?;
        Ok(ServerAddr {
            transport,
            tls,
            url: url.to_owned(),
            host_port: authority.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_by_scheme() {
        let tcp: ServerAddr = "tcp://[::1]:11510".parse().unwrap();
        assert_eq!(tcp.transport(), TransportKind::Tcp);
        assert_eq!(tcp.host_port(), "[::1]:11510");
        assert_eq!(tcp.scheme(), "tcp");
        assert!(!tcp.is_tls());
        let ws: ServerAddr = "WS://gateway.example:10510/any/path".parse().unwrap();
        assert_eq!(ws.transport(), TransportKind::WebSocket);
        assert_eq!(ws.host_port(), "gateway.example:10510");
        assert_eq!(ws.scheme(), "ws");
        assert_eq!(ws.to_string(), "WS://gateway.example:10510/any/path");
    }

    #[test]
    fn bad_addresses_are_refused_as_address_errors() {
        for bad in [
            "127.0.0.1:11510",
            "udp://127.0.0.1:1",
            "tcp://127.0.0.1",
            "tcp://127.0.0.1:70000",
            "tcp://:80",
            "tcp://host:1/path",
            "ws://[::1]",
        ] {
            let error = bad.parse::<ServerAddr>().unwrap_err();
            assert!(
                matches!(&error, TransportError::InvalidAddress { address, .. } if address == bad),
                "{bad}: {error}"
            );
        }
        let wss = "wss://example:443".parse::<ServerAddr>();
        assert_eq!(wss.is_ok(), cfg!(feature = "tls"));
        if let Ok(wss) = wss {
            assert_eq!(wss.transport(), TransportKind::WebSocket);
            assert!(wss.is_tls());
            assert_eq!(wss.scheme(), "wss");
        }
    }
}
