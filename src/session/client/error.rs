//! [`ClientError`]: every way a client call can fail, each with the status code it stands for.

use std::time::Duration;

use super::event::CloseInfo;
use crate::status::ResponseStatusCode;
use crate::transport::TransportError;

/// Why a client call failed.
///
/// Every error maps to a [`ResponseStatusCode`] ([`code`](ClientError::code)): the server's
/// code when the server refused the request, and the client-local codes the official clients
/// use for failures that happen on this side (`1 CONNECT_TIMEOUT`, `102 REQUEST_TIMEOUT`,
/// `200 INVALID_NOTIFICATION`, `300 CLIENT_SESSION_ALREADY_ESTABLISHED`,
/// `301 CLIENT_SESSION_HAS_BEEN_CLOSED`, …), so callers can branch on one number whatever the
/// source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a code outside 1000–1099.
    #[error("request {request_id} refused: {code}{}", reason_suffix(reason))]
    Refused {
        /// The id of the refused request.
        request_id: i64,
        /// The server's code.
        code: ResponseStatusCode,
        /// The server's reason, if it gave one (server errors hide it by default).
        reason: Option<String>,
    },
    /// The server refused a heartbeat (`request_id = -100`): 2104 when it has no session for
    /// this connection, 1201 when it is unavailable.
    #[error("heartbeat refused: {}{}", option_code(*code), reason_suffix(reason))]
    HeartbeatRefused {
        /// The server's code (a failure without one is reported as `None`).
        code: Option<ResponseStatusCode>,
        /// The server's reason, if any.
        reason: Option<String>,
    },
    /// The connection could not be established: a bad address, refused, unreachable, a failed
    /// handshake, or no connection within the connect timeout.
    #[error(transparent)]
    Connect(TransportError),
    /// No response arrived within the request timeout. The server may still have handled the
    /// request.
    #[error("no response to request {request_id} within {timeout:?}")]
    RequestTimeout {
        /// The id the request was sent with (0 for a heartbeat, which has none).
        request_id: i64,
        /// The timeout that ran out.
        timeout: Duration,
    },
    /// The response carried no code, so it says neither success nor failure.
    #[error("response to request {request_id} has no code")]
    MissingCode {
        /// The id of the request.
        request_id: i64,
    },
    /// The response could not be read: a reason that is not UTF-8, data that is not valid
    /// protobuf, or data of another shape than the request expects.
    #[error("invalid response to request {request_id}: {problem}")]
    InvalidResponse {
        /// The id of the request.
        request_id: i64,
        /// What is wrong with it.
        problem: InvalidResponse,
    },
    /// `login` was called while a session is open or being opened.
    #[error("a session is already established on this connection")]
    SessionAlreadyEstablished,
    /// A request was made before login.
    #[error("no session: log in first")]
    NotLoggedIn,
    /// The session is closed (before or while the call was in flight).
    #[error("the session has been closed: {0}")]
    SessionClosed(CloseInfo),
    /// The request was refused locally before anything was sent: it is too large for the
    /// gateway, or it is a kind the generic call does not send (login and logout have their
    /// own calls).
    #[error("request not sent: {problem}")]
    InvalidRequest {
        /// Why it was not sent.
        problem: InvalidRequest,
    },
    /// Too many requests are waiting for their responses; nothing was sent.
    #[error("{limit} requests are already waiting for responses")]
    TooManyPendingRequests {
        /// The configured limit.
        limit: usize,
    },
}

