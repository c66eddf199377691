//! [`SessionCloseStatus`]: why a session was closed, lossless over the wire's `i32`, with its
//! [`CloseGroup`] and our [`Recommendation`] for what a client should do next.

use std::fmt;

use crate::proto::wire as proto;

/// The groups of close statuses, by hundreds, as the server's `SessionCloseStatus.java`
/// comments and the reference's 原因类别 column group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseGroup {
    /// 1xx: the client misbehaved (illegal request, missed heartbeats or login).
    ClientMisbehavior,
    /// 2xx: the server failed or is shutting down.
    Server,
    /// 3xx: the network connection dropped.
    Network,
    /// 4xx: an error of no known kind. Numbers outside 100–799 land here too: nothing is
    /// known about them.
    Unknown,
    /// 5xx: the user (this device or another one) ended the session.
    User,
    /// 6xx: an administrator ended the session.
    Admin,
    /// 7xx: the user's account changed (deleted, deactivated, blocked).
    UserStatus,
}

impl CloseGroup {
    /// Every group, in the order of its hundreds.
    pub const ALL: [CloseGroup; 7] = [
        CloseGroup::ClientMisbehavior,
        CloseGroup::Server,
        CloseGroup::Network,
        CloseGroup::Unknown,
        CloseGroup::User,
        CloseGroup::Admin,
        CloseGroup::UserStatus,
    ];

    /// The group of any number: by its hundreds within 100–799, [`CloseGroup::Unknown`] outside.
    pub const fn of(status: i32) -> CloseGroup {
        match status {
            100..=199 => CloseGroup::ClientMisbehavior,
            200..=299 => CloseGroup::Server,
            300..=399 => CloseGroup::Network,
            500..=599 => CloseGroup::User,
            600..=699 => CloseGroup::Admin,
            700..=799 => CloseGroup::UserStatus,
            _ => CloseGroup::Unknown,
        }
    }

    /// A stable snake_case key (`"client_misbehavior"`), as used in JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            CloseGroup::ClientMisbehavior => "client_misbehavior",
            CloseGroup::Server => "server",
            CloseGroup::Network => "network",
            CloseGroup::Unknown => "unknown",
            CloseGroup::User => "user",
            CloseGroup::Admin => "admin",
            CloseGroup::UserStatus => "user_status",
        }
    }

    /// The English label.
    pub const fn en(self) -> &'static str {
        match self {
            CloseGroup::ClientMisbehavior => "client misbehavior",
            CloseGroup::Server => "server",
            CloseGroup::Network => "network error",
            CloseGroup::Unknown => "unknown error",
            CloseGroup::User => "closed by the user",
            CloseGroup::Admin => "closed by an admin",
            CloseGroup::UserStatus => "user status change",
        }
    }

    /// The Chinese label, exactly as the reference's 原因类别 column writes it.
    pub const fn zh(self) -> &'static str {
        match self {
            CloseGroup::ClientMisbehavior => "客户端非法行为",
            CloseGroup::Server => "服务端行为",
            CloseGroup::Network => "网络层错误",
            CloseGroup::Unknown => "未知错误",
            CloseGroup::User => "用户主动关闭",
            CloseGroup::Admin => "管理员主动关闭",
            CloseGroup::UserStatus => "用户状态变更",
        }
    }
}

impl fmt::Display for CloseGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a client should do after a close, in this crate's reading of the statuses.
///
/// This is our recommendation, not the protocol's: no official client encodes one, and none
/// of them reconnects by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recommendation {
    /// Connect and log in again (after a pause): the cause is transient or on the server's side.
    Reconnect,
    /// Do not retry as is: the client sent something the server refuses.
    FixClient,
    /// Stay logged out until the user acts: they, another device, an admin or the account's
    /// status ended the session.
    StayOffline,
}

impl Recommendation {
    /// A stable snake_case key: `"reconnect"`, `"fix_client"`, `"stay_offline"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Recommendation::Reconnect => "reconnect",
            Recommendation::FixClient => "fix_client",
            Recommendation::StayOffline => "stay_offline",
        }
    }
}

impl fmt::Display for Recommendation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the close-status table.
struct Entry {
    number: i32,
    name: &'static str,
    sent_by_gateway: bool,
    recommendation: Recommendation,
    meaning_en: &'static str,
    meaning_zh: &'static str,
}

macro_rules! close_statuses {
    ($(
        $num:literal $name:ident, sent: $sent:literal, $rec:ident,
        $en:literal, $zh:literal;
    )*) => {
        /// Every known status as a named constant, usable in `match`.
        impl SessionCloseStatus {
            $(
                #[doc = concat!("`", stringify!($num), "`: ", $en)]
                #[doc = ""]
                #[doc = $zh]
                pub const $name: Self = Self::from_i32($num);
            )*
        }

        /// The rows, sorted by number (checked at compile time below).
        const ENTRIES: &[Entry] = &[
            $(
                Entry {
                    number: $num,
                    name: stringify!($name),
                    sent_by_gateway: $sent,
                    recommendation: Recommendation::$rec,
                    meaning_en: $en,
                    meaning_zh: $zh,
                },
            )*
        ];
    };
}

// Lookups binary-search the rows, so they must be sorted and free of duplicates.
const _: () = {
    let mut i = 1;
    while i < ENTRIES.len() {
        assert!(
            ENTRIES[i - 1].number < ENTRIES[i].number,
            "close status table must be sorted by number, without duplicates"
        );
        i += 1;
    }
};

