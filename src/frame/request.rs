//! The view of a classified `TurmsRequest`, and the real gateway's acceptance rule.

use core::fmt;

use bytes::Bytes;
use prost::{DecodeError, Message};

use super::error::{ClassifyError, GatewayRejection};
use super::kind::RequestKind;
use super::scan::{self, RequestScan};
use crate::proto::{turms_request, CreateSessionRequest, TurmsRequest};

/// A request frame (a non-empty `TurmsRequest`), read without decoding its body.
///
/// Classification is tolerant, as protobuf is: fields in any order, the last `request_id` and
/// the last `kind` member win. Whether the real gateway would take the frame is a separate,
/// stricter question: [`gateway_accepts`](RequestFrame::gateway_accepts).
#[derive(Clone, PartialEq, Eq)]
pub struct RequestFrame {
    bytes: Bytes,
    scan: RequestScan,
    /// Only when the kind member occurs several times in a row: their merged payload.
    merged_body: Option<Box<[u8]>>,
}

impl RequestFrame {
    /// Scans a non-empty frame.
    #[inline(always)]
    pub(crate) fn scan(bytes: Bytes) -> Result<RequestFrame, (ClassifyError, Bytes)> {
        let mut scan = RequestScan::default();
        if let Err(error) = scan::request(&bytes, &mut scan) {
            return Err((error, bytes));
        }
        let merged_body = if scan.run > 1 {
            Some(scan::concat_occurrences(&bytes, scan.run_start, scan.kind))
        } else {
            None
        };
        Ok(RequestFrame {
            bytes,
            scan,
            merged_body,
        })
    }

    /// The whole frame.
    #[inline]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The whole frame, for forwarding it unchanged (the real gateway forwards request bytes
    /// to turms-service as they came).
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// `request_id` (field 1); when repeated, the last one (as a full decode reads it).
    #[inline]
    pub fn request_id(&self) -> Option<i64> {
        self.scan.has_request_id.then_some(self.scan.request_id)
    }

    /// Which request this is: the last `kind` member in the frame, wherever it is.
    #[inline]
    pub fn kind(&self) -> Option<RequestKind> {
        (self.scan.kind != 0).then_some(RequestKind::from_number(self.scan.kind))
    }

    /// The kind member's encoded message (the request body), if there is a kind.
    #[inline]
    pub fn body(&self) -> Option<&[u8]> {
        if self.scan.kind == 0 {
            return None;
        }
        Some(match &self.merged_body {
            Some(merged) => merged,
            None => self.scan.body.of(&self.bytes),
        })
    }

    /// How many top-level `custom_attributes` (field 2) the request carries.
    #[inline]
    pub fn custom_attributes_count(&self) -> usize {
        self.scan.custom_attributes as usize
    }

    /// Decodes the whole frame.
    pub fn decode(&self) -> Result<TurmsRequest, DecodeError> {
        TurmsRequest::decode(self.bytes.clone())
    }

    /// Decodes the request body: the `kind` member of a full decode.
    pub fn decode_body(&self) -> Result<Option<turms_request::Kind>, DecodeError> {
        self.decode().map(|request| request.kind)
    }

    /// Decodes the body of a login request; `Ok(None)` for any other kind.
    pub fn create_session_request(&self) -> Result<Option<CreateSessionRequest>, DecodeError> {
        if self.kind() != Some(RequestKind::CREATE_SESSION_REQUEST) {
            return Ok(None);
        }
        Ok(match self.decode_body()? {
            Some(turms_request::Kind::CreateSessionRequest(login)) => Some(login),
            _ => None,
        })
    }

    /// Whether the real Turms gateway would take this request, by its own strict rule
    /// (`TurmsRequestParser.parseSimpleRequest`).
    ///
    /// The gateway does not decode requests: it reads tags in order, requires `request_id`
    /// (field 1) first, exactly once, and takes the very next tag as the kind, which must be a
    /// `kind` member; it reads nothing after that except the body of a `CreateSessionRequest`,
    /// which it handles itself. So top-level `custom_attributes` in protobuf's canonical order
    /// (between `request_id` and the kind) are refused, and so is a kind before the id.
    ///
    /// Allocates only to decode a `CreateSessionRequest` body.
    pub fn gateway_accepts(&self) -> Result<(), GatewayRejection> {
        self.gateway_reading().map(drop)
    }

    /// What the real gateway reads of a request it accepts
    /// ([`gateway_accepts`](Self::gateway_accepts)): the `request_id` before the kind, which it
    /// answers with, and that kind.
    ///
    /// These can differ from a full decode's ([`request_id`](Self::request_id),
    /// [`kind`](Self::kind)) only for a request that repeats them after the kind: protobuf
    /// keeps the last, the gateway never reads that far.
    pub fn gateway_reading(&self) -> Result<GatewayReading, GatewayRejection> {
        let prefix = scan::gateway_prefix(&self.bytes);
        if prefix.duplicate_request_id {
            return Err(GatewayRejection::DuplicateRequestId);
        }
        let Some(request_id) = prefix.request_id else {
            return Err(GatewayRejection::NoRequestId);
        };
        let kind = RequestKind::from_number(prefix.first_other);
        let Some(payload) = prefix.payload.filter(|_| kind.is_known()) else {
            return Err(GatewayRejection::UnknownRequestType {
                field: prefix.first_other,
            });
        };
        if kind == RequestKind::CREATE_SESSION_REQUEST {
            CreateSessionRequest::decode(payload.of(&self.bytes))
                .map_err(GatewayRejection::InvalidCreateSessionRequest)?;
        }
        Ok(GatewayReading { request_id, kind })
    }
}

/// What the real gateway reads of a request it accepts: see [`RequestFrame::gateway_reading`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GatewayReading {
    /// The `request_id` that comes first, which the gateway's response carries.
    pub request_id: i64,
    /// The kind whose tag comes right after it.
    pub kind: RequestKind,
}

impl fmt::Debug for RequestFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("RequestFrame");
        s.field("len", &self.bytes.len());
        s.field("request_id", &self.request_id());
        s.field("kind", &self.kind());
        if let Some(body) = self.body() {
            s.field("body_len", &body.len());
        }
        if self.scan.custom_attributes > 0 {
            s.field("custom_attributes", &self.scan.custom_attributes);
        }
        s.finish()
    }
}
