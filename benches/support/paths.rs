//! The measured paths, shared by the timing benchmark and the allocation counts so that both
//! measure exactly the same code. Inputs that a path consumes are built outside the timed
//! region, and what a path produces is returned, so that dropping it stays outside too.
#![allow(dead_code)]

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use prost::Message;
use tokio_util::codec::{Decoder, Encoder, FramedRead};
use turms_wire::codec::{ClientCodec, Framing, GatewayCodec, HeartbeatAck, MAX_FRAME_LENGTH};
use turms_wire::frame::ServerFrame;
use turms_wire::proto::{TurmsNotification, TurmsRequest};
use turms_wire::role::RoleKind;

use super::io::Replay;

/// How much a read from the socket delivers at a time.
pub const READ_CHUNK: usize = 64 * 1024;

/// Feeds `wire` to `decode` as a socket would: each read copies the next [`READ_CHUNK`] bytes
/// into the read buffer, then every complete frame is taken off it. The buffer is the one the
/// frames are split from, so they arrive in cache, as they do from a socket.
#[inline(always)]
fn read_through<C: Decoder>(wire: &[u8], mut codec: C, mut each: impl FnMut(C::Item)) -> usize
where
    C::Error: std::fmt::Debug,
{
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut frames = 0;
    for chunk in wire.chunks(READ_CHUNK) {
        buf.extend_from_slice(chunk);
        while let Some(item) = codec.decode(&mut buf).expect("corpus frames") {
            each(item);
            frames += 1;
        }
    }
    assert!(buf.is_empty(), "the corpus ends on a frame boundary");
    frames
}

/// The bare floor: the least any framing can do, written out by hand. Each read is copied in
/// as in [`read_through`]; then the varint is parsed from the buffer's bytes, a whole frame is
/// waited for, and the frame is split off (`split_to(len).freeze()`). No limit, no state, no
/// error beyond "not yet": the reference every other path is measured against.
#[inline(never)]
pub fn bare(wire: &[u8]) -> usize {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut frames = 0;
    for chunk in wire.chunks(READ_CHUNK) {
        buf.extend_from_slice(chunk);
        loop {
            let b = &buf[..];
            let mut len = 0u64;
            let mut i = 0;
            let mut done = false;
            while i < b.len() && i < 5 {
                len |= u64::from(b[i] & 0x7f) << (7 * i);
                i += 1;
                if b[i - 1] & 0x80 == 0 {
                    done = true;
                    break;
                }
            }
            if !done {
                break;
            }
            let len = len as usize;
            if b.len() - i < len {
                break;
            }
            bytes::Buf::advance(&mut buf, i);
            let frame: Bytes = buf.split_to(len).freeze();
            black_box(frame);
            frames += 1;
        }
    }
    assert!(buf.is_empty(), "the corpus ends on a frame boundary");
    frames
}

/// Framing alone (`codec::Framing`): one `Bytes` per frame, nothing looked at.
#[inline(never)]
pub fn framing(wire: &[u8]) -> usize {
    read_through(wire, Framing::client(), |frame| {
        black_box(frame);
    })
}

/// Framing and classification: the `Frame`s a client gets from `ClientCodec`.
#[inline(never)]
pub fn classify(wire: &[u8]) -> usize {
    read_through(wire, ClientCodec::new(), |item| {
        black_box(item.expect("corpus frames classify"));
    })
}

/// The framing decoder with the gateway's limits (the inbound cap lifted as in [`gateway`]).
#[inline(never)]
pub fn framing_gateway(wire: &[u8]) -> usize {
    let framing = Framing::new(
        RoleKind::Gateway
            .limits()
            .with_max_inbound_frame(MAX_FRAME_LENGTH),
    );
    read_through(wire, framing, |frame| {
        black_box(frame);
    })
}

/// The gateway's codec over a stream of requests: the `ClientFrame`s a gateway gets. Some
/// request vectors are larger than the gateway's 16 KiB: the inbound cap is lifted.
#[inline(never)]
pub fn gateway(wire: &[u8]) -> usize {
    let codec = GatewayCodec::with_limits(
        RoleKind::Gateway
            .limits()
            .with_max_inbound_frame(MAX_FRAME_LENGTH),
    );
    read_through(wire, codec, |item| {
        black_box(item.expect("corpus requests classify"));
    })
}

/// Framing and a full prost decode of every frame.
#[inline(never)]
pub fn prost_decode(wire: &[u8]) -> usize {
    read_through(wire, Framing::client(), |frame| {
        black_box(TurmsNotification::decode(frame).expect("corpus frames decode"));
    })
}

/// [`prost_decode`] into one message kept across frames: prost's generated `clear()`, then
/// `merge` of the frame. `clear()` keeps the capacity of the top-level `Vec`s and drops
/// everything optional (the nested messages, the oneofs, `reason`), so what this saves is
/// mostly building, moving and dropping the large `TurmsNotification` value of every frame.
/// The message is the same as a fresh decode's (`tests/decode_reuse.rs`).
#[inline(never)]
pub fn prost_decode_reuse(wire: &[u8]) -> usize {
    let mut message = TurmsNotification::default();
    read_through(wire, Framing::client(), |frame| {
        message.clear();
        message.merge(frame).expect("corpus frames decode");
        black_box(&message);
    })
}