// number NAME, sent by the gateway?, recommendation, meaning (en), meaning (zh: the reference's
// 含义 column).
close_statuses! {
    100 ILLEGAL_REQUEST, sent: true, FixClient,
        "The client sent a request the server deems illegal (code 1100 or 1102, carried in the close notification).",
        "非法请求";
    110 HEARTBEAT_TIMEOUT, sent: true, Reconnect,
        "Neither a request nor a heartbeat arrived within the gateway's idle limit (180 s by default).",
        "心跳超时";
    111 LOGIN_TIMEOUT, sent: true, Reconnect,
        "The client connected but did not log in in time.",
        "登录超时";
    112 SWITCH, sent: true, Reconnect,
        "The session went idle and the gateway moved it from TCP or WebSocket to UDP keep-alive; without UDP, reconnect and log in again.",
        "会话超时，TCP或WebSocket切换为UDP进入休眠保活状态";
    200 SERVER_ERROR, sent: true, Reconnect,
        "The server failed (a 12xx code, carried in the close notification) and closed the session.",
        "服务端异常错误";
    201 SERVER_CLOSED, sent: true, Reconnect,
        "The gateway is shutting down; another node may take the connection.",
        "服务端进入停机状态";
    202 SERVER_UNAVAILABLE, sent: false, Reconnect,
        "The service is unavailable; reserved, the server never sends it.",
        "服务不可用";
    300 CONNECTION_CLOSED, sent: false, Reconnect,
        "The connection dropped without a close notification; reported by clients, never sent by the server.",
        "未收到关闭帧，网络层连接被强制关闭";
    400 UNKNOWN_ERROR, sent: true, Reconnect,
        "The session ended on an error of no known kind; the close notification carries its code and reason.",
        "未知的服务端或客户端行为错误";
    500 DISCONNECTED_BY_CLIENT, sent: true, StayOffline,
        "The user logged out; the server also sends it when a login on another device takes over this session.",
        "当前用户主动请求关闭会话";
    501 DISCONNECTED_BY_OTHER_DEVICE, sent: true, StayOffline,
        "Another device of the user came online and this session was closed because of it.",
        "由于当前用户的其他设备上线，导致当前会话关闭";
    600 DISCONNECTED_BY_ADMIN, sent: true, StayOffline,
        "An administrator closed the session through the admin API.",
        "管理员通过API主动关闭会话";
    700 USER_IS_DELETED_OR_INACTIVATED, sent: true, StayOffline,
        "The user's account was deleted or deactivated.",
        "用户账号被删除或进入未激活状态";
    701 USER_IS_BLOCKED, sent: true, StayOffline,
        "The user's IP or user ID was put on the server's blocklist.",
        "用户IP或用户ID被封禁";
}

/// Why a session was closed (`TurmsNotification.close_status`).
///
/// A lossless newtype over the `i32` on the wire, like [`ResponseStatusCode`](crate::ResponseStatusCode):
/// any number converts in and back out unchanged (clients must accept statuses beyond the
/// known 14), and nothing here panics.
///
/// ```
/// use turms_wire::status::{CloseGroup, Recommendation, SessionCloseStatus};
///
/// let status = SessionCloseStatus::from_i32(110);
/// assert_eq!(status, SessionCloseStatus::HEARTBEAT_TIMEOUT);
/// assert_eq!(status.to_string(), "110 HEARTBEAT_TIMEOUT");
/// assert_eq!(status.group(), CloseGroup::ClientMisbehavior);
/// assert_eq!(status.recommendation(), Some(Recommendation::Reconnect));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionCloseStatus(i32);

impl SessionCloseStatus {
    /// The status called `name`, ignoring ASCII case; `None` if no status has that name.
    pub fn from_name(name: &str) -> Option<Self> {
        ENTRIES
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
            .map(|e| Self(e.number))
    }

    /// The name (`"HEARTBEAT_TIMEOUT"`); `None` if unknown.
    pub fn name(self) -> Option<&'static str> {
        self.entry().map(|e| e.name)
    }

    /// The group, by hundreds; see [`CloseGroup::of`].
    pub const fn group(self) -> CloseGroup {
        CloseGroup::of(self.0)
    }

    /// What the status means, in English.
    pub fn meaning_en(self) -> Option<&'static str> {
        self.entry().map(|e| e.meaning_en)
    }

    /// What the status means, in Chinese: the reference's 含义 column.
    pub fn meaning_zh(self) -> Option<&'static str> {
        self.entry().map(|e| e.meaning_zh)
    }

    /// `true` if the gateway can send this status. `false` for 202 `SERVER_UNAVAILABLE`
    /// (reserved, never produced), 300 `CONNECTION_CLOSED` (produced by clients only) and
    /// unknown numbers.
    pub fn sent_by_gateway(self) -> bool {
        self.entry().is_some_and(|e| e.sent_by_gateway)
    }

    /// What a client should do next, in our reading of the status (no official client encodes
    /// one, see [`Recommendation`]); `None` for unknown numbers.
    ///
    /// - [`Reconnect`](Recommendation::Reconnect): 110, 111, 112 (a client without UDP treats
    ///   `SWITCH` as "reconnect and log in again"), 200, 201, 202, 300, 400;
    /// - [`FixClient`](Recommendation::FixClient): 100;
    /// - [`StayOffline`](Recommendation::StayOffline): 500, 501, 600, 700, 701.
    pub fn recommendation(self) -> Option<Recommendation> {
        self.entry().map(|e| e.recommendation)
    }

    /// The matching value of the protobuf enum `turms.wire.SessionCloseStatus`; `None` for
    /// unknown numbers and for 0, which the enum reserves for "unspecified".
    pub fn to_proto(self) -> Option<proto::SessionCloseStatus> {
        proto::SessionCloseStatus::try_from(self.0)
            .ok()
            .filter(|p| *p != proto::SessionCloseStatus::Unspecified)
    }
}

wire_code_impls! {
    SessionCloseStatus,
    all: "Every known status, ascending.",
    known: "`true` if the server or an official client defines this number.",
}
