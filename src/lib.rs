//! turms-wire: the Turms wire protocol.
#![warn(missing_docs)]

pub mod frame;
pub mod proto;
pub mod status;

pub use frame::{ClassifyError, ClientFrame, DataKind, Frame, FrameClass, RequestKind};
pub use status::{ResponseStatusCode, SessionCloseStatus};