/// What is wrong with a response the server sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidResponse {
    /// `reason` is not valid UTF-8.
    #[error("reason is not UTF-8")]
    ReasonNotUtf8,
    /// `data` is not a valid `TurmsNotification.Data`.
    #[error("data does not decode: {0}")]
    Undecodable(prost::DecodeError),
    /// `data` holds something other than the request's answer.
    #[error("expected data.{expected}, got {got}")]
    UnexpectedData {
        /// The `data.kind` member the request answers with.
        expected: &'static str,
        /// What the response held instead (`"no data"` when it had none).
        got: &'static str,
    },
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidRequest {
    /// The encoded request is larger than the gateway accepts.
    #[error("{len}-byte request exceeds the {max}-byte limit")]
    TooLarge {
        /// The encoded size.
        len: usize,
        /// The outbound limit.
        max: usize,
    },
    /// Login and logout have calls of their own, which track the session
    /// ([`ClientSession::login`](super::ClientSession::login),
    /// [`ClientSession::logout`](super::ClientSession::logout)).
    #[error("{0} has its own call")]
    SessionRequest(&'static str),
    /// An argument the request needs is missing or empty.
    #[error("{0}")]
    IllegalArgument(&'static str),
}

impl ClientError {
    /// The status code this error stands for: the server's for [`Refused`](Self::Refused) and
    /// [`HeartbeatRefused`](Self::HeartbeatRefused), a client-local code otherwise.
    pub fn code(&self) -> ResponseStatusCode {
        match self {
            ClientError::Refused { code, .. } => *code,
            ClientError::HeartbeatRefused { code, .. } => {
                code.unwrap_or(ResponseStatusCode::INVALID_NOTIFICATION)
            }
            ClientError::Connect(TransportError::InvalidAddress { .. }) => {
                ResponseStatusCode::LOCAL_ILLEGAL_ARGUMENT
            }
            ClientError::Connect(TransportError::ConnectTimeout { .. }) => {
                ResponseStatusCode::CONNECT_TIMEOUT
            }
            ClientError::Connect(_) => ResponseStatusCode::NETWORK_ERROR,
            ClientError::RequestTimeout { .. } => ResponseStatusCode::REQUEST_TIMEOUT,
            ClientError::MissingCode { .. } => ResponseStatusCode::INVALID_NOTIFICATION,
            ClientError::InvalidResponse { .. } => ResponseStatusCode::INVALID_RESPONSE,
            ClientError::SessionAlreadyEstablished => {
                ResponseStatusCode::CLIENT_SESSION_ALREADY_ESTABLISHED
            }
            ClientError::NotLoggedIn | ClientError::SessionClosed(_) => {
                ResponseStatusCode::CLIENT_SESSION_HAS_BEEN_CLOSED
            }
            ClientError::InvalidRequest {
                problem: InvalidRequest::IllegalArgument(_),
            } => ResponseStatusCode::LOCAL_ILLEGAL_ARGUMENT,
            ClientError::InvalidRequest { .. } => ResponseStatusCode::LOCAL_INVALID_REQUEST,
            ClientError::TooManyPendingRequests { .. } => {
                ResponseStatusCode::LOCAL_CLIENT_REQUESTS_TOO_FREQUENT
            }
        }
    }

    /// The server's reason, for errors that carry one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ClientError::Refused { reason, .. } | ClientError::HeartbeatRefused { reason, .. } => {
                reason.as_deref()
            }
            ClientError::SessionClosed(info) => info.reason(),
            _ => None,
        }
    }

    /// `true` when the server answered (the request reached it and was refused), as opposed
    /// to a failure on this side or on the way.
    pub fn is_server_refusal(&self) -> bool {
        matches!(
            self,
            ClientError::Refused { .. } | ClientError::HeartbeatRefused { .. }
        )
    }

    /// `true` when the connection could not be made or is gone: connect failures and
    /// timeouts, and closes that did not come from the server.
    pub fn is_connection_failure(&self) -> bool {
        match self {
            ClientError::Connect(error) => !matches!(error, TransportError::InvalidAddress { .. }),
            ClientError::SessionClosed(info) => !info.is_from_server(),
            _ => false,
        }
    }
}

fn reason_suffix(reason: &Option<String>) -> String {
    match reason {
        Some(reason) => format!(" ({reason})"),
        None => String::new(),
    }
}

fn option_code(code: Option<ResponseStatusCode>) -> String {
    match code {
        Some(code) => code.to_string(),
        None => "no code".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_failures_carry_the_official_local_codes() {
        let timeout = Duration::from_millis(5);
        let cases: [(ClientError, i32); 8] = [
            (
                ClientError::Connect(TransportError::ConnectTimeout {
                    server: "tcp://x:1".into(),
                    timeout,
                }),
                1,
            ),
            (
                ClientError::RequestTimeout {
                    request_id: 9,
                    timeout,
                },
                102,
            ),
            (ClientError::MissingCode { request_id: 9 }, 200),
            (
                ClientError::Connect(
                    "tcp://nowhere"
                        .parse::<crate::transport::ServerAddr>()
                        .unwrap_err(),
                ),
                103,
            ),
            (ClientError::SessionAlreadyEstablished, 300),
            (ClientError::NotLoggedIn, 301),
            (
                ClientError::InvalidRequest {
                    problem: InvalidRequest::TooLarge { len: 2, max: 1 },
                },
                100,
            ),
            (
                ClientError::InvalidRequest {
                    problem: InvalidRequest::IllegalArgument("empty text"),
                },
                103,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code().as_i32(), code, "{error}");
            assert!(error.code().is_client_local(), "{error}");
            assert!(!error.is_server_refusal());
        }
    }

    #[test]
    fn refusals_keep_the_server_code_and_reason() {
        let error = ClientError::Refused {
            request_id: 3,
            code: ResponseStatusCode::from_i32(2011),
            reason: Some("bad password".into()),
        };
        assert_eq!(error.code().as_i32(), 2011);
        assert_eq!(error.reason(), Some("bad password"));
        assert!(error.is_server_refusal());
        assert_eq!(
            error.to_string(),
            "request 3 refused: 2011 LOGIN_AUTHENTICATION_FAILED (bad password)"
        );
        let unknown = ClientError::Refused {
            request_id: 3,
            code: ResponseStatusCode::from_i32(9876),
            reason: None,
        };
        assert_eq!(unknown.code().as_i32(), 9876);
        assert_eq!(unknown.to_string(), "request 3 refused: 9876 (unknown)");
    }
}
