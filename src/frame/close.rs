//! The close notice: why a session ends, as a close notification carries it.

use core::fmt;

use super::notification::Close;
use crate::status::{ResponseStatusCode, SessionCloseStatus};

/// Why a session ends: the `close_status` of a close notification, and its optional `code`
/// and `reason`.
///
/// What the gateway sends ([`gateway`](crate::gateway) builds one to close a session) and what
/// a client reads from a [`Close`] frame ([`Close::notice`]); the client adds where the close
/// came from.
///
/// ```
/// use turms_wire::frame::CloseNotice;
/// use turms_wire::{ResponseStatusCode, SessionCloseStatus};
///
/// let notice = CloseNotice::new(SessionCloseStatus::SERVER_ERROR)
///     .with_code(ResponseStatusCode::SERVER_INTERNAL_ERROR);
/// assert_eq!(notice.to_string(), "200 SERVER_ERROR, code 1200 SERVER_INTERNAL_ERROR");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloseNotice {
    /// The close status (`close_status`, field 11).
    pub status: SessionCloseStatus,
    /// The business code of the failure behind the close (`code`, field 5), if any.
    pub code: Option<ResponseStatusCode>,
    /// The reason text (`reason`, field 6), if any (server errors hide it by default).
    pub reason: Option<String>,
}

impl CloseNotice {
    /// A close with a status alone, as the gateway sends for timeouts, logout and kicks.
    pub fn new(status: SessionCloseStatus) -> Self {
        CloseNotice {
            status,
            code: None,
            reason: None,
        }
    }

    /// The same close with a business code.
    #[must_use]
    pub fn with_code(mut self, code: ResponseStatusCode) -> Self {
        self.code = Some(code);
        self
    }

    /// The same close with a reason text.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

impl Close {
    /// The status, code and reason as one value (a reason that is not UTF-8 read lossily).
    pub fn notice(&self) -> CloseNotice {
        CloseNotice::from(self)
    }
}

impl From<SessionCloseStatus> for CloseNotice {
    fn from(status: SessionCloseStatus) -> Self {
        CloseNotice::new(status)
    }
}

impl From<&Close> for CloseNotice {
    /// The notice a close frame carries; a reason that is not UTF-8 is read lossily (the
    /// status and code are what a client acts on).
    fn from(close: &Close) -> Self {
        CloseNotice {
            status: close.status(),
            code: close.code(),
            reason: close.reason().map(|reason| match reason {
                Ok(reason) => reason.to_owned(),
                Err(_) => {
                    String::from_utf8_lossy(close.envelope().reason_bytes().unwrap_or_default())
                        .into_owned()
                }
            }),
        }
    }
}

impl fmt::Display for CloseNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(code) = self.code {
            write!(f, ", code {code}")?;
        }
        if let Some(reason) = &self.reason {
            write!(f, ", reason {reason:?}")?;
        }
        Ok(())
    }
}
