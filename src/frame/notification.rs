//! Views of a classified `TurmsNotification`: the envelope and one type per class.

use core::fmt;
use core::str::Utf8Error;

use bytes::Bytes;
use prost::{DecodeError, Message};

use super::kind::{DataKind, RequestKind};
use super::scan::{self, Envelope};
use crate::proto::{turms_notification, TurmsNotification, TurmsRequest};
use crate::status::{ResponseStatusCode, SessionCloseStatus};

/// The envelope fields of one `TurmsNotification` frame, read without decoding its payloads.
///
/// Holds the frame's bytes, the envelope's values and where its payloads lie; payloads are
/// sliced, and `reason` is checked for UTF-8, only when asked for. The values few callers
/// want (the timestamp, the requester id, and inside the payloads the session ids and the
/// relayed request's id) are read from the frame when asked for, so that every frame stays
/// small to move and cheap to classify. Every accessor returns what a full decode of
/// the frame ([`ServerFrame::decode`](super::ServerFrame::decode)) would hold in that field.
#[derive(Clone, PartialEq, Eq)]
pub struct NotificationEnvelope {
    bytes: Bytes,
    env: Envelope,
    /// Only for frames that repeat `data` or `relayed_request`: the merged payloads.
    merged: Option<Box<Merged>>,
}

/// Payloads that occur more than once in a frame; protobuf merges them, so their value is
/// the concatenation of the occurrences' bytes, which is not a range of the frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Merged {
    data: Option<Box<[u8]>>,
    relayed: Option<Box<[u8]>>,
}

/// Decodes only `data` from a whole frame, skipping every other field: the same bytes, limits
/// and merging rules as a full decode, without decoding the rest.
#[derive(Clone, PartialEq, Message)]
struct DataOnly {
    #[prost(message, optional, tag = "7")]
    data: Option<turms_notification::Data>,
}

/// Decodes only `relayed_request` from a whole frame.
#[derive(Clone, PartialEq, Message)]
struct RelayedOnly {
    #[prost(message, optional, tag = "12")]
    relayed_request: Option<TurmsRequest>,
}

impl NotificationEnvelope {
    #[inline(always)]
    pub(crate) fn new(
        bytes: Bytes,
        env: Envelope,
        merged: Option<Box<Merged>>,
    ) -> NotificationEnvelope {
        NotificationEnvelope { bytes, env, merged }
    }

    /// The merged payloads of a frame that repeats `data` or `relayed_request`.
    #[inline(always)]
    pub(crate) fn merged(bytes: &[u8], env: &Envelope) -> Option<Box<Merged>> {
        if env.has(scan::DATA_REPEATED | scan::RELAYED_REPEATED) {
            // The presence bits alone, by value: the envelope's address stays private to the
            // scan, whose fields can then live in registers.
            Some(Self::merge_repeated(bytes, env.present))
        } else {
            None
        }
    }

    #[cold]
    #[inline(never)]
    fn merge_repeated(bytes: &[u8], present: u16) -> Box<Merged> {
        let repeated =
            |bit, field| (present & bit != 0).then(|| scan::concat_occurrences(bytes, 0, field));
        Box::new(Merged {
            data: repeated(scan::DATA_REPEATED, 7),
            relayed: repeated(scan::RELAYED_REPEATED, 12),
        })
    }

    /// The whole frame.
    #[inline]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The whole frame, for forwarding it unchanged.
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// Decodes the whole frame.
    pub fn decode(&self) -> Result<TurmsNotification, DecodeError> {
        TurmsNotification::decode(self.bytes.clone())
    }

    /// `timestamp` (field 1): epoch milliseconds when the server sent the frame; 0 if absent.
    #[inline]
    pub fn timestamp(&self) -> i64 {
        match self.env.timestamp_at {
            0 => 0,
            at => scan::varint_at(&self.bytes, at) as i64,
        }
    }

    /// `request_id` (field 4): the id of the request this answers.
    #[inline]
    pub fn request_id(&self) -> Option<i64> {
        self.env
            .has(scan::REQUEST_ID)
            .then_some(self.env.request_id)
    }

