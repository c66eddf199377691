//! What may come before Turms bytes at the start of a client stream: a PROXY protocol header
//! (v1 text or v2 binary; the gateway detects it by default, turms-protocol.md §1.4), or a TLS
//! ClientHello (a TLS connection, which a capture cannot decode).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The PROXY protocol v2 signature.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The start of a v1 header.
const V1_START: &[u8; 6] = b"PROXY ";
/// The longest v1 header, CRLF included (the specification's 107 bytes).
const V1_MAX: usize = 107;

/// A PROXY protocol header at the start of a client stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyHeader {
    /// 1 (text) or 2 (binary).
    pub version: u8,
    /// The client address it names; `None` for `UNKNOWN` (v1), a `LOCAL` command or an
    /// address family other than IPv4 and IPv6 (v2).
    pub source: Option<SocketAddr>,
    /// The server address it names, when it names one.
    pub destination: Option<SocketAddr>,
    /// Its length in bytes (what is skipped).
    pub len: usize,
}

/// What the first bytes of a client stream are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Preamble {
    /// They could still be the start of a PROXY header or a ClientHello.
    Undecided,
    /// A PROXY header, then (possibly) something else.
    Proxy(ProxyHeader),
    /// A TLS ClientHello: the connection is encrypted.
    Tls,
    /// Neither: Turms bytes (or garbage) from the first byte.
    Plain,
}

/// Looks at the first bytes of a client stream. `ended`: no more bytes will come, so what is
/// still undecided is plain.
pub(crate) fn detect(bytes: &[u8], ended: bool) -> Preamble {
    let decided = if starts_like(bytes, V2_SIGNATURE) {
        proxy_v2(bytes)
    } else if starts_like(bytes, V1_START) {
        proxy_v1(bytes)
    } else {
        tls(bytes)
    };
    match decided {
        Preamble::Undecided if ended => Preamble::Plain,
        other => other,
    }
}

/// Whether `bytes` and `prefix` agree on their common length (and `bytes` is not empty).
fn starts_like(bytes: &[u8], prefix: &[u8]) -> bool {
    let n = bytes.len().min(prefix.len());
    n > 0 && bytes[..n] == prefix[..n]
}

/// A TLS record of type handshake (22), version 3.x, holding a ClientHello (1). No Turms frame
/// starts so: a 22-byte request whose first byte is `03` would open with field number 0.
fn tls(bytes: &[u8]) -> Preamble {
    const PATTERN: [Option<u8>; 6] = [Some(0x16), Some(0x03), None, None, None, Some(0x01)];
    for (i, expected) in PATTERN.iter().enumerate() {
        let Some(&byte) = bytes.get(i) else {
            return Preamble::Undecided;
        };
        let fits = match (i, expected) {
            (2, _) => byte <= 0x04,
            (_, Some(expected)) => byte == *expected,
            (_, None) => true,
        };
        if !fits {
            return Preamble::Plain;
        }
    }
    Preamble::Tls
}

/// `PROXY TCP4 192.0.2.1 198.51.100.2 56324 11510\r\n`, `PROXY TCP6 …` or `PROXY UNKNOWN …`.
/// A line that does not end within 107 bytes is no header; one whose addresses do not parse is
/// skipped as a header naming nothing.
fn proxy_v1(bytes: &[u8]) -> Preamble {
    let Some(end) = bytes.windows(2).take(V1_MAX - 1).position(|w| w == b"\r\n") else {
        return if bytes.len() >= V1_MAX {
            Preamble::Plain
        } else {
            Preamble::Undecided
        };
    };
    let line = std::str::from_utf8(&bytes[V1_START.len()..end]).unwrap_or("");
    let fields: Vec<&str> = line.split(' ').collect();
    let address = |ip: &str, port: &str| -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().ok()?, port.parse().ok()?))
    };
    let (source, destination) = match fields[..] {
        [family @ ("TCP4" | "TCP6"), src, dst, src_port, dst_port] => {
            let source = address(src, src_port);
            let destination = address(dst, dst_port);
            let v4 = family == "TCP4";
            let right_family = |a: &Option<SocketAddr>| a.is_some_and(|a| a.is_ipv4() == v4);
            if right_family(&source) && right_family(&destination) {
                (source, destination)
            } else {
                (None, None)
            }
        }
        _ => (None, None),
    };
    Preamble::Proxy(ProxyHeader {
        version: 1,
        source,
        destination,
        len: end + 2,
    })
}

