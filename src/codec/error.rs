//! What can go wrong in the framing layer.

use std::io;

/// A violation of the varint32 framing, or an I/O error underneath it.
///
/// A framing error ends the stream: once a length prefix is wrong there is no way to find the
/// next frame. Problems *inside* an intact frame (a body that is not valid protobuf) are not
/// framing errors; the role codecs report them per frame and carry on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// The length prefix did not end within 5 bytes (the 5th byte had its continuation bit set).
    #[error("varint length prefix longer than 5 bytes")]
    VarintTooLong,
    /// The length prefix declared 2^31 or more: negative as the gateway's int32, or wider than
    /// 32 bits.
    #[error("length prefix declares {declared}, which is not a non-negative int32")]
    LengthOverflow {
        /// The value the prefix spelled out (at most 35 bits wide).
        declared: u64,
    },
    /// The length prefix declared more than this codec accepts. Checked on the header, before
    /// any buffer is grown for the body.
    #[error("frame length {len} exceeds max {max}")]
    FrameTooLarge {
        /// The declared body length.
        len: usize,
        /// The configured inbound limit.
        max: usize,
    },
    /// The stream ended inside a length prefix.
    #[error("stream ended inside a length prefix after {received} byte(s)")]
    TruncatedHeader {
        /// How many prefix bytes had arrived.
        received: usize,
    },
    /// The stream ended inside a frame body.
    #[error("stream ended inside a frame: {received} of {expected} byte(s) received")]
    TruncatedFrame {
        /// The declared body length.
        expected: usize,
        /// How many body bytes had arrived.
        received: usize,
    },
    /// A frame was refused before anything was written.
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    /// The underlying transport failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Why a frame was not sent, on any transport; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// The body is larger than the outbound limit.
    #[error("outbound frame of {len} bytes exceeds max {max}")]
    TooLarge {
        /// The body length that was refused.
        len: usize,
        /// The outbound limit.
        max: usize,
    },
    /// A message encoded to zero bytes, which the peer would read as a heartbeat (or heartbeat
    /// ack). Send the heartbeat type instead if that is what is meant.
    #[error("message encodes to zero bytes, which reads as a heartbeat")]
    EmptyMessage,
}

impl OutboundError {
    /// A stable snake_case identifier of the variant.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "outbound_too_large",
            Self::EmptyMessage => "empty_message",
        }
    }

    /// Checks a body of `len` bytes against `max`; `may_be_empty` for heartbeats and raw
    /// bodies, which are sent as given.
    pub(crate) fn check(len: usize, max: usize, may_be_empty: bool) -> Result<(), OutboundError> {
        if len > max {
            return Err(OutboundError::TooLarge { len, max });
        }
        if len == 0 && !may_be_empty {
            return Err(OutboundError::EmptyMessage);
        }
        Ok(())
    }
}

impl FramingError {
    /// A stable snake_case identifier of the variant, for machine-readable reports (the
    /// [`Display`](std::fmt::Display) text carries the details).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::VarintTooLong => "varint_too_long",
            Self::LengthOverflow { .. } => "length_overflow",
            Self::FrameTooLarge { .. } => "frame_too_large",
            Self::TruncatedHeader { .. } => "truncated_header",
            Self::TruncatedFrame { .. } => "truncated_frame",
            Self::Outbound(refused) => refused.kind_name(),
            Self::Io(_) => "io",
        }
    }

    /// True for errors caused by the bytes received (as opposed to I/O or outbound refusals).
    pub fn is_inbound_violation(&self) -> bool {
        matches!(
            self,
            Self::VarintTooLong
                | Self::LengthOverflow { .. }
                | Self::FrameTooLarge { .. }
                | Self::TruncatedHeader { .. }
                | Self::TruncatedFrame { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_distinct() {
        let errors = [
            FramingError::VarintTooLong,
            FramingError::LengthOverflow { declared: 1 << 31 },
            FramingError::FrameTooLarge { len: 2, max: 1 },
            FramingError::TruncatedHeader { received: 1 },
            FramingError::TruncatedFrame {
                expected: 2,
                received: 1,
            },
            FramingError::Outbound(OutboundError::TooLarge { len: 2, max: 1 }),
            FramingError::Outbound(OutboundError::EmptyMessage),
            FramingError::Io(io::Error::other("x")),
        ];
        let names: std::collections::BTreeSet<&str> =
            errors.iter().map(FramingError::kind_name).collect();
        assert_eq!(names.len(), errors.len());
        assert_eq!(FramingError::VarintTooLong.kind_name(), "varint_too_long");
    }
}