    /// `code` (field 5).
    #[inline]
    pub fn code(&self) -> Option<ResponseStatusCode> {
        self.env
            .has(scan::CODE)
            .then_some(ResponseStatusCode::from_i32(self.env.code))
    }

    /// `reason` (field 6), checked for UTF-8 now (a full decode refuses the frame if it is not).
    #[inline]
    pub fn reason(&self) -> Option<Result<&str, Utf8Error>> {
        self.reason_bytes().map(core::str::from_utf8)
    }

    /// `reason` (field 6) as sent, unchecked.
    #[inline]
    pub fn reason_bytes(&self) -> Option<&[u8]> {
        self.env
            .has(scan::REASON)
            .then(|| self.env.reason.of(&self.bytes))
    }

    /// `data` (field 7), the encoded `TurmsNotification.Data`: `Some(&[])` when present but
    /// empty, `None` when absent.
    #[inline]
    pub fn data(&self) -> Option<&[u8]> {
        if !self.env.has(scan::DATA) {
            return None;
        }
        match self.merged.as_deref().and_then(|m| m.data.as_deref()) {
            Some(merged) => Some(merged),
            None => Some(self.env.data.of(&self.bytes)),
        }
    }

    /// Which member of `data.kind` is set, if `data` is present and has one.
    #[inline]
    pub fn data_kind(&self) -> Option<DataKind> {
        (self.env.data_kind != 0).then_some(DataKind::from_number(u32::from(self.env.data_kind)))
    }

    /// Decodes `data` as a full decode of the frame decodes it: from the frame, so the nesting
    /// limit counts from the top, with every occurrence merged. The other fields are skipped,
    /// not checked.
    pub fn decode_data(&self) -> Result<Option<turms_notification::Data>, DecodeError> {
        if !self.env.has(scan::DATA) {
            return Ok(None);
        }
        DataOnly::decode(self.bytes.clone()).map(|only| only.data)
    }

    /// `requester_id` (field 10): the user whose action a push notification reports.
    #[inline]
    pub fn requester_id(&self) -> Option<i64> {
        self.env
            .has(scan::REQUESTER_ID)
            .then(|| scan::varint_at(&self.bytes, self.env.requester_at) as i64)
    }

    /// `close_status` (field 11): present only in the notification that closes the session.
    #[inline]
    pub fn close_status(&self) -> Option<SessionCloseStatus> {
        self.env
            .has(scan::CLOSE_STATUS)
            .then_some(SessionCloseStatus::from_i32(self.env.close_status))
    }

    /// `relayed_request` (field 12), the encoded `TurmsRequest` a push notification relays.
    #[inline]
    pub fn relayed_request(&self) -> Option<&[u8]> {
        if !self.env.has(scan::RELAYED) {
            return None;
        }
        match self.merged.as_deref().and_then(|m| m.relayed.as_deref()) {
            Some(merged) => Some(merged),
            None => Some(self.env.relayed.of(&self.bytes)),
        }
    }

    /// Which member of `relayed_request.kind` is set, if any.
    #[inline]
    pub fn relayed_kind(&self) -> Option<RequestKind> {
        (self.env.relayed_kind != 0)
            .then_some(RequestKind::from_number(u32::from(self.env.relayed_kind)))
    }

    /// `relayed_request.request_id`: the id the original sender gave its request, which means
    /// nothing to the recipient of the push. Read from the relayed request's top level when
    /// asked for (no allocation).
    #[inline]
    pub fn relayed_request_id(&self) -> Option<i64> {
        // Read again from the relayed request: few callers want it, and every frame would
        // carry it otherwise.
        if self.env.has(scan::RELAYED_UNREADABLE) {
            return None;
        }
        let scan = scan::relayed_request(self.relayed_request()?)?;
        scan.has_request_id.then_some(scan.request_id)
    }

    /// Decodes `relayed_request` as a full decode of the frame decodes it (see
    /// [`decode_data`](Self::decode_data)).
    pub fn decode_relayed(&self) -> Result<Option<TurmsRequest>, DecodeError> {
        if !self.env.has(scan::RELAYED) {
            return Ok(None);
        }
        RelayedOnly::decode(self.bytes.clone()).map(|only| only.relayed_request)
    }

