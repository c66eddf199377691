//! One direction of a captured TCP or WebSocket connection, from reassembled bytes to frame
//! bodies: what may precede the Turms bytes of a client stream (a PROXY header, a TLS
//! ClientHello), the frames themselves, and the search for a boundary after a hole.

use bytes::{Bytes, BytesMut};

use super::preamble::{self, Preamble, ProxyHeader};
use super::resync::Resync;
use crate::role::RoleKind;
use crate::transport::follow::{Fed, Follow, Item};
use crate::transport::{StreamError, TransportKind, WsItem};

/// What a direction's bytes made, in stream order.
#[derive(Debug)]
pub(crate) enum Out {
    /// A frame body (a TCP frame, or a WebSocket binary message).
    Frame(Bytes),
    /// Anything else a WebSocket stream carries.
    Ws(WsItem),
    /// A PROXY protocol header, skipped.
    Proxy(ProxyHeader),
    /// The client's first bytes are a TLS ClientHello: nothing of the connection is decoded.
    Tls,
    /// After a hole or an uncaptured start: a boundary was found past `skipped` bytes
    /// (`found`), or the direction ended before one was (`!found`).
    Resync { skipped: u64, found: bool },
    /// The direction cannot be read further.
    Failure(StreamError),
    /// The gateway refused the WebSocket upgrade (after its `Failure`).
    UpgradeRefused,
}

#[derive(Debug)]
enum State {
    /// A client stream's first bytes, until they are known not to be a PROXY header or a
    /// ClientHello (`proxied`: a PROXY header was skipped, only TLS may follow).
    Start {
        held: BytesMut,
        proxied: bool,
    },
    Frames(Follow),
    Resync(Box<Resync>),
    Stopped,
}

/// One direction of a connection.
#[derive(Debug)]
pub(crate) struct Direction {
    transport: TransportKind,
    receiver: RoleKind,
    max: usize,
    state: State,
    /// A boundary was found by resynchronisation: every frame from there is marked.
    resynced: bool,
}

impl Direction {
    /// The direction `receiver` receives, whose frames may be `max` bytes.
    pub(crate) fn new(transport: TransportKind, receiver: RoleKind, max: usize) -> Direction {
        let state = match (transport, receiver) {
            (TransportKind::Udp, _) => State::Stopped,
            (_, RoleKind::Gateway) => State::Start {
                held: BytesMut::new(),
                proxied: false,
            },
            _ => State::Frames(Follow::new(transport, receiver, max)),
        };
        Direction {
            transport,
            receiver,
            max,
            state,
            resynced: false,
        }
    }

    /// Whether the frames given from now on follow a resynchronisation.
    pub(crate) fn resynced(&self) -> bool {
        self.resynced
    }

    #[cfg(test)]
    fn is_stopped(&self) -> bool {
        matches!(self.state, State::Stopped)
    }

    /// Bytes held that are not part of a whole frame yet.
    pub(crate) fn buffered(&self) -> usize {
        match &self.state {
            State::Start { held, .. } => held.len(),
            State::Frames(follow) => follow.buffered(),
            State::Resync(resync) => resync.buffered(),
            State::Stopped => 0,
        }
    }

    /// Nothing more of this direction is decoded (a hole without resynchronisation, or the
    /// connection is TLS): what was held is dropped, the frame a hole cuts is never shown.
    pub(crate) fn stop(&mut self) {
        self.state = State::Stopped;
    }

    /// Takes the next bytes of the direction. `after_gap`: they do not follow the bytes before
    /// (a hole or an uncaptured start lies before them; only with resynchronisation on).
    pub(crate) fn feed(&mut self, bytes: Bytes, after_gap: bool, out: &mut Vec<Out>) {
        if after_gap {
            self.state = State::Resync(Box::new(Resync::new(
                self.transport,
                self.receiver,
                self.max,
            )));
        }
        let mut bytes = bytes;
        loop {
            match &mut self.state {
                State::Stopped => return,
                State::Frames(follow) => {
                    let mut fed = Fed::default();
                    follow.feed(bytes, &mut fed);
                    push_fed(fed, out);
                    if follow.is_stopped() {
                        self.state = State::Stopped;
                    }
                    return;
                }
                State::Resync(resync) => {
                    let Some(found) = resync.feed(&bytes) else {
                        return;
                    };
                    out.push(Out::Resync {
                        skipped: found.skipped,
                        found: true,
                    });
                    self.resynced = true;
                    self.state =
                        State::Frames(Follow::at_frame(self.transport, self.receiver, self.max));
                    bytes = found.rest;
                }
                State::Start { held, proxied } => {
                    let data = if held.is_empty() {
                        bytes
                    } else {
                        held.extend_from_slice(&bytes);
                        held.split().freeze()
                    };
                    let seen = if *proxied {
                        // Only a ClientHello may follow a PROXY header.
                        match preamble::detect(&data, false) {
                            Preamble::Proxy(_) => Preamble::Plain,
                            other => other,
                        }
                    } else {
                        preamble::detect(&data, false)
                    };
                    match seen {
                        Preamble::Undecided => {
                            held.extend_from_slice(&data);
                            return;
                        }
                        Preamble::Tls => {
                            out.push(Out::Tls);
                            self.state = State::Stopped;
                            return;
                        }
                        Preamble::Proxy(header) => {
                            out.push(Out::Proxy(header));
                            *proxied = true;
                            bytes = data.slice(header.len..);
                        }
                        Preamble::Plain => {
                            self.state =
                                State::Frames(Follow::new(self.transport, self.receiver, self.max));
                            bytes = data;
                        }
                    }
                }
            }
        }
    }

