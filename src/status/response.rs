//! [`ResponseStatusCode`]: the code of a response, lossless over the wire's `i32`.

use super::category::Category;
use super::class::StatusClass;
use super::clients::OfficialClient;
use super::response_table::{Entry, LocalSupport, Source, ENTRIES};
use crate::proto::wire as proto;

/// The status code of a response (`TurmsNotification.code`), or a code a client produces locally.
///
/// A newtype over the `i32` on the wire, like `http::StatusCode`: every number converts in and
/// back out unchanged, including numbers no table knows, and nothing here panics. Known codes
/// are associated constants, so they work in `match`:
///
/// ```
/// use turms_wire::ResponseStatusCode;
///
/// let code = ResponseStatusCode::from_i32(3403);
/// match code {
///     ResponseStatusCode::OK | ResponseStatusCode::NO_CONTENT => {}
///     ResponseStatusCode::ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED => {
///         assert_eq!(code.to_string(), "3403 ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED");
///     }
///     other => panic!("unexpected {other}"),
/// }
/// assert!(code.is_business_error());
/// assert_eq!(ResponseStatusCode::from(7777).to_string(), "7777 (unknown)");
/// ```
///
/// # Names
///
/// [`name`](Self::name) is the name the Turms reference gives a number. Three client-local
/// codes share their name with a server code (100 and 1100 are both `INVALID_REQUEST`, 101 and
/// 1101 `CLIENT_REQUESTS_TOO_FREQUENT`, 103 and 1102 `ILLEGAL_ARGUMENT`); their constants carry
/// a `LOCAL_` prefix ([`LOCAL_INVALID_REQUEST`](Self::LOCAL_INVALID_REQUEST)), and
/// [`from_name`](Self::from_name) of the plain name finds the server code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResponseStatusCode(i32);

impl ResponseStatusCode {
    /// The code whose constant is `name`, ignoring ASCII case: `"INVALID_REQUEST"` is 1100,
    /// `"LOCAL_INVALID_REQUEST"` is 100. `None` if no code has that name.
    pub fn from_name(name: &str) -> Option<Self> {
        ENTRIES
            .iter()
            .find(|e| e.constant.eq_ignore_ascii_case(name))
            .map(|e| Self(e.number))
    }