    /// How many `custom_attributes` (field 2) the frame carries.
    #[inline]
    pub fn custom_attributes_count(&self) -> usize {
        self.env.custom_attributes as usize
    }

    /// `data.user_session.session_id`, if `data` holds a `user_session` that sets it. Read from
    /// `data` when asked for (no allocation).
    #[inline]
    pub fn session_id(&self) -> Option<&str> {
        self.session_str(|ids| ids.session_id)
    }

    /// `data.user_session.server_id`, if `data` holds a `user_session` that sets it (the
    /// gateway writes an explicit empty string when it has no id: `Some("")`).
    #[inline]
    pub fn server_id(&self) -> Option<&str> {
        self.session_str(|ids| ids.server_id)
    }

    /// One of the session ids, read again from `data` (classification checked that it reads).
    fn session_str(&self, which: fn(&scan::DataScan) -> Option<scan::Span>) -> Option<&str> {
        if u32::from(self.env.data_kind) != DataKind::USER_SESSION.number() {
            return None;
        }
        let data = self.data()?;
        let mut ids = scan::DataScan::default();
        scan::data(data, scan::Span::whole(data), &mut ids).ok()?;
        core::str::from_utf8(which(&ids)?.of(data)).ok()
    }
}

impl fmt::Debug for NotificationEnvelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("NotificationEnvelope");
        s.field("len", &self.bytes.len());
        s.field("timestamp", &self.timestamp());
        if let Some(id) = self.request_id() {
            s.field("request_id", &id);
        }
        if let Some(code) = self.code() {
            s.field("code", &code);
        }
        if let Some(reason) = self.reason_bytes() {
            s.field("reason", &String::from_utf8_lossy(reason));
        }
        if let Some(data) = self.data() {
            s.field("data_len", &data.len());
            s.field("data_kind", &self.data_kind());
        }
        if let Some(id) = self.requester_id() {
            s.field("requester_id", &id);
        }
        if let Some(status) = self.close_status() {
            s.field("close_status", &status);
        }
        if let Some(relayed) = self.relayed_request() {
            s.field("relayed_len", &relayed.len());
            s.field("relayed_kind", &self.relayed_kind());
        }
        if self.env.custom_attributes > 0 {
            s.field("custom_attributes", &self.env.custom_attributes);
        }
        s.finish()
    }
}

macro_rules! envelope_view {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(pub(crate) NotificationEnvelope);

        impl $name {
            /// Every envelope field of the frame.
            #[inline]
            pub fn envelope(&self) -> &NotificationEnvelope {
                &self.0
            }

            /// The whole frame.
            #[inline]
            pub fn bytes(&self) -> &Bytes {
                &self.0.bytes
            }

            /// The whole frame, for forwarding it unchanged.
            #[inline]
            pub fn into_bytes(self) -> Bytes {
                self.0.bytes
            }

            /// `timestamp`: epoch milliseconds when the server sent the frame.
            #[inline]
            pub fn timestamp(&self) -> i64 {
                self.0.timestamp()
            }

            /// Decodes the whole frame.
            pub fn decode(&self) -> Result<TurmsNotification, DecodeError> {
                self.0.decode()
            }
        }
    };
}

envelope_view! {
    /// A response to a request: the frame has a `request_id` (and neither `close_status` nor
    /// `relayed_request`). Also the shape of a heartbeat failure (`request_id == -100`).
    Response
}

impl Response {
    /// The id of the request this answers (-100 for a heartbeat failure, -1 for a request the
    /// gateway could not parse).
    #[inline]
    pub fn request_id(&self) -> i64 {
        self.0.env.request_id
    }

    /// The status code. A response without one is malformed (official clients report a local
    /// `INVALID_NOTIFICATION`), but it is still a response.
    #[inline]
    pub fn code(&self) -> Option<ResponseStatusCode> {
        self.0.code()
    }