    /// The direction has ended (its connection closed): what it still held is reported.
    pub(crate) fn finish(&mut self, out: &mut Vec<Out>) {
        match std::mem::replace(&mut self.state, State::Stopped) {
            State::Start { held, .. } => {
                // Too short to be anything but plain bytes: read them as frames.
                if !held.is_empty() {
                    let mut follow = Follow::new(self.transport, self.receiver, self.max);
                    let mut fed = Fed::default();
                    follow.feed(held.freeze(), &mut fed);
                    push_fed(fed, out);
                    if let Some(error) = follow.finish() {
                        out.push(Out::Failure(error));
                    }
                }
            }
            State::Frames(mut follow) => {
                if let Some(error) = follow.finish() {
                    out.push(Out::Failure(error));
                }
            }
            State::Resync(resync) => out.push(Out::Resync {
                skipped: resync.taken(),
                found: false,
            }),
            State::Stopped => {}
        }
    }
}

fn push_fed(fed: Fed, out: &mut Vec<Out>) {
    out.extend(fed.items.into_iter().map(|item| match item {
        Item::Frame(body) => Out::Frame(body),
        Item::Ws(item) => Out::Ws(item),
    }));
    if let Some(error) = fed.failure {
        out.push(Out::Failure(error));
    }
    if fed.upgrade_refused {
        out.push(Out::UpgradeRefused);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(direction: &mut Direction, bytes: &[u8]) -> Vec<Out> {
        let mut out = Vec::new();
        direction.feed(Bytes::copy_from_slice(bytes), false, &mut out);
        out
    }

    #[test]
    fn a_proxy_header_split_anywhere_is_skipped_before_the_frames() {
        let mut stream = b"PROXY TCP4 10.1.2.3 10.0.0.2 5555 11510\r\n".to_vec();
        stream.extend([0x02, 0x08, 0x01, 0x00]);
        for cut in 0..stream.len() {
            let mut direction = Direction::new(TransportKind::Tcp, RoleKind::Gateway, 100);
            let mut out = feed(&mut direction, &stream[..cut]);
            out.extend(feed(&mut direction, &stream[cut..]));
            let Out::Proxy(header) = &out[0] else {
                panic!("{cut}: {out:?}")
            };
            assert_eq!(header.source, Some("10.1.2.3:5555".parse().unwrap()));
            assert!(
                matches!(&out[1..], [Out::Frame(a), Out::Frame(b)] if a[..] == [8, 1] && b.is_empty()),
                "{cut}: {out:?}"
            );
        }
    }

    #[test]
    fn a_client_hello_stops_the_direction_even_after_a_proxy_header() {
        let mut stream = b"PROXY UNKNOWN\r\n".to_vec();
        stream.extend([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 0, 0]);
        let mut direction = Direction::new(TransportKind::WebSocket, RoleKind::Gateway, 100);
        let out = feed(&mut direction, &stream);
        assert!(matches!(out[..], [Out::Proxy(_), Out::Tls]), "{out:?}");
        assert!(direction.is_stopped());
    }

    #[test]
    fn a_short_client_stream_is_read_as_frames_at_its_end() {
        let mut direction = Direction::new(TransportKind::Tcp, RoleKind::Gateway, 100);
        assert!(feed(&mut direction, &[0x16, 0x03]).is_empty(), "undecided");
        let mut out = Vec::new();
        direction.finish(&mut out);
        assert!(
            matches!(
                &out[..],
                [Out::Failure(StreamError::TruncatedFrame {
                    expected: 22,
                    received: 1
                })]
            ),
            "{out:?}"
        );
    }
}
