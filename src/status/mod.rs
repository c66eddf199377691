//! Typed Turms status codes: [`ResponseStatusCode`] and [`SessionCloseStatus`].
//!
//! Both are lossless newtypes over the `i32` that travels on the wire: any number converts in
//! and back out unchanged, including numbers no table knows, and nothing panics. Codes are data:
//! each known code has a named constant (usable in `match`), its reference name, a
//! [`Category`] and a meaning in English and Chinese; server codes also carry the server's
//! HTTP status and default reason; every response code has a [`StatusClass`] decided by its
//! number; close statuses have a [`CloseGroup`] and our [`Recommendation`].
//!
//! Every code and its facts are written once, in `proto/turms/wire/status.proto`: the values of
//! its enums, each with a custom option (declared in `proto/turms/wire/options.proto`) holding
//! its category, meanings, HTTP status and default reason, or the clients that define it, or,
//! for close statuses, whether the gateway sends it and our recommendation. `build.rs`
//! generates this module's tables and constants, and [`Category`], from them. prost generates
//! the same enums as [`crate::proto::wire`]; `From`, `TryFrom` (error: [`NotInProtoEnum`]) and
//! `to_proto` map between the two. `docs/status-codes.md` tells how to change a code.
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

#[cfg(test)]
mod tests {
    use prost_reflect::DescriptorPool;

    use super::*;
    use crate::proto::wire as proto;

    fn pool() -> DescriptorPool {
        DescriptorPool::decode(crate::proto::FILE_DESCRIPTOR_SET).expect("descriptor set")
    }

    /// Every value of the prost enum, read from the schema: (number, value name).
    fn schema_values(enum_name: &str) -> Vec<(i32, String)> {
        pool()
            .get_enum_by_name(enum_name)
            .unwrap_or_else(|| panic!("{enum_name}"))
            .values()
            .map(|v| (v.number(), v.name().to_owned()))
            .collect()
    }

    #[test]
    fn every_prost_response_code_maps_to_the_code_of_the_same_name_and_back() {
        let values = schema_values("turms.wire.ResponseStatusCode");
        for (number, value_name) in &values {
            let p = proto::ResponseStatusCode::try_from(*number).expect("prost knows the value");
            assert_eq!(p.as_str_name(), value_name);
            let code = ResponseStatusCode::from(p);
            assert_eq!(code.as_i32(), *number);
            assert_eq!(proto::ResponseStatusCode::try_from(code), Ok(p), "{code}");
            if *number == 0 {
                assert!(!code.is_known());
                assert_eq!(code.to_proto(), None);
                continue;
            }
            let constant = value_name.strip_prefix("RESPONSE_STATUS_CODE_").unwrap();
            assert!(code.is_known(), "{value_name}");
            assert_eq!(code.constant_name(), Some(constant));
            assert_eq!(ResponseStatusCode::from_name(constant), Some(code));
            assert_eq!(code.to_proto(), Some(p));
        }
        // And the other way: every code of the table is one of those values, in their order.
        let numbers: Vec<i32> = values.iter().map(|v| v.0).filter(|n| *n != 0).collect();
        let table: Vec<i32> = ResponseStatusCode::all().map(i32::from).collect();
        assert_eq!(table, numbers);
    }

    #[test]
    fn every_prost_close_status_maps_to_the_status_of_the_same_name_and_back() {
        let values = schema_values("turms.wire.SessionCloseStatus");
        for (number, value_name) in &values {
            let p = proto::SessionCloseStatus::try_from(*number).expect("prost knows the value");
            assert_eq!(p.as_str_name(), value_name);
            let status = SessionCloseStatus::from(p);
            assert_eq!(status.as_i32(), *number);
            assert_eq!(
                proto::SessionCloseStatus::try_from(status),
                Ok(p),
                "{status}"
            );
            if *number == 0 {
                assert!(!status.is_known());
                assert_eq!(status.to_proto(), None);
                continue;
            }
            let name = value_name.strip_prefix("SESSION_CLOSE_STATUS_").unwrap();
            assert_eq!(status.name(), Some(name));
            assert_eq!(SessionCloseStatus::from_name(name), Some(status));
            assert_eq!(status.to_proto(), Some(p));
        }
        let numbers: Vec<i32> = values.iter().map(|v| v.0).filter(|n| *n != 0).collect();
        let table: Vec<i32> = SessionCloseStatus::all().map(i32::from).collect();
        assert_eq!(table, numbers);
    }

    #[test]
    fn numbers_outside_the_prost_enums_are_typed_errors_and_stay_lossless() {
        for n in [i32::MIN, -1, 2, 999, 1003, 7777, i32::MAX] {
            let code = ResponseStatusCode::from(n);
            assert_eq!(i32::from(code), n);
            let error = proto::ResponseStatusCode::try_from(code).unwrap_err();
            assert_eq!(error, NotInProtoEnum(code));
            assert_eq!(error.code(), code);
            assert_eq!(
                error.to_string(),
                format!("{n} (unknown) has no value in the protobuf enum")
            );

            let status = SessionCloseStatus::from(n);
            assert_eq!(i32::from(status), n);
            let error = proto::SessionCloseStatus::try_from(status).unwrap_err();
            assert_eq!(error.code(), status);
        }
        // 0 is the prost enums' `Unspecified`, which names no code.
        let zero = ResponseStatusCode::from(proto::ResponseStatusCode::Unspecified);
        assert_eq!(zero, ResponseStatusCode::from_i32(0));
        assert_eq!(
            proto::ResponseStatusCode::try_from(zero),
            Ok(proto::ResponseStatusCode::Unspecified)
        );
        assert_eq!(
            proto::SessionCloseStatus::try_from(SessionCloseStatus::from_i32(0)),
            Ok(proto::SessionCloseStatus::Unspecified)
        );
    }

    #[test]
    fn the_embedded_schema_leaves_the_build_annotations_out() {
        let pool = pool();
        let files: Vec<String> = pool.files().map(|f| f.name().to_owned()).collect();
        let has = |name: &str| files.iter().any(|f| f == name);
        assert!(!has("turms/wire/options.proto"), "{files:?}");
        assert!(!has("google/protobuf/descriptor.proto"), "{files:?}");
        assert!(has("turms/wire/status.proto"), "{files:?}");
        assert!(pool.get_enum_by_name("turms.wire.Category").is_none());
    }
}
