//! The table of every known [`ResponseStatusCode`]: one line per code gives its constant,
//! reference name, category, meaning in English and Chinese and, for server codes, the
//! server's HTTP status and default reason. Everything else is generated from it.

use super::category::Category;
use super::response::ResponseStatusCode;

/// One row of the table.
pub(super) struct Entry {
    pub(super) number: i32,
    /// The Rust constant (`LOCAL_INVALID_REQUEST`).
    pub(super) constant: &'static str,
    /// The reference name (`INVALID_REQUEST`), shared by a server code and a client-local one.
    pub(super) name: &'static str,
    pub(super) category: Category,
    pub(super) source: Source,
    pub(super) meaning_en: &'static str,
    pub(super) meaning_zh: &'static str,
}

/// Who produces a code.
pub(super) enum Source {
    /// The server sends it; `ResponseStatusCode.java` gives an HTTP status and a default reason.
    Server {
        http_status: u16,
        default_reason: &'static str,
    },
    /// A client produces it locally.
    Local(LocalSupport),
}

/// Which official clients define a client-local code.
pub(super) enum LocalSupport {
    /// Kotlin, JavaScript, Swift, C++ and Dart.
    AllClients,
    /// Swift only.
    SwiftOnly,
    /// None any more: listed by the reference, removed from every client.
    Retired,
}

macro_rules! response_codes {
    (
        local {
            $(
                $lnum:literal $lconst:ident $(as $lname:literal)?, $lcat:ident, $lsupport:ident,
                $len:literal, $lzh:literal;
            )*
        }
        server {
            $(
                $snum:literal $sconst:ident, $scat:ident, $shttp:literal, $sreason:literal,
                $sen:literal, $szh:literal;
            )*
        }
    ) => {
        /// Every known code as a named constant, usable in `match`.
        impl ResponseStatusCode {
            $(
                #[doc = concat!("`", stringify!($lnum), "`, client-local: ", $len)]
                #[doc = ""]
                #[doc = $lzh]
                pub const $lconst: Self = Self::from_i32($lnum);
            )*
            $(
                #[doc = concat!("`", stringify!($snum), "`: ", $sen)]
                #[doc = ""]
                #[doc = $szh]
                #[doc = ""]
                #[doc = concat!(
                    "Server default reason: \"", $sreason, "\" (HTTP ", stringify!($shttp), ")."
                )]
                pub const $sconst: Self = Self::from_i32($snum);
            )*
        }

        /// The rows, sorted by number (checked at compile time below).
        pub(super) const ENTRIES: &[Entry] = &[
            $(
                Entry {
                    number: $lnum,
                    constant: stringify!($lconst),
                    name: response_codes!(@name $lconst $($lname)?),
                    category: Category::$lcat,
                    source: Source::Local(response_codes!(@support $lsupport)),
                    meaning_en: $len,
                    meaning_zh: $lzh,
                },
            )*
            $(
                Entry {
                    number: $snum,
                    constant: stringify!($sconst),
                    name: stringify!($sconst),
                    category: Category::$scat,
                    source: Source::Server { http_status: $shttp, default_reason: $sreason },
                    meaning_en: $sen,
                    meaning_zh: $szh,
                },
            )*
        ];
    };
    (@name $constant:ident) => { stringify!($constant) };
    (@name $constant:ident $name:literal) => { $name };
    (@support all) => { LocalSupport::AllClients };
    (@support swift) => { LocalSupport::SwiftOnly };
    (@support retired) => { LocalSupport::Retired };
}

// Lookups binary-search the rows, so they must be sorted and free of duplicates.
const _: () = {
    let mut i = 1;
    while i < ENTRIES.len() {
        assert!(
            ENTRIES[i - 1].number < ENTRIES[i].number,
            "response status table must be sorted by number, without duplicates"
        );
        i += 1;
    }
};