    /// Whether the code is a success (1000–1099, as every official client tests it).
    #[inline]
    pub fn is_success(&self) -> bool {
        self.0.has_code_in(1000..1100)
    }

    /// `reason`, checked for UTF-8 now.
    #[inline]
    pub fn reason(&self) -> Option<Result<&str, Utf8Error>> {
        self.0.reason()
    }

    /// The encoded `data`, if present.
    #[inline]
    pub fn data(&self) -> Option<&[u8]> {
        self.0.data()
    }

    /// Which member of `data.kind` is set.
    #[inline]
    pub fn data_kind(&self) -> Option<DataKind> {
        self.0.data_kind()
    }

    /// Decodes `data` as a full decode of the frame would.
    pub fn decode_data(&self) -> Result<Option<turms_notification::Data>, DecodeError> {
        self.0.decode_data()
    }
}

impl NotificationEnvelope {
    #[inline]
    fn has_code_in(&self, range: core::ops::Range<i32>) -> bool {
        self.env.has(scan::CODE) && range.contains(&self.env.code)
    }
}

envelope_view! {
    /// The notification that closes the session: the frame has `close_status` (present counts,
    /// not non-zero: a status of 0 still closes).
    Close
}

impl Close {
    /// Why the session was closed.
    #[inline]
    pub fn status(&self) -> SessionCloseStatus {
        SessionCloseStatus::from_i32(self.0.env.close_status)
    }

    /// The business code of the failure that closed it, if the server gave one.
    #[inline]
    pub fn code(&self) -> Option<ResponseStatusCode> {
        self.0.code()
    }

    /// The failure's text, if the server gave one (server errors hide it by default).
    #[inline]
    pub fn reason(&self) -> Option<Result<&str, Utf8Error>> {
        self.0.reason()
    }
}

envelope_view! {
    /// A push: another user's request, relayed by the server (`relayed_request` present).
    Push
}

impl Push {
    /// The user whose request this is, if the server said.
    #[inline]
    pub fn requester_id(&self) -> Option<i64> {
        self.0.requester_id()
    }

    /// Which request is relayed.
    #[inline]
    pub fn relayed_kind(&self) -> Option<RequestKind> {
        self.0.relayed_kind()
    }

    /// The id the sender gave its request: meaningless to the recipient, never a match for a
    /// request of its own.
    #[inline]
    pub fn relayed_request_id(&self) -> Option<i64> {
        self.0.relayed_request_id()
    }

    /// The encoded relayed `TurmsRequest`.
    #[inline]
    pub fn relayed_request(&self) -> &[u8] {
        self.0.relayed_request().unwrap_or_default()
    }

    /// Decodes the relayed request as a full decode of the frame would.
    pub fn decode_relayed(&self) -> Result<TurmsRequest, DecodeError> {
        self.0.decode_relayed().map(Option::unwrap_or_default)
    }
}

envelope_view! {
    /// The session-info push after login: `data.user_session` without a `request_id`.
    SessionInfo
}

impl SessionInfo {
    /// The session's id: the decimal string of a positive int32.
    #[inline]
    pub fn session_id(&self) -> Option<&str> {
        self.0.session_id()
    }

    /// The gateway node's id (`Some("")` when the gateway wrote an empty one).
    #[inline]
    pub fn server_id(&self) -> Option<&str> {
        self.0.server_id()
    }

    /// The session id as the number it spells (the UDP heartbeat needs it), if it is one.
    pub fn session_id_number(&self) -> Option<i32> {
        self.session_id()?.parse().ok()
    }
}

envelope_view! {
    /// Any other notification (neither a response, a close, a push nor session info).
    Notification
}

impl Notification {
    /// The encoded `data`, if present.
    #[inline]
    pub fn data(&self) -> Option<&[u8]> {
        self.0.data()
    }

    /// Which member of `data.kind` is set.
    #[inline]
    pub fn data_kind(&self) -> Option<DataKind> {
        self.0.data_kind()
    }

    /// Decodes `data` as a full decode of the frame would.
    pub fn decode_data(&self) -> Result<Option<turms_notification::Data>, DecodeError> {
        self.0.decode_data()
    }
}