    /// Every code called `name` (ignoring ASCII case), the one [`from_name`](Self::from_name)
    /// finds first: `"INVALID_REQUEST"` yields 1100, then 100.
    pub fn all_with_name(name: &str) -> impl Iterator<Item = Self> + '_ {
        let first = Self::from_name(name);
        let others = ENTRIES
            .iter()
            .filter(move |e| {
                e.name.eq_ignore_ascii_case(name) && Some(e.number) != first.map(Self::as_i32)
            })
            .map(|e| Self(e.number));
        first.into_iter().chain(others)
    }

    /// The reference name (`"INVALID_REQUEST"` for both 1100 and 100); `None` if unknown.
    pub fn name(self) -> Option<&'static str> {
        self.entry().map(|e| e.name)
    }

    /// The name of the Rust constant (`"LOCAL_INVALID_REQUEST"` for 100): unique per code.
    pub fn constant_name(self) -> Option<&'static str> {
        self.entry().map(|e| e.constant)
    }

    /// The group the reference puts the code in (or ours, for codes it does not list).
    pub fn category(self) -> Option<Category> {
        self.entry().map(|e| e.category)
    }

    /// What the code means for a client, in English.
    pub fn meaning_en(self) -> Option<&'static str> {
        self.entry().map(|e| e.meaning_en)
    }

    /// What the code means for a client, in Chinese.
    pub fn meaning_zh(self) -> Option<&'static str> {
        self.entry().map(|e| e.meaning_zh)
    }

    /// The reason text the server sends when it has no more specific one; server codes only.
    pub fn default_reason(self) -> Option<&'static str> {
        match self.entry()?.source {
            Source::Server { default_reason, .. } => Some(default_reason),
            Source::Local(_) => None,
        }
    }

    /// The HTTP status the server's admin API pairs with the code; server codes only (IM
    /// clients receive the business code alone).
    pub fn http_status(self) -> Option<u16> {
        match self.entry()?.source {
            Source::Server { http_status, .. } => Some(http_status),
            Source::Local(_) => None,
        }
    }

    /// `true` for a known code the server sends (1000 and above).
    pub fn is_server_code(self) -> bool {
        matches!(self.entry(), Some(e) if matches!(e.source, Source::Server { .. }))
    }

    /// `true` for the client-local codes the reference still lists but no official client
    /// defines any more: 400 `MESSAGE_IS_REJECTED` and 500 `QUERY_PROFILE_URL_TO_UPDATE_BEFORE_LOGIN`.
    pub fn is_retired(self) -> bool {
        matches!(
            self.entry(),
            Some(Entry {
                source: Source::Local(LocalSupport::Retired),
                ..
            })
        )
    }

    /// The official clients whose code list has this number: all five for server codes
    /// except the admin-only ones (1300–1999) and for most client-local codes, Swift alone for
    /// 80 `NETWORK_ERROR`, none for retired and unknown codes.
    pub fn official_clients(self) -> &'static [OfficialClient] {
        const NONE: &[OfficialClient] = &[];
        const SWIFT: &[OfficialClient] = &[OfficialClient::Swift];
        let Some(entry) = self.entry() else {
            return NONE;
        };
        match entry.source {
            Source::Server { .. } if self.is_admin_api() => NONE,
            Source::Server { .. } | Source::Local(LocalSupport::AllClients) => &OfficialClient::ALL,
            Source::Local(LocalSupport::SwiftOnly) => SWIFT,
            Source::Local(LocalSupport::Retired) => NONE,
        }
    }

    /// `true` if at least one official client defines this number (see
    /// [`official_clients`](Self::official_clients)).
    pub fn known_by_official_clients(self) -> bool {
        !self.official_clients().is_empty()
    }

    /// The class of the code (success, client request error, …); see [`StatusClass`].
    pub fn class(self) -> StatusClass {
        match StatusClass::of_server_range(self.0) {
            Some(class) => class,
            None if self.is_known() => StatusClass::ClientLocal,
            None => StatusClass::Unknown,
        }
    }

    /// 1000–1099: the request succeeded (the official clients' `isSuccessCode`).
    pub const fn is_success(self) -> bool {
        matches!(self.0, 1000..=1099)
    }

    /// 1100–1199: the server rejected the request as malformed, unauthorized or too frequent.
    pub const fn is_client_request_error(self) -> bool {
        matches!(self.0, 1100..=1199)
    }

    /// 1200–1299: the server failed (the server's `isServerError`).
    pub const fn is_server_error(self) -> bool {
        matches!(self.0, 1200..=1299)
    }

    /// 1300–1999: an error of the admin HTTP API.
    pub const fn is_admin_api(self) -> bool {
        matches!(self.0, 1300..=1999)
    }

    /// 2000 and above: a business rule refused the request.
    pub const fn is_business_error(self) -> bool {
        self.0 >= 2000
    }

    /// A known code below 1000 that a client produces itself.
    pub fn is_client_local(self) -> bool {
        self.class() == StatusClass::ClientLocal
    }

    /// A number below 1000 that nobody defines (0 and negative numbers included).
    pub fn is_unknown_class(self) -> bool {
        self.class() == StatusClass::Unknown
    }

    /// The matching value of the protobuf enum `turms.wire.ResponseStatusCode`; `None` for
    /// unknown numbers and for 0, which the enum reserves for "unspecified".
    pub fn to_proto(self) -> Option<proto::ResponseStatusCode> {
        proto::ResponseStatusCode::try_from(self.0)
            .ok()
            .filter(|p| *p != proto::ResponseStatusCode::Unspecified)
    }
}

wire_code_impls! {
    ResponseStatusCode,
    all: "Every known code, ascending: client-local codes first, then server codes.",
    known: "`true` if some table (server or official client) defines this number.",
}
