//! Typed Turms status codes: [`ResponseStatusCode`] and [`SessionCloseStatus`].
//!
//! Both are lossless newtypes over the `i32` that travels on the wire: any number converts in
//! and back out unchanged, including numbers no table knows, and nothing panics. Codes are data:
//! each known code has a named constant (usable in `match`), its reference name, a
//! [`Category`] and a meaning in English and Chinese; server codes also carry the server's
//! HTTP status and default reason; every response code has a [`StatusClass`] decided by its
//! number; close statuses have a [`CloseGroup`] and our [`Recommendation`].
//!
//! The same enums exist in `proto/turms/wire/status.proto` (package `turms.wire`, generated as
//! [`crate::proto::wire`]); `to_proto` and `From` map between the two, and the tests check that
//! the Rust tables and the protobuf enums agree number for number.
//!
//! ```
//! use turms_wire::status::{Category, ResponseStatusCode, StatusClass};
//!
//! let code = ResponseStatusCode::from_name("invalid_request").unwrap();
//! assert_eq!(code, ResponseStatusCode::INVALID_REQUEST);
//! assert_eq!(code.as_i32(), 1100);
//! assert_eq!(code.class(), StatusClass::ClientRequestError);
//! assert_eq!(code.category(), Some(Category::ClientRequestError));
//! assert_eq!(code.http_status(), Some(400));
//!
//! let names: Vec<i32> = ResponseStatusCode::all_with_name("INVALID_REQUEST")
//!     .map(ResponseStatusCode::as_i32)
//!     .collect();
//! assert_eq!(names, [1100, 100]);
//! ```

mod category;
mod class;
mod clients;
mod close;
mod response;
mod response_table;

pub use category::Category;
pub use class::StatusClass;
pub use clients::OfficialClient;
pub use close::{CloseGroup, Recommendation, SessionCloseStatus};
pub use response::ResponseStatusCode;
