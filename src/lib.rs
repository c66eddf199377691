//! turms-wire: the Turms wire protocol.
#![warn(missing_docs)]

#[cfg(feature = "json")]
pub mod json;
pub mod proto;
pub mod status;

pub use status::{ResponseStatusCode, SessionCloseStatus};
