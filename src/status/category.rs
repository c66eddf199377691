//! [`Category`]: the groups of the Turms status-code reference.

macro_rules! categories {
    ($($variant:ident => $en:literal, $zh:literal, $origin:ident;)*) => {
        /// The group a response status code belongs to, as the published Turms status-code
        /// reference groups them (its 类别 column), with an English and a Chinese label.
        ///
        /// Codes the reference does not list (newer server codes and some client-local codes)
        /// get groups defined by this crate in the same style; [`Category::is_from_reference`]
        /// tells the two apart.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Category {
            $(
                #[doc = concat!($en, " (", $zh, ")")]
                $variant,
            )*
        }

        impl Category {
            /// Every category, in the order of the codes they group.
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            /// The English label.
            pub const fn en(self) -> &'static str {
                match self {
                    $(Category::$variant => $en,)*
                }
            }

            /// The Chinese label, exactly as the reference writes it where it has one.
            pub const fn zh(self) -> &'static str {
                match self {
                    $(Category::$variant => $zh,)*
                }
            }

            /// `true` if the published reference defines this group; `false` if this crate
            /// defines it for codes the reference does not list.
            pub const fn is_from_reference(self) -> bool {
                match self {
                    $(Category::$variant => categories!(@origin $origin),)*
                }
            }
        }
    };
    (@origin reference) => { true };
    (@origin ours) => { false };
}

categories! {
    Connection => "connection", "连接相关", reference;
    Data => "data", "数据相关", ours;
    Network => "network", "网络相关", ours;
    Http => "HTTP", "HTTP相关", ours;
    Request => "request", "请求相关", reference;
    Notification => "notification", "通知相关", reference;
    Session => "session", "会话相关", reference;
    Message => "message", "消息相关", reference;
    Storage => "storage", "存储相关", reference;
    Success => "success response", "成功响应", reference;
    ClientRequestError => "client request error", "客户端请求错误", reference;
    ServerError => "server error", "服务端错误", reference;
    AdminCommon => "admin API - common error", "管理员接口 - 通用错误", reference;
    AdminJfr => "admin API - JFR error", "管理员接口 - JFR相关错误", reference;
    AdminPlugin => "admin API - plugin error", "管理员接口 - 插件相关错误", reference;
    AdminBlocklist => "admin API - blocklist error", "管理员接口 - 封禁相关错误", reference;
    AdminDebug => "admin API - debug error", "管理员接口 - 调试相关错误", ours;
    AdminClusterLeader => "admin API - cluster - leader error", "管理员接口 - 集群 - 主节点相关错误", reference;
    UserLogin => "user - login error", "用户 - 登陆相关错误", reference;
    UserSession => "user - session error", "用户 - 会话相关错误", reference;
    UserLocation => "user - location error", "用户 - 位置相关错误", reference;
    UserInfo => "user - information error", "用户 - 信息相关错误", reference;
    UserPermission => "user - permission group error", "用户 - 权限组相关错误", reference;
    UserRelationship => "user - relationship error", "用户 - 关系相关错误", reference;
    UserFriendRequest => "user - friend request error", "用户 - 好友请求相关错误", reference;
    GroupInfo => "group - information error", "群组 - 信息相关错误", reference;
    GroupType => "group - type error", "群组 - 类型相关错误", reference;
    GroupOwnership => "group - ownership error", "群组 - 所有权相关错误", reference;
    GroupQuestion => "group - join question error", "群组 - 入群问题相关错误", reference;
    GroupMember => "group - member error", "群组 - 成员相关错误", reference;
    GroupBlocklist => "group - blocklist error", "群组 - 黑名单相关错误", reference;
    GroupJoinRequest => "group - join request error", "群组 - 入群请求相关错误", reference;
    GroupInvitation => "group - invitation error", "群组 - 邀请相关错误", reference;
    ConversationReadDate => "conversation - read date error", "聊天会话 - 查阅时间相关错误", reference;
    ConversationTypingStatus => "conversation - typing status error", "聊天会话 - 输入状态相关错误", reference;
    ConversationSetting => "conversation - settings error", "聊天会话 - 会话设置相关错误", ours;
    MessageSend => "message - sending error", "消息 - 发送相关错误", reference;
    MessageUpdate => "message - update error", "消息 - 更新相关错误", reference;
    MessageRecall => "message - recall error", "消息 - 撤回相关错误", reference;
    MessageQuery => "message - query error", "消息 - 查询相关错误", reference;
    StorageCommon => "storage - common error", "存储 - 通用错误", reference;
    StorageAttachment => "storage - message attachment error", "存储 - 消息附件相关错误", reference;
    StorageAttachmentInfo => "storage - message attachment info error", "存储 - 消息附件信息相关错误", reference;
    SearchUser => "search - user error", "搜索 - 用户相关错误", ours;
    SearchGroup => "search - group error", "搜索 - 群组相关错误", ours;
    ConferenceCommon => "conference - common error", "会议 - 通用错误", ours;
    ConferenceMeeting => "conference - meeting error", "会议 - 会议相关错误", ours;
    ConferenceInvitation => "conference - meeting invitation error", "会议 - 会议邀请相关错误", ours;
}

impl std::fmt::Display for Category {
    /// Writes the English label; `{:#}` writes the Chinese one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if f.alternate() { self.zh() } else { self.en() })
    }
}
