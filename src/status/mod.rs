//! Typed Turms status codes: [`ResponseStatusCode`] and [`SessionCloseStatus`].
//!
//! Both are lossless newtypes over the `i32` that travels on the wire: any number converts in
//! and back out unchanged, including numbers no table knows.

/// The status code of a response (`TurmsNotification.code`), or a code a client produces locally.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResponseStatusCode(i32);

impl ResponseStatusCode {
    /// Wraps any number; unknown numbers are kept as they are.
    pub const fn from_i32(code: i32) -> Self {
        Self(code)
    }

    /// The number as it travels on the wire.
    pub const fn as_i32(self) -> i32 {
        self.0
    }
}

impl From<i32> for ResponseStatusCode {
    fn from(code: i32) -> Self {
        Self(code)
    }
}

impl From<ResponseStatusCode> for i32 {
    fn from(code: ResponseStatusCode) -> Self {
        code.0
    }
}

impl std::fmt::Debug for ResponseStatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResponseStatusCode({})", self.0)
    }
}

/// Why a session was closed (`TurmsNotification.close_status`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionCloseStatus(i32);

impl SessionCloseStatus {
    /// Wraps any number; unknown numbers are kept as they are.
    pub const fn from_i32(status: i32) -> Self {
        Self(status)
    }

    /// The number as it travels on the wire.
    pub const fn as_i32(self) -> i32 {
        self.0
    }
}

impl From<i32> for SessionCloseStatus {
    fn from(status: i32) -> Self {
        Self(status)
    }
}

impl From<SessionCloseStatus> for i32 {
    fn from(status: SessionCloseStatus) -> Self {
        status.0
    }
}

impl std::fmt::Debug for SessionCloseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionCloseStatus({})", self.0)
    }
}
