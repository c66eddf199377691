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

/// What both code newtypes share, around their module's sorted `ENTRIES` table: the `i32` in
/// and out unchanged, the known numbers and the lookup of one, the prost enum in, and
/// `Display`/`Debug` as `number NAME` or `number (unknown)`.
macro_rules! wire_code_impls {
    ($code:ident, all: $all_doc:literal, known: $known_doc:literal $(,)?) => {
        impl $code {
            /// Wraps any number; unknown numbers are kept as they are.
            pub const fn from_i32(number: i32) -> Self {
                Self(number)
            }

            /// The number as it travels on the wire.
            pub const fn as_i32(self) -> i32 {
                self.0
            }

            #[doc = $all_doc]
            pub fn all() -> impl ExactSizeIterator<Item = Self> + DoubleEndedIterator + Clone {
                ENTRIES.iter().map(|e| Self(e.number))
            }

            #[doc = $known_doc]
            pub fn is_known(self) -> bool {
                self.entry().is_some()
            }

            /// The table row of a known number (the table is sorted by number).
            fn entry(self) -> Option<&'static Entry> {
                ENTRIES
                    .binary_search_by_key(&self.0, |e| e.number)
                    .ok()
                    .map(|i| &ENTRIES[i])
            }
        }

        impl From<i32> for $code {
            fn from(number: i32) -> Self {
                Self(number)
            }
        }

        impl From<$code> for i32 {
            fn from(code: $code) -> Self {
                code.0
            }
        }

        impl From<crate::proto::wire::$code> for $code {
            /// Keeps the number; `Unspecified` becomes 0, which is not a code.
            fn from(code: crate::proto::wire::$code) -> Self {
                Self(code as i32)
            }
        }

        impl TryFrom<$code> for crate::proto::wire::$code {
            type Error = crate::status::NotInProtoEnum<$code>;

            /// The value with the same number, the inverse of `From`: 0 gives `Unspecified`
            /// back, a number the enum does not have (one no table knows) is an error.
            /// [`to_proto`]($code::to_proto) is the same but for 0, which names no code.
            fn try_from(code: $code) -> Result<Self, Self::Error> {
                Self::try_from(code.0).map_err(|_| crate::status::NotInProtoEnum(code))
            }
        }

        impl std::fmt::Display for $code {
            /// `1100 INVALID_REQUEST`, or `7777 (unknown)`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{} {}", self.0, name),
                    None => write!(f, "{} (unknown)", self.0),
                }
            }
        }

        impl std::fmt::Debug for $code {
            /// The same as `Display`, so frames print their codes readably.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(self, f)
            }
        }
    };
}

/// The error of converting a [`ResponseStatusCode`] or a [`SessionCloseStatus`] into its
/// protobuf enum (`TryFrom`): the enum has no value with that number. A prost enum cannot hold
/// a number its schema does not declare, unlike the newtypes.
///
/// ```
/// use turms_wire::proto::wire as proto;
/// use turms_wire::status::{NotInProtoEnum, ResponseStatusCode};
///
/// let known = proto::ResponseStatusCode::try_from(ResponseStatusCode::OK);
/// assert_eq!(known, Ok(proto::ResponseStatusCode::Ok));
///
/// let unknown = proto::ResponseStatusCode::try_from(ResponseStatusCode::from_i32(7777));
/// let error: NotInProtoEnum<ResponseStatusCode> = unknown.unwrap_err();
/// assert_eq!(error.code().as_i32(), 7777);
/// assert_eq!(error.to_string(), "7777 (unknown) has no value in the protobuf enum");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotInProtoEnum<C>(C);

impl<C: Copy> NotInProtoEnum<C> {
    /// The code that has no protobuf value, unchanged.
    pub fn code(&self) -> C {
        self.0
    }
}

impl<C: std::fmt::Display> std::fmt::Display for NotInProtoEnum<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} has no value in the protobuf enum", self.0)
    }
}

impl<C: std::fmt::Debug + std::fmt::Display> std::error::Error for NotInProtoEnum<C> {}

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
