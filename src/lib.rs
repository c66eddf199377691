//! turms-wire: the Turms wire protocol.
#![warn(missing_docs)]

pub mod proto;