/// The 12-byte signature, a version and command byte (`0x2_`), an address family and protocol
/// byte, a 16-bit length, then the addresses (and TLVs, skipped).
fn proxy_v2(bytes: &[u8]) -> Preamble {
    if bytes.len() < 16 {
        return Preamble::Undecided;
    }
    let version_command = bytes[12];
    if version_command >> 4 != 2 {
        return Preamble::Plain;
    }
    let len = 16 + usize::from(u16::from_be_bytes([bytes[14], bytes[15]]));
    if bytes.len() < len {
        return Preamble::Undecided;
    }
    let body = &bytes[16..len];
    let proxied = version_command & 0x0f == 1;
    let addresses = match bytes[13] >> 4 {
        1 if proxied && body.len() >= 12 => {
            let ip = |at: usize| {
                IpAddr::V4(Ipv4Addr::from(
                    <[u8; 4]>::try_from(&body[at..at + 4]).unwrap(),
                ))
            };
            Some((ip(0), ip(4), &body[8..12]))
        }
        2 if proxied && body.len() >= 36 => {
            let ip = |at: usize| {
                IpAddr::V6(Ipv6Addr::from(
                    <[u8; 16]>::try_from(&body[at..at + 16]).unwrap(),
                ))
            };
            Some((ip(0), ip(16), &body[32..36]))
        }
        _ => None,
    };
    let (source, destination) = match addresses {
        Some((src, dst, ports)) => (
            Some(SocketAddr::new(
                src,
                u16::from_be_bytes([ports[0], ports[1]]),
            )),
            Some(SocketAddr::new(
                dst,
                u16::from_be_bytes([ports[2], ports[3]]),
            )),
        ),
        None => (None, None),
    };
    Preamble::Proxy(ProxyHeader {
        version: 2,
        source,
        destination,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(bytes: &[u8]) -> ProxyHeader {
        match detect(bytes, false) {
            Preamble::Proxy(header) => header,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn v1_headers_name_their_addresses() {
        let line = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 11510\r\n\x05rest";
        let header = proxy(line);
        assert_eq!(header.version, 1);
        assert_eq!(header.source, Some("192.0.2.1:56324".parse().unwrap()));
        assert_eq!(
            header.destination,
            Some("198.51.100.2:11510".parse().unwrap())
        );
        assert_eq!(header.len, line.len() - 5);
        let v6 = proxy(b"PROXY TCP6 2001:db8::1 ::1 40000 10510\r\n");
        assert_eq!(v6.source, Some("[2001:db8::1]:40000".parse().unwrap()));
        let unknown = proxy(b"PROXY UNKNOWN\r\n");
        assert_eq!((unknown.source, unknown.len), (None, 15));
        // A family that contradicts its addresses names nothing.
        assert_eq!(proxy(b"PROXY TCP4 ::1 ::1 1 2\r\n").source, None);
        // Byte by byte, it is undecided until its CRLF.
        for cut in 1..line.len() - 7 {
            assert_eq!(detect(&line[..cut], false), Preamble::Undecided, "{cut}");
            assert_eq!(detect(&line[..cut], true), Preamble::Plain, "{cut}");
        }
        // No CRLF within 107 bytes: not a header.
        let mut long = b"PROXY ".to_vec();
        long.resize(200, b'x');
        assert_eq!(detect(&long, false), Preamble::Plain);
    }

    #[test]
    fn v2_headers_name_their_addresses_and_skip_their_tlvs() {
        let mut header = V2_SIGNATURE.to_vec();
        header.extend([0x21, 0x11]);
        header.extend(15u16.to_be_bytes());
        header.extend([192, 0, 2, 1, 198, 51, 100, 2]);
        header.extend(56324u16.to_be_bytes());
        header.extend(11510u16.to_be_bytes());
        header.extend([0x04, 0x00, 0x00]); // a NOOP TLV
        let parsed = proxy(&header);
        assert_eq!(parsed.version, 2);
        assert_eq!(parsed.source, Some("192.0.2.1:56324".parse().unwrap()));
        assert_eq!(parsed.len, 31);
        for cut in 1..header.len() {
            assert_eq!(detect(&header[..cut], false), Preamble::Undecided, "{cut}");
        }
        // LOCAL (a health check): skipped, naming nothing.
        let mut local = V2_SIGNATURE.to_vec();
        local.extend([0x20, 0x00, 0, 0]);
        assert_eq!(proxy(&local).source, None);
        let mut v6 = V2_SIGNATURE.to_vec();
        v6.extend([0x21, 0x21]);
        v6.extend(36u16.to_be_bytes());
        v6.extend(Ipv6Addr::LOCALHOST.octets());
        v6.extend(Ipv6Addr::LOCALHOST.octets());
        v6.extend([0x9c, 0x40, 0x29, 0x06]);
        assert_eq!(proxy(&v6).source, Some("[::1]:40000".parse().unwrap()));
        // Another version: not a header.
        let mut v3 = V2_SIGNATURE.to_vec();
        v3.extend([0x31, 0x11, 0, 0]);
        assert_eq!(detect(&v3, false), Preamble::Plain);
    }

    #[test]
    fn a_client_hello_is_tls_and_turms_bytes_are_plain() {
        let hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc];
        assert_eq!(detect(&hello, false), Preamble::Tls);
        for cut in 1..6 {
            assert_eq!(detect(&hello[..cut], false), Preamble::Undecided);
        }
        // A heartbeat, a login: plain at once.
        assert_eq!(detect(&[0x00], false), Preamble::Plain);
        assert_eq!(detect(&[0x10, 0x08, 0x01], false), Preamble::Plain);
        // A 22-byte request.
        assert_eq!(detect(&[0x16, 0x08, 0x01], false), Preamble::Plain);
        assert_eq!(detect(&[], false), Preamble::Undecided);
        assert_eq!(detect(&[], true), Preamble::Plain);
    }
}
