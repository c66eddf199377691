//! Frame classification: what a frame is, read from its envelope without decoding payloads.
//!
//! Frames are named by the end that sends them: a client receives [`ServerFrame`]s (each a
//! `TurmsNotification`, or an empty heartbeat ack); a gateway receives [`ClientFrame`]s (each a
//! `TurmsRequest`, or an empty heartbeat). [`FrameClass`] names the class of either.
//! Classification scans only the envelope fields, wherever they are in the frame, keeps the
//! frame's one [`Bytes`] and records where `reason`, `data` and `relayed_request` lie; it
//! allocates nothing. Payloads are sliced, checked or decoded only when asked for, and every
//! answer is what a full prost decode of the frame would give.
//!
//! ```
//! use bytes::Bytes;
//! use turms_wire::frame::{FrameClass, ServerFrame};
//!
//! // timestamp 1700000000000, request_id 1, code 1000 (OK)
//! let frame = Bytes::from_static(&[
//!     0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x20, 0x01, 0x28, 0xe8, 0x07,
//! ]);
//! let frame = ServerFrame::classify(frame)?;
//! assert_eq!(frame.class(), FrameClass::Response);
//! let ServerFrame::Response(response) = frame else { unreachable!() };
//! assert_eq!(response.request_id(), 1);
//! assert!(response.is_success());
//! # Ok::<(), turms_wire::frame::ClassifyError>(())
//! ```

mod class;
mod client;
mod close;
mod error;
mod kind;
mod malformed;
mod notification;
mod request;
mod scan;
mod server;

use bytes::Bytes;

pub use class::FrameClass;
pub use client::ClientFrame;
pub use close::CloseNotice;
pub use error::{ClassifyError, ClassifyErrorKind, GatewayRejection, WireType};
pub use kind::{DataKind, RequestKind};
pub use malformed::MalformedFrame;
pub use notification::{Close, Notification, NotificationEnvelope, Push, Response, SessionInfo};
pub use request::{GatewayReading, RequestFrame};
pub use server::ServerFrame;

use error::{ClassifyErrorKind as Kind, Message};

/// The former name of [`ServerFrame`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `ServerFrame` (frames are named by their sender)"
)]
pub type Frame = ServerFrame;

/// The former name of [`Close`].
#[deprecated(
    since = "0.2.0",
    note = "renamed to `Close`, as `ServerFrame::Close` and `FrameClass::Close`"
)]
pub type Closed = Close;

/// The `request_id` of a heartbeat failure (`ClientRequestDispatcher.HEARTBEAT_FAILURE_REQUEST_ID`).
pub const HEARTBEAT_FAILURE_REQUEST_ID: i64 = -100;

/// The bytes of every heartbeat: none.
static EMPTY: Bytes = Bytes::new();

/// A frame longer than a `u32` cannot be classified: offsets into it are `u32`s.
#[inline]
fn check_len(len: usize, message: Message) -> Result<(), ClassifyError> {
    if len > u32::MAX as usize {
        return Err(ClassifyError::new(Kind::FrameTooLarge { len }, 0, message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Truncated varint, wire type 7, a length past the end, field number 0.
    const MALFORMED: [&[u8]; 4] = [&[0x08, 0x80], &[0x0f], &[0x32, 0x05, 0x41], &[0x00, 0x01]];

    #[test]
    fn try_classify_hands_back_the_very_bytes_it_refuses() {
        for bad in MALFORMED {
            let bytes = Bytes::copy_from_slice(bad);
            let (error, back) = ServerFrame::try_classify(bytes.clone()).unwrap_err();
            assert_eq!(
                Some(&error),
                ServerFrame::classify(bytes.clone()).err().as_ref()
            );
            assert_eq!(back, bytes);
            assert_eq!(back.as_ptr(), bytes.as_ptr(), "not a copy");

            let (error, back) = ClientFrame::try_classify(bytes.clone()).unwrap_err();
            assert_eq!(
                Some(&error),
                ClientFrame::classify(bytes.clone()).err().as_ref()
            );
            assert_eq!(back.as_ptr(), bytes.as_ptr(), "not a copy");
            assert_eq!(back, bytes);
        }
    }

    /// Every frame a client receives is moved out of the codec, through its `Result`s and into
    /// the caller: a larger `Frame` makes every frame cost more.
    #[test]
    fn a_frame_stays_small_to_move() {
        assert!(
            core::mem::size_of::<ServerFrame>() <= 120,
            "{} bytes",
            core::mem::size_of::<ServerFrame>()
        );
        assert!(core::mem::size_of::<scan::Envelope>() <= 64);
    }

    #[test]
    fn try_classify_agrees_with_classify() {
        // Field 1 = 1 (a notification's timestamp, a request's request_id); a heartbeat.
        for good in [&[0x08, 0x01][..], &[]] {
            let bytes = Bytes::copy_from_slice(good);
            assert_eq!(
                ServerFrame::try_classify(bytes.clone()).unwrap(),
                ServerFrame::classify(bytes.clone()).unwrap()
            );
            assert_eq!(
                ClientFrame::try_classify(bytes.clone()).unwrap(),
                ClientFrame::classify(bytes).unwrap()
            );
        }
    }
}
