//! turms-wire: the Turms wire protocol.
#![warn(missing_docs)]

#[cfg(feature = "client")]
pub mod client;
pub mod codec;
pub mod frame;
#[cfg(feature = "json")]
pub mod json;
pub mod proto;
pub mod status;
#[cfg(feature = "ws")]
pub mod ws;

pub use frame::{ClientFrame, Frame, FrameClass};
pub use status::{ResponseStatusCode, SessionCloseStatus};