/// Classification alone, of frames already split off (each `Bytes` moved in, not cloned).
/// The corpus' distinct frames are few and stay in cache: this is the scanner's own cost.
#[inline(never)]
pub fn classify_only(frames: Vec<Bytes>) -> usize {
    let mut n = 0;
    for frame in frames {
        black_box(ServerFrame::classify(frame).expect("corpus frames classify"));
        n += 1;
    }
    n
}

/// The TCP client path end to end: `FramedRead<_, ClientCodec>` reading the stream from an
/// in-memory connection (so the copy from the socket into the read buffer is included).
#[inline(never)]
pub fn framed_read(rt: &tokio::runtime::Runtime, wire: Bytes) -> usize {
    rt.block_on(async {
        let mut frames = FramedRead::new(Replay::new(wire), ClientCodec::new());
        let mut n = 0;
        while let Some(item) = frames.next().await {
            black_box(
                item.expect("corpus framing")
                    .expect("corpus frames classify"),
            );
            n += 1;
        }
        n
    })
}

#[cfg(feature = "ws")]
async fn client_websocket(stream: Bytes) -> tokio_tungstenite::WebSocketStream<Replay> {
    use tokio_tungstenite::tungstenite::protocol::Role;
    tokio_tungstenite::WebSocketStream::from_raw_socket(
        Replay::new(stream),
        Role::Client,
        Some(turms_wire::transport::ws::websocket_config(
            RoleKind::Client.limits(),
        )),
    )
    .await
}

/// WebSocket, unclassified: `WsTransport` yielding one body per binary message. The floor of
/// the WebSocket path.
#[cfg(feature = "ws")]
#[inline(never)]
pub fn ws_transport(rt: &tokio::runtime::Runtime, stream: Bytes) -> usize {
    rt.block_on(async {
        let ws = client_websocket(stream).await;
        let mut transport =
            turms_wire::transport::ws::WsTransport::new(ws, RoleKind::Client.limits());
        let mut n = 0;
        while let Some(body) = transport.next().await {
            black_box(body.expect("corpus messages"));
            n += 1;
        }
        n
    })
}

/// WebSocket, classified: the `Frame`s a client gets from `ClientWs`.
#[cfg(feature = "ws")]
#[inline(never)]
pub fn ws_classify(rt: &tokio::runtime::Runtime, stream: Bytes) -> usize {
    rt.block_on(async {
        let ws = client_websocket(stream).await;
        let mut client = turms_wire::transport::ws::ClientWs::new(ws);
        let mut n = 0;
        while let Some(item) = client.next().await {
            black_box(
                item.expect("corpus messages")
                    .expect("corpus frames classify"),
            );
            n += 1;
        }
        n
    })
}

/// Encodes notifications (`pool` in `order`) as the gateway sends them; empty ones are
/// heartbeat acks.
#[inline(never)]
pub fn encode_notifications(
    pool: &[TurmsNotification],
    order: &[u32],
    mut dst: BytesMut,
) -> BytesMut {
    let mut codec = GatewayCodec::new();
    for &i in order {
        let notification = &pool[i as usize];
        if notification.encoded_len() == 0 {
            codec.encode(HeartbeatAck, &mut dst).expect("ack encodes");
        } else {
            codec
                .encode(notification, &mut dst)
                .expect("notification encodes");
        }
    }
    dst
}

/// The request corpus as a gateway receives it: the TCP stream of about 50 MB of requests
/// (`corpus::requests`), encoded as a client sends them.
pub struct RequestStream {
    pub wire: Vec<u8>,
    pub frames: usize,
}

impl RequestStream {
    pub fn describe(&self) -> String {
        format!(
            "requests: {} frames, {} wire bytes, {:.1} bytes/frame",
            self.frames,
            self.wire.len(),
            self.wire.len() as f64 / self.frames as f64
        )
    }
}

pub fn request_stream() -> RequestStream {
    let (pool, order) = super::corpus::requests(super::corpus::TARGET_BYTES);
    let wire = encode_requests(&pool, &order, BytesMut::new()).to_vec();
    RequestStream {
        wire,
        frames: order.len(),
    }
}

/// Encodes requests (`pool` in `order`) as a client sends them.
#[inline(never)]
pub fn encode_requests(pool: &[TurmsRequest], order: &[u32], mut dst: BytesMut) -> BytesMut {
    // Some request vectors are larger than the gateway's 16 KiB: lift the outbound cap.
    let mut codec = ClientCodec::with_limits(
        RoleKind::Client
            .limits()
            .with_max_outbound_frame(MAX_FRAME_LENGTH),
    );
    for &i in order {
        codec
            .encode(&pool[i as usize], &mut dst)
            .expect("request encodes");
    }
    dst
}
