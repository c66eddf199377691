//! WebSocket frames as the tests send them.

use bytes::Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode;
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};

/// A WebSocket frame as tungstenite writes it: `opcode` (a raw number such as 2 for binary,
/// or an [`OpCode`]), its payload, whether it ends its message, and masked with `mask` when
/// given (as a client sends it).
pub fn frame(
    opcode: impl Into<OpCode>,
    payload: &[u8],
    is_final: bool,
    mask: Option<[u8; 4]>,
) -> Vec<u8> {
    let header = FrameHeader {
        is_final,
        opcode: opcode.into(),
        mask,
        ..FrameHeader::default()
    };
    let mut out = Vec::new();
    Frame::from_payload(header, Bytes::copy_from_slice(payload))
        .format(&mut out)
        .expect("a frame formats into a Vec");
    out
}
