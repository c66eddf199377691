//! The typed [`Answer`] a successful request completes with.

use super::error::{ClientError, InvalidResponse};
use crate::frame::{self, DataKind, RequestKind};
use crate::proto::turms_notification::{data, Data};
use crate::status::ResponseStatusCode;

/// A successful response (code 1000–1099), with its data decoded.
///
/// 1001 `NO_CONTENT` and 1002 `ALREADY_UP_TO_DATE` are successes too, usually without data.
#[derive(Debug, Clone)]
pub struct Answer {
    frame: frame::Response,
    request_kind: RequestKind,
    code: ResponseStatusCode,
    reason: Option<String>,
    data: Option<Data>,
}

impl Answer {
    /// Reads a response frame: success becomes an `Answer`; a failure code, a missing code or
    /// an unreadable frame becomes the matching [`ClientError`].
    pub(crate) fn from_frame(
        frame: frame::Response,
        request_kind: RequestKind,
    ) -> Result<Answer, ClientError> {
        let request_id = frame.request_id();
        let code = frame
            .code()
            .ok_or(ClientError::MissingCode { request_id })?;
        let invalid = |problem| ClientError::InvalidResponse {
            request_id,
            problem,
        };
        let reason = match frame.reason() {
            None => None,
            Some(Ok(reason)) => Some(reason.to_owned()),
            Some(Err(_)) => return Err(invalid(InvalidResponse::ReasonNotUtf8)),
        };
        if !code.is_success() {
            return Err(ClientError::Refused {
                request_id,
                code,
                reason,
            });
        }
        let data = frame
            .decode_data()
            .map_err(|e| invalid(InvalidResponse::Undecodable(e)))?;
        Ok(Answer {
            frame,
            request_kind,
            code,
            reason,
            data,
        })
    }

    /// The id the request was sent with.
    pub fn request_id(&self) -> i64 {
        self.frame.request_id()
    }

    /// What was asked.
    pub fn request_kind(&self) -> RequestKind {
        self.request_kind
    }

    /// The code: 1000 `OK`, 1001 `NO_CONTENT` or 1002 `ALREADY_UP_TO_DATE`.
    pub fn code(&self) -> ResponseStatusCode {
        self.code
    }

    /// The server's reason, if it sent one.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// When the server sent it (epoch milliseconds).
    pub fn timestamp(&self) -> i64 {
        self.frame.timestamp()
    }

    /// The data, decoded.
    pub fn data(&self) -> Option<&Data> {
        self.data.as_ref()
    }

    /// The data, decoded, by value.
    pub fn into_data(self) -> Option<Data> {
        self.data
    }

    /// The data's oneof member, by value.
    pub fn into_data_kind(self) -> Option<data::Kind> {
        self.data.and_then(|data| data.kind)
    }

    /// The encoded `TurmsNotification.Data`, as it arrived.
    pub fn data_bytes(&self) -> Option<&[u8]> {
        self.frame.data()
    }

    /// The whole frame, as it arrived.
    pub fn frame(&self) -> &frame::Response {
        &self.frame
    }

    /// The `data.long` a creation answers with (a message id, a group id, …).
    pub fn expect_long(self) -> Result<i64, ClientError> {
        let request_id = self.request_id();
        match self.into_data_kind() {
            Some(data::Kind::Long(value)) => Ok(value),
            other => Err(unexpected(request_id, "long", other.as_ref())),
        }
    }
}

/// The error for data of another shape than `expected`.
pub(crate) fn unexpected(
    request_id: i64,
    expected: &'static str,
    got: Option<&data::Kind>,
) -> ClientError {
    ClientError::InvalidResponse {
        request_id,
        problem: InvalidResponse::UnexpectedData {
            expected,
            got: match got {
                Some(kind) => DataKind::of(kind).name().unwrap_or("unknown data"),
                None => "no data",
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use prost::Message;

    use crate::frame::ServerFrame;
    use crate::proto::TurmsNotification;

    fn response(notification: TurmsNotification) -> frame::Response {
        match ServerFrame::classify(Bytes::from(notification.encode_to_vec())).unwrap() {
            ServerFrame::Response(response) => response,
            other => panic!("not a response: {other:?}"),
        }
    }

    #[test]
    fn success_codes_become_responses_with_data() {
        for code in [1000, 1001, 1002, 1099] {
            let frame = response(TurmsNotification {
                request_id: Some(5),
                code: Some(code),
                data: Some(Data {
                    kind: Some(data::Kind::Long(77)),
                }),
                ..Default::default()
            });
            let response =
                Answer::from_frame(frame, RequestKind::CREATE_MESSAGE_REQUEST).expect("success");
            assert_eq!(response.code().as_i32(), code);
            assert_eq!(response.request_id(), 5);
            assert_eq!(response.expect_long().unwrap(), 77);
        }
    }

    #[test]
    fn failures_missing_codes_and_bad_data_are_typed() {
        let refused = response(TurmsNotification {
            request_id: Some(5),
            code: Some(2011),
            reason: Some("no".into()),
            ..Default::default()
        });
        let error = Answer::from_frame(refused, RequestKind::CREATE_SESSION_REQUEST).unwrap_err();
        assert_eq!(error.code().as_i32(), 2011);
        assert_eq!(error.reason(), Some("no"));

        let no_code = response(TurmsNotification {
            request_id: Some(5),
            ..Default::default()
        });
        let error = Answer::from_frame(no_code, RequestKind::CREATE_MESSAGE_REQUEST).unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::INVALID_NOTIFICATION);

        let no_data = response(TurmsNotification {
            request_id: Some(5),
            code: Some(1001),
            ..Default::default()
        });
        let ok = Answer::from_frame(no_data, RequestKind::CREATE_MESSAGE_REQUEST).unwrap();
        let error = ok.expect_long().unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::INVALID_RESPONSE);
        assert!(error
            .to_string()
            .contains("expected data.long, got no data"));
    }

    #[test]
    fn undecodable_data_is_an_invalid_response() {
        // request_id 5, code 1000, data = one byte that is not a valid tag.
        let frame = Bytes::from_static(&[0x20, 0x05, 0x28, 0xe8, 0x07, 0x3a, 0x01, 0xff]);
        let Ok(ServerFrame::Response(frame)) = ServerFrame::classify(frame) else {
            panic!("expected a response")
        };
        let error = Answer::from_frame(frame, RequestKind::QUERY_MESSAGES_REQUEST).unwrap_err();
        assert_eq!(error.code(), ResponseStatusCode::INVALID_RESPONSE);
    }
}