// number CONSTANT [as "reference name"], category, official clients, meaning (en), meaning (zh);
// number CONSTANT, category, HTTP status, default reason, meaning (en), meaning (zh);
response_codes! {
    local {
        1 CONNECT_TIMEOUT, Connection, all,
            "The client could not connect to the gateway before its connect timeout ran out (30 s by default in the official clients).",
            "客户端在连接超时时间内（官方客户端默认 30 秒）未能连上网关。";
        10 DATA_NOT_FOUND, Data, all,
            "The client expected data in a response or in its local state and found none, e.g. a query answered without the expected payload.",
            "客户端期望在响应或本地状态中得到数据却没有找到，例如查询的响应缺少应有的数据。";
        80 NETWORK_ERROR, Network, swift,
            "A network failure ended the request before any response arrived (defined by the Swift client only).",
            "网络故障使请求在收到响应前失败（仅 Swift 客户端定义）。";
        90 HTTP_ERROR, Http, all,
            "An HTTP call the client makes itself (e.g. uploading or downloading a storage resource) failed before a response arrived.",
            "客户端自行发起的 HTTP 调用（如上传或下载存储资源）在收到响应前失败。";
        91 HTTP_NOT_SUCCESSFUL_RESPONSE, Http, all,
            "An HTTP call the client makes itself got a response whose status is not 2xx.",
            "客户端自行发起的 HTTP 调用收到了非 2xx 状态的响应。";
        100 LOCAL_INVALID_REQUEST as "INVALID_REQUEST", Request, all,
            "The client refused to send the request because it is malformed or not allowed in the current state; nothing reached the server.",
            "请求不合法或在当前状态下不允许发送，客户端拒绝发送，请求未到达服务端。";
        101 LOCAL_CLIENT_REQUESTS_TOO_FREQUENT as "CLIENT_REQUESTS_TOO_FREQUENT", Request, all,
            "The client throttled the request itself because it came sooner than its minimum request interval; nothing was sent.",
            "请求间隔小于客户端设定的最小请求间隔，客户端自行限流，未发送请求。";
        102 REQUEST_TIMEOUT, Request, all,
            "No response arrived before the client's request timeout (60 s by default); the server may still have handled the request.",
            "在客户端请求超时时间（默认 60 秒）内未收到响应；服务端可能已处理该请求。";
        103 LOCAL_ILLEGAL_ARGUMENT as "ILLEGAL_ARGUMENT", Request, all,
            "The client rejected an argument (missing, empty or out of range) before building the request; nothing was sent.",
            "客户端在构建请求前发现参数非法（缺失、为空或越界），未发送请求。";
        200 INVALID_NOTIFICATION, Notification, all,
            "The client received a notification it cannot accept, e.g. a response without a code.",
            "客户端收到无法接受的通知，例如缺少 code 的响应。";
        201 INVALID_RESPONSE, Notification, all,
            "The client received a response whose data does not have the shape the request expects.",
            "客户端收到的响应数据与请求所期望的格式不符。";
        300 CLIENT_SESSION_ALREADY_ESTABLISHED, Session, all,
            "The client refused to log in because its session is already open; log out first.",
            "会话已建立，客户端拒绝重复登录；需先登出。";
        301 CLIENT_SESSION_HAS_BEEN_CLOSED, Session, all,
            "The session is closed (or was never opened), so the client failed the request locally; pending requests also end with this code when a close arrives.",
            "会话已关闭（或尚未建立），客户端在本地使请求失败；收到关闭通知时，未完成的请求也以此结束。";
        400 MESSAGE_IS_REJECTED, Message, retired,
            "Retired: a message rejected by the client itself; removed from the official clients in 2021, only old clients produce it.",
            "已废弃：客户端在本地拒绝了消息；2021 年已从官方客户端移除，仅旧版客户端会产生。";
        500 QUERY_PROFILE_URL_TO_UPDATE_BEFORE_LOGIN, Storage, retired,
            "Retired: the client asked for the URL to update a profile picture before logging in; removed from the official clients in 2022.",
            "已废弃：客户端在登录前请求更新头像所需的 URL；2022 年已从官方客户端移除。";
    }
    server {
        1000 OK, Success, 200, "ok",
            "The request succeeded; the response may carry data.",
            "请求成功，响应可能携带数据。";
        1001 NO_CONTENT, Success, 204, "No content",
            "The request succeeded and the server has no data to return.",
            "请求成功，服务端没有数据需要返回。";
        1002 ALREADY_UP_TO_DATE, Success, 204, "Already up-to-date",
            "The request succeeded, but nothing changed since the version the client sent, so no data is returned.",
            "请求成功，但自客户端提供的版本以来数据没有变化，因此不返回数据。";
        1100 INVALID_REQUEST, ClientRequestError, 400, "The client request is invalid",
            "The gateway could not accept the request as sent (malformed frame, unknown request type, bad UDP datagram); fix the client.",
            "网关无法接受该请求（帧格式错误、未知请求类型、UDP 数据报不合法等），需修正客户端。";
        1101 CLIENT_REQUESTS_TOO_FREQUENT, ClientRequestError, 429, "Client requests are too frequent",
            "The server rate-limited this client; slow down and retry later.",
            "服务端对该客户端限流，请降低频率后稍后重试。";
        1102 ILLEGAL_ARGUMENT, ClientRequestError, 400, "Illegal argument",
            "The server rejected a request field (missing, out of range or malformed); the reason usually names it.",
            "服务端拒绝了请求中的某个字段（缺失、越界或格式错误），reason 通常会指出是哪个字段。";
        1103 RECORD_CONTAINS_DUPLICATE_KEY, ClientRequestError, 409, "The record to add contains a duplicate key",
            "The record to add clashes with an existing one on a unique key.",
            "要添加的记录与已有记录的唯一键冲突。";
        1104 REQUESTED_RECORDS_TOO_MANY, ClientRequestError, 429, "Too many records are requested",
            "The request asks for more records than the server returns at once; ask for fewer.",
            "请求的记录数超过服务端单次上限，请减少数量。";
        1105 SEND_REQUEST_FROM_NONEXISTENT_SESSION, ClientRequestError, 403, "The session must be established before sending requests",
            "The request came from a session the server does not know; log in before sending requests.",
            "请求来自服务端不认识的会话，需先登录再发送请求。";
        1106 UNAUTHORIZED_REQUEST, ClientRequestError, 401, "The request is unauthorized",
            "This session is not allowed to send this kind of request.",
            "当前会话无权发送此类请求。";
        1200 SERVER_INTERNAL_ERROR, ServerError, 500, "Internal server error",
            "The server failed while handling the request (also the answer to requests sent before login); the reason is hidden by default.",
            "服务端处理请求时出错（登录前发送的请求也会收到此码），默认不返回原因。";
        1201 SERVER_UNAVAILABLE, ServerError, 503, "The server is unavailable",
            "The server cannot serve requests right now (e.g. shutting down or overloaded); retry later or on another node.",
            "服务端暂时无法处理请求（如正在停机或过载），请稍后或换节点重试。";
        1300 UNAUTHORIZED, AdminCommon, 401, "Unauthorized",
            "Admin API: the admin credentials are missing or wrong, or lack the permission for this call.",
            "管理员接口：管理员凭据缺失、错误，或没有调用该接口的权限。";
        1301 NO_FILTER_FOR_DELETE_OPERATION, AdminCommon, 400, "The delete operation must have at least one filter",
            "Admin API: a delete call named no filter, which would delete everything; give at least one.",
            "管理员接口：删除操作未指定任何过滤条件（否则会删除全部），需至少提供一个。";
        1302 RESOURCE_NOT_FOUND, AdminCommon, 404, "The resource is not found",
            "Admin API: the resource the call refers to does not exist.",
            "管理员接口：所指的资源不存在。";
        1303 DUPLICATE_RESOURCE, AdminCommon, 409, "Duplicate resource",
            "Admin API: a resource with the same key already exists.",
            "管理员接口：已存在相同键的资源。";
        1304 ADMIN_REQUESTS_TOO_FREQUENT, AdminCommon, 429, "Admin requests are too frequent",
            "Admin API: this admin is rate-limited; retry later.",
            "管理员接口：管理员请求过于频繁被限流，请稍后重试。";
        1310 DUMP_JFR_IN_ILLEGAL_STATUS, AdminJfr, 406, "Dump JFR in a legal status",
            "Admin API: the JFR recording cannot be dumped in its current state (e.g. not started or already closed).",
            "管理员接口：JFR 记录处于无法导出的状态（如未开始或已关闭）。";
        1320 JAVASCRIPT_PLUGIN_IS_DISABLED, AdminPlugin, 403, "JavaScript plugin is disabled",
            "Admin API: JavaScript plugins are turned off on this server.",
            "管理员接口：该服务端禁用了 JavaScript 插件。";
        1321 SAVING_JAVA_PLUGIN_IS_DISABLED, AdminPlugin, 403, "Saving a Java plugin is disabled",
            "Admin API: saving an uploaded Java plugin on the server is turned off.",
            "管理员接口：服务端禁止保存上传的 Java 插件。";
        1322 SAVING_JAVASCRIPT_PLUGIN_IS_DISABLED, AdminPlugin, 403, "Saving a JavaScript plugin is disabled",
            "Admin API: saving an uploaded JavaScript plugin on the server is turned off.",
            "管理员接口：服务端禁止保存上传的 JavaScript 插件。";
        1400 IP_BLOCKLIST_IS_DISABLED, AdminBlocklist, 403, "Blocking an IP is disabled",
            "Admin API: the IP blocklist is turned off, so IPs cannot be blocked or looked up.",
            "管理员接口：IP 封禁功能已关闭，无法封禁或查询 IP。";
        1401 USER_ID_BLOCKLIST_IS_DISABLED, AdminBlocklist, 403, "Blocking a user ID is disabled",
            "Admin API: the user ID blocklist is turned off, so users cannot be blocked or looked up.",
            "管理员接口：用户 ID 封禁功能已关闭，无法封禁或查询用户。";
        1500 DEBUG_IS_DISABLED, AdminDebug, 403, "Debug is disabled",
            "Admin API: the debug endpoints are turned off on this server.",
            "管理员接口：该服务端关闭了调试接口。";
        1800 NONEXISTENT_MEMBER_TO_BE_LEADER, AdminClusterLeader, 404, "Could not find the node",
            "Admin API: the node asked to become cluster leader is not a member of the cluster.",
            "管理员接口：被指定为集群主节点的节点不在集群中。";
        1801 NO_QUALIFIED_MEMBER_TO_BE_LEADER, AdminClusterLeader, 503, "No qualified node to be a leader",
            "Admin API: no node of the cluster is eligible to become leader.",
            "管理员接口：集群中没有可以成为主节点的合格节点。";
        1802 NOT_QUALIFIED_MEMBER_TO_BE_LEADER, AdminClusterLeader, 403, "Only the qualified node {isLeaderEligible=true, nodeType=SERVICE} can be a leader",
            "Admin API: the node asked to become leader is not eligible (only leader-eligible service nodes are).",
            "管理员接口：被指定的节点没有成为主节点的资格（只有可竞选主节点的 service 节点才有）。";
        2000 UNSUPPORTED_CLIENT_VERSION, UserLogin, 403, "The client version is not supported",
            "Login refused: the server does not support the client's protocol version (CreateSessionRequest.version must be 1).",
            "登录被拒：服务端不支持该客户端的协议版本（CreateSessionRequest.version 必须为 1）。";
        2010 LOGIN_TIMEOUT, UserLogin, 408, "Login timeout",
            "Login refused: the login request arrived after the gateway's login deadline for this connection; reconnect and log in again.",
            "登录被拒：登录请求晚于网关为该连接设定的登录期限；请重新连接并登录。";
        2011 LOGIN_AUTHENTICATION_FAILED, UserLogin, 401, "The user's login information does not match",
            "Login refused: the user ID and password (or token) do not match.",
            "登录被拒：用户 ID 与密码（或令牌）不匹配。";
        2012 LOGGING_IN_USER_NOT_ACTIVE, UserLogin, 401, "The logging in user is inactive",
            "Login refused: the user account exists but is not active.",
            "登录被拒：用户账号存在但未激活。";
        2013 LOGIN_FROM_FORBIDDEN_DEVICE_TYPE, UserLogin, 401, "The device type is forbidden to log in",
            "Login refused: users may not log in from this device type.",
            "登录被拒：不允许以该设备类型登录。";
        2100 SESSION_SIMULTANEOUS_CONFLICTS_DECLINE, UserSession, 409, "A different device has logged into your account",
            "Login refused: another device of this account is online and the conflict policy keeps the existing session.",
            "登录被拒：该账号的其他设备在线，冲突策略保留已有会话。";
        2101 SESSION_SIMULTANEOUS_CONFLICTS_NOTIFY, UserSession, 409, "A different device attempted to log into your account",
            "Another device tried to log in to this account; the conflict policy only notifies this session.",
            "其他设备尝试登录该账号，冲突策略仅通知当前会话。";
        2102 SESSION_SIMULTANEOUS_CONFLICTS_OFFLINE, UserSession, 409, "A different device has logged into your account",
            "Another device logged in to this account and the conflict policy takes this session offline.",
            "其他设备登录了该账号，冲突策略使当前会话下线。";
        2103 CREATE_EXISTING_SESSION, UserSession, 503, "The session has existed",
            "Login refused: a session for this user and device already exists (often a login sent twice); usually comes without a reason.",
            "登录被拒：该用户在该设备上的会话已存在（常见于重复发送登录请求），通常不带 reason。";
        2104 UPDATE_HEARTBEAT_OF_NONEXISTENT_SESSION, UserSession, 403, "Cannot update the heartbeat of a nonexistent session",
            "A heartbeat named a session the server no longer has; log in again.",
            "心跳所指的会话在服务端已不存在，需重新登录。";
        2200 USER_LOCATION_RELATED_FEATURES_ARE_DISABLED, UserLocation, 510, "The user-location-related features are disabled",
            "User-location features (reporting locations, querying nearby users) are turned off on the server.",
            "服务端关闭了用户位置相关功能（上报位置、查询附近的用户）。";
        2201 QUERYING_NEAREST_USERS_BY_SESSION_ID_IS_DISABLED, UserLocation, 510, "Querying the nearest users by session IDs is disabled",
            "Querying nearby users by session ID is turned off on the server.",
            "服务端关闭了按会话 ID 查询附近用户的功能。";
        2300 UPDATE_INFO_OF_NONEXISTENT_USER, UserInfo, 403, "Cannot update a nonexistent user's information",
            "The user whose information is to be updated does not exist.",
            "要更新信息的用户不存在。";
        2301 NOT_FRIEND_TO_QUERY_USER_PROFILE, UserInfo, 403, "Only the friend or not blocked user can query the user's profile",
            "The requester may not see this user's profile: only friends (or, depending on the server settings, users not blocked) may.",
            "请求者无权查看该用户资料：只有好友（或视服务端配置，未被拉黑的用户）可以查看。";
        2302 BLOCKED_USER_TO_QUERY_USER_PROFILE, UserInfo, 403, "The user profile requester has been blocked",
            "The requester has been blocked by the user whose profile it asked for.",
            "请求者已被目标用户拉黑，无法查看其资料。";
        2400 QUERY_PERMISSION_OF_NONEXISTENT_USER, UserPermission, 404, "Cannot query a nonexistent user's permission",
            "The user whose permissions were asked for does not exist.",
            "所查询权限的用户不存在。";
        2500 ADD_NON_RELATED_USER_TO_GROUP, UserRelationship, 403, "Cannot add a non-related user to a relationship group",
            "A user can be put into a relationship group (e.g. a group of friends) only after a relationship with them exists.",
            "只有已建立关系的用户才能加入关系分组（如好友分组）。";
        2501 CREATE_EXISTING_RELATIONSHIP, UserRelationship, 409, "Cannot create an existing relationship",
            "The relationship to create already exists.",
            "要创建的关系已存在。";
        2502 CANNOT_BLOCK_ONESELF, UserRelationship, 403, "Cannot block yourself",
            "A user cannot block themselves.",
            "用户不能拉黑自己。";
        2600 CREATE_EXISTING_FRIEND_REQUEST, UserFriendRequest, 409, "A friend request has already existed",
            "A pending friend request from this sender to this recipient already exists.",
            "该发送者发给该接收者的待处理好友请求已存在。";
        2601 BLOCKED_USER_TO_SEND_FRIEND_REQUEST, UserFriendRequest, 403, "The friend request sender has been blocked by the recipient",
            "The recipient has blocked the sender, so the friend request is refused.",
            "接收者已拉黑发送者，好友请求被拒绝。";
        2602 RECALL_NON_PENDING_FRIEND_REQUEST, UserFriendRequest, 403, "Cannot recall a non-pending friend request",
            "Only a pending friend request can be recalled; this one was already handled or has expired.",
            "只能撤回待处理的好友请求，该请求已被处理或已过期。";
        2603 RECALLING_FRIEND_REQUEST_IS_DISABLED, UserFriendRequest, 510, "Recalling a friend request is disabled",
            "Recalling friend requests is turned off on the server.",
            "服务端关闭了撤回好友请求的功能。";
        2604 NOT_SENDER_TO_RECALL_FRIEND_REQUEST, UserFriendRequest, 403, "Only the sender of the friend request can recall the friend request",
            "Only the sender of a friend request can recall it.",
            "只有好友请求的发送者才能撤回该请求。";
        2605 UPDATE_NON_PENDING_FRIEND_REQUEST, UserFriendRequest, 403, "Cannot update a non-pending friend request",
            "Only a pending friend request can be accepted or declined; this one was already handled or has expired.",
            "只能处理待处理的好友请求，该请求已被处理或已过期。";
        2606 NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST, UserFriendRequest, 403, "Only the recipient of the friend request can handle the friend request",
            "Only the recipient of a friend request can accept or decline it.",
            "只有好友请求的接收者才能处理该请求。";
        3000 UPDATE_INFO_OF_NONEXISTENT_GROUP, GroupInfo, 403, "Cannot update the information of a nonexistent group",
            "The group whose information is to be updated does not exist.",
            "要更新信息的群组不存在。";
        3001 NOT_GROUP_OWNER_TO_UPDATE_GROUP_INFO, GroupInfo, 403, "Only the group owner can update the group information",
            "This group lets only its owner update the group information.",
            "该群组只允许群主更新群信息。";
        3002 NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO, GroupInfo, 403, "Only the group owner and managers can update the group information",
            "This group lets only its owner and managers update the group information.",
            "该群组只允许群主和管理员更新群信息。";
        3003 NOT_GROUP_MEMBER_TO_UPDATE_GROUP_INFO, GroupInfo, 403, "Only the group members can update the group information",
            "Only members of the group can update the group information.",
            "只有群成员才能更新群信息。";
        3100 NO_PERMISSION_TO_CREATE_GROUP_WITH_GROUP_TYPE, GroupType, 403, "No permission to create a group with the group type",
            "The user may not create a group of the requested group type.",
            "用户无权创建该群组类型的群组。";
        3101 CREATE_GROUP_WITH_NONEXISTENT_GROUP_TYPE, GroupType, 403, "Cannot create a group with a nonexistent group type",
            "The group type named in the create request does not exist.",
            "创建请求中指定的群组类型不存在。";
        3102 UPDATING_GROUP_TYPE_IS_DISABLED, GroupType, 510, "Updating the group type is disabled",
            "Changing a group's type is turned off on the server.",
            "服务端关闭了修改群组类型的功能。";
        3103 NOT_GROUP_OWNER_TO_UPDATE_GROUP_TYPE, GroupType, 403, "Only the group owner can update the group type",
            "Only the group owner can change the group's type.",
            "只有群主才能修改群组类型。";
        3104 NO_PERMISSION_TO_UPDATE_GROUP_TO_GROUP_TYPE, GroupType, 403, "No permission to update a group to the group type",
            "The requester may not change the group to the requested group type.",
            "请求者无权将群组修改为指定的群组类型。";
        3105 UPDATE_GROUP_TO_NONEXISTENT_GROUP_TYPE, GroupType, 403, "Cannot update a group to a nonexistent group type",
            "The group type to change the group to does not exist.",
            "要修改成的群组类型不存在。";
        3200 NOT_ACTIVE_USER_TO_CREATE_GROUP, GroupOwnership, 403, "The user trying to create a group is inactive",
            "An inactive user cannot create groups.",
            "未激活的用户不能创建群组。";
        3201 NOT_GROUP_OWNER_TO_TRANSFER_GROUP, GroupOwnership, 403, "Only the group owner can transfer the group",
            "Only the group owner can transfer the group's ownership.",
            "只有群主才能转让群组。";
        3202 NOT_GROUP_OWNER_TO_DELETE_GROUP, GroupOwnership, 403, "Only the group owner can delete the group",
            "Only the group owner can delete the group.",
            "只有群主才能解散群组。";
        3203 GROUP_SUCCESSOR_NOT_GROUP_MEMBER, GroupOwnership, 403, "The successor must be a member of the group",
            "The new owner named for the group must already be one of its members.",
            "指定的新群主必须是该群的成员。";
        3204 GROUP_OWNER_QUIT_WITHOUT_SPECIFYING_SUCCESSOR, GroupOwnership, 400, "The successor ID must be specified when the group owner quits the group",
            "The owner tried to quit the group without naming a successor; name one (or delete the group).",
            "群主退群时未指定继任者；需指定继任者（或解散群组）。";
        3205 MAX_OWNED_GROUPS_REACHED, GroupOwnership, 403, "The user has reached the maximum allowed owned groups",
            "The user already owns as many groups as the server allows, so cannot create or take over another.",
            "用户拥有的群组数已达服务端上限，不能再创建或接管群组。";
        3206 TRANSFER_NONEXISTENT_GROUP, GroupOwnership, 403, "Cannot transfer a nonexistent group",
            "The group to transfer does not exist.",
            "要转让的群组不存在。";
        3300 NOT_GROUP_OWNER_OR_MANAGER_TO_CREATE_GROUP_QUESTION, GroupQuestion, 403, "Only the group owner and managers can create group questions",
            "Only the group owner and managers can create join questions.",
            "只有群主和管理员才能创建入群问题。";
        3301 NOT_GROUP_OWNER_OR_MANAGER_TO_DELETE_GROUP_QUESTION, GroupQuestion, 403, "Only the group owner and managers can delete group questions",
            "Only the group owner and managers can delete join questions.",
            "只有群主和管理员才能删除入群问题。";
        3302 NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_QUESTION, GroupQuestion, 403, "Only the group owner and managers can update group questions",
            "Only the group owner and managers can update join questions.",
            "只有群主和管理员才能更新入群问题。";
        3303 NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_QUESTION_ANSWER, GroupQuestion, 403, "Only the group owner and managers can query group question answers",
            "Only the group owner and managers can see the answers to join questions.",
            "只有群主和管理员才能查看入群问题的答案。";
        3304 CREATE_GROUP_QUESTION_FOR_INACTIVE_GROUP, GroupQuestion, 403, "Cannot create a group question for the inactive group",
            "Join questions cannot be added to an inactive group.",
            "不能为未激活的群组创建入群问题。";
        3305 CREATE_GROUP_QUESTION_FOR_GROUP_USING_JOIN_REQUEST, GroupQuestion, 403, "Cannot create a group question for the group that uses the join request strategy",
            "The group admits members through approved join requests, so join questions cannot be added to it.",
            "该群组采用需审批的入群申请策略，不能创建入群问题。";
        3306 CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION, GroupQuestion, 403, "Cannot create a group question for the group that uses the invitation strategy",
            "The group admits members by invitation only, so join questions cannot be added to it.",
            "该群组只能通过邀请加入，不能创建入群问题。";
        3307 CREATE_GROUP_QUESTION_FOR_GROUP_USING_MEMBERSHIP_REQUEST, GroupQuestion, 403, "Cannot create a group question for the group that uses the membership request strategy",
            "The group admits anyone who asks to join, so join questions cannot be added to it.",
            "该群组采用“申请即入群”策略，不能创建入群问题。";
        3308 GROUP_QUESTION_ANSWERER_HAS_BEEN_BLOCKED, GroupQuestion, 403, "The group question answerer has been blocked",
            "The user answering the join questions is on the group's blocklist.",
            "回答入群问题的用户已被该群拉黑。";
        3309 GROUP_MEMBER_ANSWER_GROUP_QUESTION, GroupQuestion, 409, "A group member cannot answer group questions",
            "The user is already a member of the group and has no join questions to answer.",
            "用户已是群成员，无需回答入群问题。";
        3310 ANSWER_INACTIVE_GROUP_QUESTION, GroupQuestion, 403, "Cannot answer the inactive group questions because the type of the group has changed",
            "The join questions no longer apply because the group changed its join strategy.",
            "群组已更改入群策略，这些入群问题已失效。";
        3311 ANSWER_GROUP_QUESTION_OF_INACTIVE_GROUP, GroupQuestion, 403, "Cannot answer the questions of an inactive group",
            "The group is inactive, so its join questions cannot be answered.",
            "群组未激活，不能回答其入群问题。";
        3400 ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL, GroupMember, 403, "Cannot add a user to the group directly without the user's approval",
            "This group needs the user's consent to join: send an invitation instead of adding the user directly.",
            "该群组需要用户同意才能入群：应发送邀请，而不是直接添加。";
        3401 ADD_USER_TO_INACTIVE_GROUP, GroupMember, 403, "Cannot add a user to the inactive group",
            "Users cannot be added to an inactive group.",
            "不能向未激活的群组添加成员。";
        3402 NOT_GROUP_OWNER_TO_ADD_GROUP_MANAGER, GroupMember, 403, "Only the group owner can add a group manager",
            "Only the group owner can add managers.",
            "只有群主才能添加管理员。";
        3403 ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED, GroupMember, 403, "The group has reached the size limit",
            "The group is full: it has reached its member limit.",
            "群组已满：成员数已达上限。";
        3404 ADD_BLOCKED_USER_TO_GROUP, GroupMember, 403, "Cannot add a blocked user to the group",
            "The user to add is on the group's blocklist.",
            "要添加的用户在该群的黑名单中。";
        3405 NOT_GROUP_OWNER_TO_ADD_GROUP_MEMBER, GroupMember, 403, "Only the group owner and managers can add a new group member",
            "This group lets only its owner add members.",
            "该群组只允许群主添加成员。";
        3406 NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_GROUP_MEMBER, GroupMember, 403, "Only the group owner and managers can add a new group member",
            "This group lets only its owner and managers add members.",
            "该群组只允许群主和管理员添加成员。";
        3407 NOT_GROUP_MEMBER_TO_ADD_GROUP_MEMBER, GroupMember, 403, "Only the group member can add a new group member",
            "Only members of the group can add members to it.",
            "只有群成员才能添加新成员。";
        3408 NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER, GroupMember, 403, "Only the group owner and managers can remove the group member",
            "Only the group owner and managers can remove members.",
            "只有群主和管理员才能移除群成员。";
        3409 NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER, GroupMember, 403, "Only the group owner can remove the owner or managers",
            "Only the group owner can remove the owner or a manager.",
            "只有群主才能移除群主或管理员。";
        3410 NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_ROLE, GroupMember, 403, "Only the group owner can update the group member's role",
            "Only the group owner can change a member's role.",
            "只有群主才能修改成员角色。";
        3411 UPDATE_GROUP_MEMBER_ROLE_OF_NONEXISTENT_GROUP, GroupMember, 403, "Cannot update the group member's role of a nonexistent group",
            "The group in which a member's role is to change does not exist.",
            "要修改成员角色的群组不存在。";
        3412 NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_INFO, GroupMember, 403, "Only the group owner can update the group member's information",
            "This group lets only its owner update other members' information.",
            "该群组只允许群主更新其他成员的信息。";
        3413 NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_MEMBER_INFO, GroupMember, 403, "Only the group owner and managers can update the group member's information",
            "This group lets only its owner and managers update other members' information.",
            "该群组只允许群主和管理员更新其他成员的信息。";
        3414 NOT_GROUP_MEMBER_TO_UPDATE_GROUP_MEMBER_INFO, GroupMember, 403, "Only the group members can update the group member's information",
            "Only members of the group can update group members' information.",
            "只有群成员才能更新群成员信息。";
        3415 UPDATE_GROUP_MEMBER_INFO_OF_NONEXISTENT_GROUP, GroupMember, 403, "Cannot update the group member's information of a nonexistent group",
            "The group whose member information is to be updated does not exist.",
            "要更新成员信息的群组不存在。";
        3416 UPDATE_INFO_OF_NONEXISTENT_GROUP_MEMBER, GroupMember, 403, "Cannot update the nonexistent group member's information",
            "The member whose information is to be updated is not in the group.",
            "要更新信息的成员不在该群中。";
        3417 NOT_GROUP_OWNER_OR_MANAGER_TO_MUTE_GROUP_MEMBER, GroupMember, 403, "Only the group owner and managers can mute the group member",
            "Only the group owner and managers can mute members.",
            "只有群主和管理员才能禁言群成员。";
        3418 MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER, GroupMember, 403, "Cannot mute a group user with the role equal to or higher than the requester's",
            "A member whose role is equal to or higher than the requester's cannot be muted by the requester.",
            "不能禁言角色与自己相同或比自己高的成员。";
        3419 MUTE_GROUP_MEMBER_OF_NONEXISTENT_GROUP, GroupMember, 403, "Cannot mute a group member of a nonexistent group",
            "The group in which a member is to be muted does not exist.",
            "要禁言成员的群组不存在。";
        3420 MUTE_NONEXISTENT_GROUP_MEMBER, GroupMember, 403, "Cannot mute a nonexistent group member",
            "The user to mute is not a member of the group.",
            "要禁言的用户不是该群成员。";
        3421 NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO, GroupMember, 403, "Only the group members can query its group members' information",
            "Only members of the group can see its members' information.",
            "只有群成员才能查询群成员信息。";
        3422 USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION, GroupMember, 403, "Cannot join the group directly without accepting the invitation",
            "This group is joined by invitation: accept an invitation instead of joining directly.",
            "该群组需通过邀请加入：应接受邀请，而不是直接加入。";
        3423 USER_JOIN_GROUP_WITHOUT_ANSWERING_GROUP_QUESTION, GroupMember, 403, "Cannot join the group directly without answering the question",
            "This group is joined by answering its join questions, not directly.",
            "该群组需回答入群问题才能加入，不能直接加入。";
        3424 USER_JOIN_GROUP_WITHOUT_SENDING_GROUP_JOIN_REQUEST, GroupMember, 403, "Cannot join the group directly without sending the join request",
            "This group is joined by sending a join request, not directly.",
            "该群组需发送入群申请才能加入，不能直接加入。";
        3500 NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_BLOCKED_USER, GroupBlocklist, 403, "Only the group owner and managers can add blocked users",
            "Only the group owner and managers can add users to the group's blocklist.",
            "只有群主和管理员才能将用户加入群黑名单。";
        3501 NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_BLOCKED_USER, GroupBlocklist, 403, "Only the group owner and managers can remove blocked users",
            "Only the group owner and managers can remove users from the group's blocklist.",
            "只有群主和管理员才能将用户移出群黑名单。";
        3600 BLOCKED_USER_SEND_GROUP_JOIN_REQUEST, GroupJoinRequest, 403, "The group join request sender has been blocked",
            "The user is on the group's blocklist and cannot send it a join request.",
            "用户在该群的黑名单中，不能发送入群申请。";
        3601 GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST, GroupJoinRequest, 409, "The group member cannot send a group join request to the group",
            "The user is already a member of the group.",
            "用户已是该群成员，无需发送入群申请。";
        3602 NOT_SENDER_TO_RECALL_GROUP_JOIN_REQUEST, GroupJoinRequest, 403, "Only the group join request sender can recall the group join request",
            "Only the sender of a join request can recall it.",
            "只有入群申请的发送者才能撤回该申请。";
        3603 NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_JOIN_REQUEST, GroupJoinRequest, 403, "Only the group owner and managers can query group join requests",
            "Only the group owner and managers can see the group's join requests.",
            "只有群主和管理员才能查询入群申请。";
        3604 RECALL_NON_PENDING_GROUP_JOIN_REQUEST, GroupJoinRequest, 403, "Cannot recall non-pending group join requests",
            "Only a pending join request can be recalled; this one was already handled or has expired.",
            "只能撤回待处理的入群申请，该申请已被处理或已过期。";
        3605 SEND_GROUP_JOIN_REQUEST_TO_INACTIVE_GROUP, GroupJoinRequest, 403, "Cannot send a group join request to an inactive group",
            "Join requests cannot be sent to an inactive group.",
            "不能向未激活的群组发送入群申请。";
        3606 SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_MEMBERSHIP_REQUEST, GroupJoinRequest, 403, "Cannot send a group join request to the group that uses the membership request strategy",
            "The group admits anyone who asks to join, so it takes no join requests: join directly.",
            "该群组采用“申请即入群”策略，不接受入群申请，可直接加入。";
        3607 SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION, GroupJoinRequest, 403, "Cannot send a group join request to the group that uses the invitation strategy",
            "The group is joined by invitation, not by join request.",
            "该群组通过邀请加入，不接受入群申请。";
        3608 SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_QUESTION, GroupJoinRequest, 403, "Cannot send a group join request to the group that uses the question strategy",
            "The group is joined by answering its join questions, not by join request.",
            "该群组通过回答入群问题加入，不接受入群申请。";
        3609 RECALLING_GROUP_JOIN_REQUEST_IS_DISABLED, GroupJoinRequest, 510, "Recalling group join requests is disabled",
            "Recalling join requests is turned off on the server.",
            "服务端关闭了撤回入群申请的功能。";
        3610 UPDATE_NON_PENDING_GROUP_JOIN_REQUEST, GroupJoinRequest, 403, "Cannot update non-pending group join requests",
            "Only a pending join request can be approved or declined; this one was already handled or has expired.",
            "只能处理待处理的入群申请，该申请已被处理或已过期。";
        3611 NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_JOIN_REQUEST, GroupJoinRequest, 403, "Only the group owner and managers can update group join requests",
            "Only the group owner and managers can approve or decline join requests.",
            "只有群主和管理员才能处理入群申请。";
        3700 SEND_GROUP_INVITATION_TO_GROUP_MEMBER, GroupInvitation, 409, "The group invitee is already a member of the group",
            "The invitee is already a member of the group.",
            "被邀请者已是群成员。";
        3701 SEND_GROUP_INVITATION_TO_BLOCKED_USER, GroupInvitation, 403, "The group invitee has been blocked by the group",
            "The invitee is on the group's blocklist.",
            "被邀请者在该群的黑名单中。";
        3702 SEND_GROUP_INVITATION_TO_GROUP_NOT_REQUIRING_USERS_APPROVAL, GroupInvitation, 406, "Cannot send a group invitation for the group that does not require the user's approval",
            "The group adds users without asking for their consent, so no invitation is needed: add the user directly.",
            "该群组添加成员无需用户同意，不需要邀请，可直接添加。";
        3703 NOT_GROUP_OWNER_TO_SEND_GROUP_INVITATION, GroupInvitation, 403, "Only the group owner can send group invitations",
            "This group lets only its owner send invitations.",
            "该群组只允许群主发送入群邀请。";
        3704 NOT_GROUP_OWNER_OR_MANAGER_TO_SEND_GROUP_INVITATION, GroupInvitation, 403, "Only the group owner and managers can send group invitations",
            "This group lets only its owner and managers send invitations.",
            "该群组只允许群主和管理员发送入群邀请。";
        3705 NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION, GroupInvitation, 403, "Only the group members can send group invitations",
            "Only members of the group can send invitations to it.",
            "只有群成员才能发送入群邀请。";
        3706 RECALLING_GROUP_INVITATION_IS_DISABLED, GroupInvitation, 510, "Recalling group invitations is disabled",
            "Recalling group invitations is turned off on the server.",
            "服务端关闭了撤回入群邀请的功能。";
        3707 NOT_GROUP_OWNER_OR_MANAGER_TO_RECALL_GROUP_INVITATION, GroupInvitation, 403, "Only the group owner and managers can recall group invitations",
            "This group lets only its owner and managers recall invitations.",
            "该群组只允许群主和管理员撤回入群邀请。";
        3708 NOT_GROUP_OWNER_OR_MANAGER_OR_SENDER_TO_RECALL_GROUP_INVITATION, GroupInvitation, 403, "Only the group owner and managers and the sender can recall group invitations",
            "This group lets only its owner, its managers and the invitation's sender recall an invitation.",
            "该群组只允许群主、管理员和邀请的发送者撤回入群邀请。";
        3709 RECALL_NON_PENDING_GROUP_INVITATION, GroupInvitation, 403, "Cannot recall non-pending group invitations",
            "Only a pending invitation can be recalled; this one was already handled or has expired.",
            "只能撤回待处理的入群邀请，该邀请已被处理或已过期。";
        3710 UPDATE_NON_PENDING_GROUP_INVITATION, GroupInvitation, 403, "Cannot update non-pending group invitations",
            "Only a pending invitation can be accepted or declined; this one was already handled or has expired.",
            "只能处理待处理的入群邀请，该邀请已被处理或已过期。";
        3711 NOT_INVITEE_TO_UPDATE_GROUP_INVITATION, GroupInvitation, 403, "Only the invitee can update their group invitations",
            "Only the invitee can accept or decline an invitation.",
            "只有被邀请者才能处理入群邀请。";
        3712 NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_INVITATION, GroupInvitation, 403, "Only the group owner and managers can query group invitations",
            "Only the group owner and managers can see the group's invitations.",
            "只有群主和管理员才能查询该群的入群邀请。";
        4000 UPDATING_READ_DATE_IS_DISABLED, ConversationReadDate, 510, "Updating the read data is disabled",
            "Updating the read date of conversations is turned off on the server.",
            "服务端关闭了更新会话已读时间的功能。";
        4001 UPDATING_READ_DATE_IS_DISABLED_BY_GROUP, ConversationReadDate, 510, "Updating the read data is disabled by the group",
            "The group has turned off read dates for its conversation.",
            "该群组关闭了群会话的已读时间功能。";
        4002 UPDATING_READ_DATE_OF_NONEXISTENT_GROUP_CONVERSATION, ConversationReadDate, 510, "Cannot update the read date of a nonexistent group conversation",
            "The group conversation whose read date is to be updated does not exist.",
            "要更新已读时间的群会话不存在。";
        4003 NOT_GROUP_MEMBER_TO_UPDATE_READ_DATE_OF_GROUP_CONVERSATION, ConversationReadDate, 403, "Only group members can update the read date of a group conversation",
            "Only members of the group can update their read date in its conversation.",
            "只有群成员才能更新群会话的已读时间。";
        4004 MOVING_READ_DATE_FORWARD_IS_DISABLED, ConversationReadDate, 510, "Moving the read data forward is disabled",
            "The read date may only move later: setting it earlier than the stored one is turned off on the server.",
            "已读时间只能向后推移：服务端不允许将其改为早于已存储的时间。";
        4100 UPDATING_TYPING_STATUS_IS_DISABLED, ConversationTypingStatus, 510, "Updating the typing status is disabled",
            "Sending typing status is turned off on the server.",
            "服务端关闭了发送输入状态的功能。";
        4101 NOT_GROUP_MEMBER_TO_SEND_TYPING_STATUS, ConversationTypingStatus, 403, "Only group members can send their typing status",
            "Only members of the group can send typing status to it.",
            "只有群成员才能在群内发送输入状态。";
        4102 NOT_FRIEND_TO_SEND_TYPING_STATUS, ConversationTypingStatus, 403, "Only friends can send their typing status",
            "Only friends can send typing status to each other.",
            "只有好友之间才能发送输入状态。";
        4200 NOT_RELATED_USER_TO_UPDATE_PRIVATE_CONVERSATION_SETTING, ConversationSetting, 403, "Only the related user can update the private conversation setting",
            "Only a user related to the other party (e.g. a friend) can change the settings of their private conversation.",
            "只有与对方存在关系（如好友）的用户才能修改该私聊会话的设置。";
        4201 NOT_GROUP_MEMBER_TO_UPDATE_GROUP_CONVERSATION_SETTING, ConversationSetting, 403, "Only the group member can update the group conversation setting",
            "Only members of the group can change their settings for the group's conversation.",
            "只有群成员才能修改该群会话的设置。";
        5000 MESSAGE_RECIPIENT_NOT_ACTIVE, MessageSend, 403, "The message recipient is inactive",
            "The message recipient's account is not active.",
            "消息接收者的账号未激活。";
        5001 NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE, MessageSend, 403, "Only the friends or not blocked users can send messages",
            "The server lets only friends (or, depending on its settings, users not blocked) send private messages to this user.",
            "服务端只允许好友（或视配置，未被拉黑的用户）向该用户发送私聊消息。";
        5002 BLOCKED_USER_SEND_PRIVATE_MESSAGE, MessageSend, 403, "The private message sender has been blocked",
            "The recipient has blocked the sender.",
            "接收者已拉黑发送者。";
        5003 BLOCKED_USER_SEND_GROUP_MESSAGE, MessageSend, 403, "The group message sender has been blocked",
            "The sender is on the group's blocklist.",
            "发送者在该群的黑名单中。";
        5004 SEND_MESSAGE_TO_INACTIVE_GROUP, MessageSend, 403, "Cannot send a message to an inactive group",
            "Messages cannot be sent to an inactive group.",
            "不能向未激活的群组发送消息。";
        5005 SEND_MESSAGE_TO_MUTED_GROUP, MessageSend, 403, "Cannot send a message to a muted group",
            "The whole group is muted; nobody can send messages to it now.",
            "该群正在全员禁言，当前无法向其发送消息。";
        5006 SEND_MESSAGE_TO_NONEXISTENT_GROUP, MessageSend, 403, "Cannot send a message to a nonexistent group",
            "The group to send the message to does not exist.",
            "消息的目标群组不存在。";
        5007 SENDING_MESSAGES_TO_ONESELF_IS_DISABLED, MessageSend, 510, "Sending a message to oneself is disabled",
            "Sending messages to oneself is turned off on the server.",
            "服务端关闭了给自己发送消息的功能。";
        5008 MUTED_GROUP_MEMBER_SEND_MESSAGE, MessageSend, 403, "The muted group member cannot send a message",
            "The sender is muted in this group.",
            "发送者在该群中被禁言。";
        5009 NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE, MessageSend, 403, "All guests of the group have been muted",
            "Guests of this group are muted, so the guest cannot send messages.",
            "该群禁止访客发言，访客无法发送消息。";
        5010 MESSAGE_IS_ILLEGAL, MessageSend, 403, "The message contains unwanted words",
            "The message contains words the server's content filter rejects.",
            "消息包含被服务端内容过滤拒绝的词语。";
        5011 NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE, MessageSend, 403, "Only the message recipient and sender can forward the message",
            "Only the sender or a recipient of a message can forward it.",
            "只有消息的发送者或接收者才能转发该消息。";
        5100 UPDATING_MESSAGE_BY_SENDER_IS_DISABLED, MessageUpdate, 510, "Updating messages sent by the sender is disabled",
            "Editing sent messages is turned off on the server.",
            "服务端关闭了发送者编辑已发消息的功能。";
        5101 NOT_SENDER_TO_UPDATE_MESSAGE, MessageUpdate, 403, "Only the message sender can update the message",
            "Only the sender of a message can edit it.",
            "只有消息发送者才能编辑该消息。";
        5102 UPDATE_MESSAGE_OF_NONEXISTENT_GROUP, MessageUpdate, 403, "Cannot update the message of a nonexistent group",
            "The group of the message to edit does not exist.",
            "要编辑的消息所属的群组不存在。";
        5103 UPDATING_GROUP_MESSAGE_BY_SENDER_IS_DISABLED, MessageUpdate, 403, "Updating group messages sent by the sender is disabled by the group",
            "The group does not let senders edit their messages.",
            "该群组不允许发送者编辑已发消息。";
        5200 RECALL_NONEXISTENT_MESSAGE, MessageRecall, 403, "Cannot recall a nonexistent message",
            "The message to recall does not exist.",
            "要撤回的消息不存在。";
        5201 RECALLING_MESSAGE_IS_DISABLED, MessageRecall, 510, "Recalling messages is disabled",
            "Recalling messages is turned off on the server.",
            "服务端关闭了撤回消息的功能。";
        5202 NOT_SENDER_TO_RECALL_MESSAGE, MessageRecall, 403, "Only the message sender can recall the message",
            "Only the sender of a message can recall it.",
            "只有消息发送者才能撤回该消息。";
        5203 RECALL_MESSAGE_OF_NONEXISTENT_GROUP, MessageRecall, 403, "Cannot recall the message of a nonexistent group",
            "The group of the message to recall does not exist.",
            "要撤回的消息所属的群组不存在。";
        5204 MESSAGE_RECALL_TIMEOUT, MessageRecall, 403, "The maximum allowed time to recall the message has passed",
            "The time allowed for recalling the message has passed.",
            "已超过允许撤回该消息的时限。";
        5300 NOT_GROUP_MEMBER_TO_QUERY_GROUP_MESSAGES, MessageQuery, 403, "Only the group members can query their group messages",
            "Only members of the group can read its messages.",
            "只有群成员才能查询群消息。";
        6000 STORAGE_NOT_IMPLEMENTED, StorageCommon, 501, "The storage feature is enabled but not implemented yet",
            "Storage is turned on, but no storage service (plugin) is installed to handle the request.",
            "存储功能已开启，但没有安装处理该请求的存储服务（插件）。";
        6100 NOT_FRIEND_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION, StorageAttachment, 403, "Only friends can upload message attachments in private conversations",
            "Only friends can upload attachments in a private conversation.",
            "只有好友才能在私聊中上传消息附件。";
        6101 NOT_GROUP_MEMBER_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION, StorageAttachment, 403, "Only group members can upload message attachments in group conversations",
            "Only members of the group can upload attachments in its conversation.",
            "只有群成员才能在群聊中上传消息附件。";
        6102 NOT_UPLOADER_TO_SHARE_MESSAGE_ATTACHMENT, StorageAttachment, 403, "Only the uploader can share message attachments",
            "Only the uploader can share an attachment.",
            "只有上传者才能分享消息附件。";
        6103 NOT_UPLOADER_OR_GROUP_MANAGER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION, StorageAttachment, 403, "Only the uploader or group managers can unshare message attachments in group conversations",
            "Only the uploader or a group manager can stop sharing an attachment in a group conversation.",
            "只有上传者或群管理员才能在群聊中取消分享消息附件。";
        6104 NOT_UPLOADER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION, StorageAttachment, 403, "Only the uploader can unshare message attachments in private conversations",
            "Only the uploader can stop sharing an attachment in a private conversation.",
            "只有上传者才能在私聊中取消分享消息附件。";
        6105 NOT_UPLOADER_OR_GROUP_MANAGER_TO_DELETE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION, StorageAttachment, 403, "Only the uploader or group managers can delete message attachments in group conversations",
            "Only the uploader or a group manager can delete an attachment in a group conversation.",
            "只有上传者或群管理员才能删除群聊中的消息附件。";
        6106 NOT_UPLOADER_TO_DELETE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION, StorageAttachment, 403, "Only the uploader can delete message attachments in private conversations",
            "Only the uploader can delete an attachment in a private conversation.",
            "只有上传者才能删除私聊中的消息附件。";
        6107 NOT_UPLOADER_OR_SHARED_WITH_USER_TO_DOWNLOAD_MESSAGE_ATTACHMENT, StorageAttachment, 403, "Only the uploader or the users who are shared with can download message attachments",
            "Only the uploader and the users it was shared with can download the attachment.",
            "只有上传者和被分享的用户才能下载该消息附件。";
        6130 NOT_FRIEND_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_PRIVATE_CONVERSATION, StorageAttachmentInfo, 403, "Only friends can query message attachments in private conversations",
            "Only friends can look up attachment information in a private conversation.",
            "只有好友才能查询私聊中的消息附件信息。";
        6131 NOT_GROUP_MEMBER_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_GROUP_CONVERSATION, StorageAttachmentInfo, 403, "Only group members can query message attachments in group conversations",
            "Only members of the group can look up attachment information in its conversation.",
            "只有群成员才能查询群聊中的消息附件信息。";
        7100 SEARCHING_USER_IS_DISABLED, SearchUser, 510, "Searching users is disabled",
            "Searching for users is turned off on the server.",
            "服务端关闭了搜索用户的功能。";
        7200 SEARCHING_GROUP_IS_DISABLED, SearchGroup, 510, "Searching groups is disabled",
            "Searching for groups is turned off on the server.",
            "服务端关闭了搜索群组的功能。";
        8000 CONFERENCE_NOT_IMPLEMENTED, ConferenceCommon, 501, "The conference feature is enabled but not implemented yet",
            "Conferences are turned on, but no conference service (plugin) is installed to handle the request.",
            "会议功能已开启，但没有安装处理该请求的会议服务（插件）。";
        8100 CREATE_MEETING_EXCEEDING_MAX_ACTIVE_MEETING_COUNT, ConferenceMeeting, 403, "The user cannot create a new meeting because the user has created too many active meetings",
            "The user already has as many active meetings as the server allows and cannot create another.",
            "用户创建的进行中会议数已达上限，不能再创建会议。";
        8101 NOT_CREATOR_TO_CANCEL_MEETING, ConferenceMeeting, 403, "Only the meeting creator can cancel the meeting",
            "Only the creator of a meeting can cancel it.",
            "只有会议创建者才能取消会议。";
        8102 CANCELING_MEETING_IS_DISABLED, ConferenceMeeting, 510, "Cancelling meetings is disabled",
            "Cancelling meetings is turned off on the server.",
            "服务端关闭了取消会议的功能。";
        8103 CANCEL_NONEXISTENT_MEETING, ConferenceMeeting, 403, "Cannot cancel a nonexistent meeting",
            "The meeting to cancel does not exist.",
            "要取消的会议不存在。";
        8104 NOT_CREATOR_TO_UPDATE_MEETING_PASSWORD, ConferenceMeeting, 403, "Only the meeting creator can update the meeting password",
            "Only the creator of a meeting can change its password.",
            "只有会议创建者才能修改会议密码。";
        8105 UPDATE_INFO_OF_NONEXISTENT_MEETING, ConferenceMeeting, 403, "Cannot update the info of a nonexistent meeting",
            "The meeting whose information is to be updated does not exist.",
            "要更新信息的会议不存在。";
        8200 ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD, ConferenceInvitation, 403, "Cannot accept the meeting invitation with the wrong password",
            "The password given to accept the meeting invitation is wrong.",
            "接受会议邀请时提供的密码错误。";
        8201 ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING, ConferenceInvitation, 403, "Cannot accept the meeting invitation of a canceled meeting",
            "The meeting was canceled, so its invitation cannot be accepted.",
            "会议已取消，无法接受其邀请。";
        8202 ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING, ConferenceInvitation, 403, "Cannot accept the meeting invitation of an ended meeting",
            "The meeting has ended, so its invitation cannot be accepted.",
            "会议已结束，无法接受其邀请。";
        8203 ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING, ConferenceInvitation, 403, "Cannot accept the meeting invitation of an expired meeting",
            "The meeting has expired, so its invitation cannot be accepted.",
            "会议已过期，无法接受其邀请。";
        8204 ACCEPT_MEETING_INVITATION_OF_PENDING_MEETING, ConferenceInvitation, 403, "Cannot accept the meeting invitation of a pending meeting",
            "The meeting has not started yet, so its invitation cannot be accepted now.",
            "会议尚未开始，暂时无法接受其邀请。";
        8205 ACCEPT_NONEXISTENT_MEETING_INVITATION, ConferenceInvitation, 403, "Cannot accept a nonexistent meeting invitation",
            "The meeting invitation to accept does not exist.",
            "要接受的会议邀请不存在。";
    }
}
