//! Message encoding in the field order the gateway accepts.
//!
//! The gateway does not decode a request fully: its fast-path parser reads tag 8
//! (`request_id`) and takes the first other tag as the request's kind, then stops. A request
//! whose kind is not the very next field after `request_id` is rejected (`INVALID_REQUEST`,
//! or `UNAUTHORIZED_REQUEST` once logged in) and counts toward an automatic block. prost writes
//! fields in numeric order, which puts a non-empty top-level `custom_attributes` (field 2)
//! between them; [`encode_request`] writes `request_id`, then the kind, then
//! `custom_attributes`. Every protobuf decoder reads fields in any order, so the result still
//! decodes to the same message.

use bytes::{Bytes, BytesMut};
use prost::Message;

use crate::proto::{TurmsNotification, TurmsRequest};

/// Field number of `TurmsRequest.request_id`.
const REQUEST_ID_FIELD: u32 = 1;
/// Field number of `TurmsRequest.custom_attributes`.
const CUSTOM_ATTRIBUTES_FIELD: u32 = 2;

/// Appends `request` to `dst`, `request_id` first and the `kind` field right after it.
///
/// Exactly [`TurmsRequest::encoded_len`] bytes are written (field order does not change the
/// size). No length prefix: the framing adds it.
pub fn encode_request(request: &TurmsRequest, dst: &mut BytesMut) {
    dst.reserve(request.encoded_len());
    encode_request_fields(request, dst);
}

/// Writes the fields without reserving: for callers that already reserved prefix and body.
pub(crate) fn encode_request_fields(request: &TurmsRequest, dst: &mut BytesMut) {
    if let Some(request_id) = &request.request_id {
        prost::encoding::int64::encode(REQUEST_ID_FIELD, request_id, dst);
    }
    if let Some(kind) = &request.kind {
        kind.encode(dst);
    }
    prost::encoding::message::encode_repeated(
        CUSTOM_ATTRIBUTES_FIELD,
        &request.custom_attributes,
        dst,
    );
}

/// `request` encoded as [`encode_request`] does, as one buffer.
pub fn request_to_bytes(request: &TurmsRequest) -> Bytes {
    let mut dst = BytesMut::with_capacity(request.encoded_len());
    encode_request_fields(request, &mut dst);
    dst.freeze()
}

/// Appends `notification` to `dst` in prost's (numeric) field order. Clients accept any order.
pub fn encode_notification(notification: &TurmsNotification, dst: &mut BytesMut) {
    dst.reserve(notification.encoded_len());
    notification.encode_raw(dst);
}

/// `notification` encoded as one buffer.
pub fn notification_to_bytes(notification: &TurmsNotification) -> Bytes {
    Bytes::from(notification.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{turms_request::Kind, value, DeleteSessionRequest, Value};

    #[test]
    fn custom_attributes_follow_the_kind() {
        let request = TurmsRequest {
            request_id: Some(2),
            custom_attributes: vec![Value {
                kind: Some(value::Kind::Int32Value(7)),
                ..Value::default()
            }],
            kind: Some(Kind::DeleteSessionRequest(DeleteSessionRequest::default())),
        };
        let ours = request_to_bytes(&request);
        // prost alone puts field 2 before field 4.
        assert_eq!(
            request.encode_to_vec(),
            [0x08, 0x02, 0x12, 0x02, 0x08, 0x07, 0x22, 0x00]
        );
        assert_eq!(&ours[..], [0x08, 0x02, 0x22, 0x00, 0x12, 0x02, 0x08, 0x07]);
        assert_eq!(TurmsRequest::decode(ours).unwrap(), request);
    }
}
