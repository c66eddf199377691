//! The class of a frame: what it is to the end that receives it, without its contents.

/// The class of a frame ([`ServerFrame`](super::ServerFrame) or [`ClientFrame`](super::ClientFrame)), without its contents: for
/// counting, logging and routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FrameClass {
    /// [`ServerFrame::HeartbeatAck`](super::ServerFrame::HeartbeatAck) and [`ClientFrame::Heartbeat`](super::ClientFrame::Heartbeat): an empty frame.
    Heartbeat,
    /// [`ServerFrame::HeartbeatFailure`](super::ServerFrame::HeartbeatFailure)
    HeartbeatFailure,
    /// [`ServerFrame::Close`](super::ServerFrame::Close)
    Close,
    /// [`ServerFrame::Push`](super::ServerFrame::Push)
    Push,
    /// [`ServerFrame::Response`](super::ServerFrame::Response)
    Response,
    /// [`ServerFrame::SessionInfo`](super::ServerFrame::SessionInfo)
    SessionInfo,
    /// [`ServerFrame::Notification`](super::ServerFrame::Notification)
    Notification,
    /// [`ClientFrame::Request`](super::ClientFrame::Request)
    Request,
}

impl FrameClass {
    /// A stable lower-case name, e.g. for metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            FrameClass::Heartbeat => "heartbeat",
            FrameClass::HeartbeatFailure => "heartbeat_failure",
            FrameClass::Close => "close",
            FrameClass::Push => "push",
            FrameClass::Response => "response",
            FrameClass::SessionInfo => "session_info",
            FrameClass::Notification => "notification",
            FrameClass::Request => "request",
        }
    }
}

impl core::fmt::Display for FrameClass {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
