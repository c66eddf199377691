//! The `kind` oneofs of `TurmsRequest` and `TurmsNotification.Data` as lossless field numbers.
//!
//! Classification reports a oneof member by its field number without decoding the member, so
//! the number has to be the identity: [`RequestKind`] and [`DataKind`] keep any number (a newer
//! schema may add kinds) and know the names of the ones this schema declares.

use crate::proto::turms_notification::data::Kind as DataOneof;
use crate::proto::turms_request::Kind as RequestOneof;

macro_rules! kind_table {
    (
        $(#[$meta:meta])*
        $ty:ident, $oneof:ident, $count:literal,
        $( $num:literal => $konst:ident, $name:literal, $variant:ident; )+
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(u32);

        impl $ty {
            $(
                #[doc = concat!("`", $name, "` (field ", stringify!($num), ").")]
                pub const $konst: $ty = $ty($num);
            )+

            const ALL: [$ty; $count] = [$($ty($num)),+];

            /// One byte per eight field numbers, up to the largest declared one.
            const KNOWN_LEN: usize = {
                let mut max = 0;
                let mut i = 0;
                while i < $count {
                    if Self::ALL[i].0 > max {
                        max = Self::ALL[i].0;
                    }
                    i += 1;
                }
                max as usize / 8 + 1
            };

            /// Bit `n` is set when the schema declares field number `n`.
            const KNOWN: [u8; Self::KNOWN_LEN] = {
                let mut bits = [0u8; Self::KNOWN_LEN];
                let mut i = 0;
                while i < $count {
                    let n = Self::ALL[i].0 as usize;
                    bits[n / 8] |= 1 << (n % 8);
                    i += 1;
                }
                bits
            };

            /// Whether the schema declares this number as a member of the oneof.
            ///
            /// A bitmap test: the scanner asks this for every field it meets.
            #[inline]
            pub const fn is_known(self) -> bool {
                let n = self.0 as usize;
                n / 8 < Self::KNOWN_LEN && Self::KNOWN[n / 8] & (1 << (n % 8)) != 0
            }

            /// Wraps any field number; numbers this schema does not declare are kept as they are.
            #[inline]
            pub const fn from_number(number: u32) -> Self {
                Self(number)
            }

            /// The oneof field number, as it travels on the wire.
            #[inline]
            pub const fn number(self) -> u32 {
                self.0
            }

            /// The oneof member's field name in the schema (`None` for numbers it does not declare).
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($num => Some($name),)+
                    _ => None,
                }
            }

            /// The kind whose schema field name is `name` (exact, lower snake case).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$konst),)+
                    _ => None,
                }
            }

            /// Every kind the schema declares, in field-number order.
            pub const fn all() -> &'static [$ty] {
                &Self::ALL
            }

            /// The kind of a decoded oneof value.
            pub const fn of(kind: &$oneof) -> Self {
                match kind {
                    $($oneof::$variant(_) => Self::$konst,)+
                }
            }
        }

        impl From<&$oneof> for $ty {
            fn from(kind: &$oneof) -> Self {
                Self::of(kind)
            }
        }

        impl From<u32> for $ty {
            fn from(number: u32) -> Self {
                Self(number)
            }
        }

        impl From<$ty> for u32 {
            fn from(kind: $ty) -> Self {
                kind.0
            }
        }

        impl core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, concat!(stringify!($ty), "({}: {})"), self.0, name),
                    None => write!(f, concat!(stringify!($ty), "({})"), self.0),
                }
            }
        }

        impl core::fmt::Display for $ty {
            /// The schema name, or the bare number when the schema does not declare it.
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}", self.0),
                }
            }
        }
    };
}

kind_table! {
    /// Which request a `TurmsRequest` carries: the field number of its `kind` oneof member.
    ///
    /// A relayed request in a push notification has a kind too; the gateway uses it for permissions,
    /// routing and logging without decoding the request body.
    RequestKind, RequestOneof, 72,
    3 => CREATE_SESSION_REQUEST, "create_session_request", CreateSessionRequest;
    4 => DELETE_SESSION_REQUEST, "delete_session_request", DeleteSessionRequest;
    5 => QUERY_CONVERSATIONS_REQUEST, "query_conversations_request", QueryConversationsRequest;
    6 => UPDATE_CONVERSATION_REQUEST, "update_conversation_request", UpdateConversationRequest;
    7 => UPDATE_TYPING_STATUS_REQUEST, "update_typing_status_request", UpdateTypingStatusRequest;
    8 => CREATE_MESSAGE_REQUEST, "create_message_request", CreateMessageRequest;
    9 => QUERY_MESSAGES_REQUEST, "query_messages_request", QueryMessagesRequest;
    10 => UPDATE_MESSAGE_REQUEST, "update_message_request", UpdateMessageRequest;
    11 => CREATE_GROUP_MEMBERS_REQUEST, "create_group_members_request", CreateGroupMembersRequest;
    12 => DELETE_GROUP_MEMBERS_REQUEST, "delete_group_members_request", DeleteGroupMembersRequest;
    13 => QUERY_GROUP_MEMBERS_REQUEST, "query_group_members_request", QueryGroupMembersRequest;
    14 => UPDATE_GROUP_MEMBER_REQUEST, "update_group_member_request", UpdateGroupMemberRequest;
    100 => QUERY_USER_PROFILES_REQUEST, "query_user_profiles_request", QueryUserProfilesRequest;
    101 => QUERY_NEARBY_USERS_REQUEST, "query_nearby_users_request", QueryNearbyUsersRequest;
    102 => QUERY_USER_ONLINE_STATUSES_REQUEST, "query_user_online_statuses_request", QueryUserOnlineStatusesRequest;
    103 => UPDATE_USER_LOCATION_REQUEST, "update_user_location_request", UpdateUserLocationRequest;
    104 => UPDATE_USER_ONLINE_STATUS_REQUEST, "update_user_online_status_request", UpdateUserOnlineStatusRequest;
    105 => UPDATE_USER_REQUEST, "update_user_request", UpdateUserRequest;
    106 => UPDATE_USER_SETTINGS_REQUEST, "update_user_settings_request", UpdateUserSettingsRequest;
    107 => DELETE_USER_SETTINGS_REQUEST, "delete_user_settings_request", DeleteUserSettingsRequest;
    108 => QUERY_USER_SETTINGS_REQUEST, "query_user_settings_request", QueryUserSettingsRequest;
    200 => CREATE_FRIEND_REQUEST_REQUEST, "create_friend_request_request", CreateFriendRequestRequest;
    201 => CREATE_RELATIONSHIP_GROUP_REQUEST, "create_relationship_group_request", CreateRelationshipGroupRequest;
    202 => CREATE_RELATIONSHIP_REQUEST, "create_relationship_request", CreateRelationshipRequest;
    203 => DELETE_FRIEND_REQUEST_REQUEST, "delete_friend_request_request", DeleteFriendRequestRequest;
    204 => DELETE_RELATIONSHIP_GROUP_REQUEST, "delete_relationship_group_request", DeleteRelationshipGroupRequest;
    205 => DELETE_RELATIONSHIP_REQUEST, "delete_relationship_request", DeleteRelationshipRequest;
    206 => QUERY_FRIEND_REQUESTS_REQUEST, "query_friend_requests_request", QueryFriendRequestsRequest;
    207 => QUERY_RELATED_USER_IDS_REQUEST, "query_related_user_ids_request", QueryRelatedUserIdsRequest;
    208 => QUERY_RELATIONSHIP_GROUPS_REQUEST, "query_relationship_groups_request", QueryRelationshipGroupsRequest;
    209 => QUERY_RELATIONSHIPS_REQUEST, "query_relationships_request", QueryRelationshipsRequest;
    210 => UPDATE_FRIEND_REQUEST_REQUEST, "update_friend_request_request", UpdateFriendRequestRequest;
    211 => UPDATE_RELATIONSHIP_GROUP_REQUEST, "update_relationship_group_request", UpdateRelationshipGroupRequest;
    212 => UPDATE_RELATIONSHIP_REQUEST, "update_relationship_request", UpdateRelationshipRequest;
    300 => CREATE_GROUP_REQUEST, "create_group_request", CreateGroupRequest;
    301 => DELETE_GROUP_REQUEST, "delete_group_request", DeleteGroupRequest;
    302 => QUERY_GROUPS_REQUEST, "query_groups_request", QueryGroupsRequest;
    303 => QUERY_JOINED_GROUP_IDS_REQUEST, "query_joined_group_ids_request", QueryJoinedGroupIdsRequest;
    304 => QUERY_JOINED_GROUP_INFOS_REQUEST, "query_joined_group_infos_request", QueryJoinedGroupInfosRequest;
    305 => UPDATE_GROUP_REQUEST, "update_group_request", UpdateGroupRequest;
    400 => CREATE_GROUP_BLOCKED_USER_REQUEST, "create_group_blocked_user_request", CreateGroupBlockedUserRequest;
    401 => DELETE_GROUP_BLOCKED_USER_REQUEST, "delete_group_blocked_user_request", DeleteGroupBlockedUserRequest;
    402 => QUERY_GROUP_BLOCKED_USER_IDS_REQUEST, "query_group_blocked_user_ids_request", QueryGroupBlockedUserIdsRequest;
    403 => QUERY_GROUP_BLOCKED_USER_INFOS_REQUEST, "query_group_blocked_user_infos_request", QueryGroupBlockedUserInfosRequest;
    500 => CHECK_GROUP_JOIN_QUESTIONS_ANSWERS_REQUEST, "check_group_join_questions_answers_request", CheckGroupJoinQuestionsAnswersRequest;
    501 => CREATE_GROUP_INVITATION_REQUEST, "create_group_invitation_request", CreateGroupInvitationRequest;
    502 => CREATE_GROUP_JOIN_REQUEST_REQUEST, "create_group_join_request_request", CreateGroupJoinRequestRequest;
    503 => CREATE_GROUP_JOIN_QUESTIONS_REQUEST, "create_group_join_questions_request", CreateGroupJoinQuestionsRequest;
    504 => DELETE_GROUP_INVITATION_REQUEST, "delete_group_invitation_request", DeleteGroupInvitationRequest;
    505 => DELETE_GROUP_JOIN_REQUEST_REQUEST, "delete_group_join_request_request", DeleteGroupJoinRequestRequest;
    506 => DELETE_GROUP_JOIN_QUESTIONS_REQUEST, "delete_group_join_questions_request", DeleteGroupJoinQuestionsRequest;
    507 => QUERY_GROUP_INVITATIONS_REQUEST, "query_group_invitations_request", QueryGroupInvitationsRequest;
    508 => QUERY_GROUP_JOIN_REQUESTS_REQUEST, "query_group_join_requests_request", QueryGroupJoinRequestsRequest;
    509 => QUERY_GROUP_JOIN_QUESTIONS_REQUEST, "query_group_join_questions_request", QueryGroupJoinQuestionsRequest;
    510 => UPDATE_GROUP_INVITATION_REQUEST, "update_group_invitation_request", UpdateGroupInvitationRequest;
    511 => UPDATE_GROUP_JOIN_QUESTION_REQUEST, "update_group_join_question_request", UpdateGroupJoinQuestionRequest;
    512 => UPDATE_GROUP_JOIN_REQUEST_REQUEST, "update_group_join_request_request", UpdateGroupJoinRequestRequest;
    900 => CREATE_MEETING_REQUEST, "create_meeting_request", CreateMeetingRequest;
    901 => DELETE_MEETING_REQUEST, "delete_meeting_request", DeleteMeetingRequest;
    902 => QUERY_MEETINGS_REQUEST, "query_meetings_request", QueryMeetingsRequest;
    903 => UPDATE_MEETING_REQUEST, "update_meeting_request", UpdateMeetingRequest;
    904 => UPDATE_MEETING_INVITATION_REQUEST, "update_meeting_invitation_request", UpdateMeetingInvitationRequest;
    1000 => DELETE_RESOURCE_REQUEST, "delete_resource_request", DeleteResourceRequest;
    1001 => QUERY_RESOURCE_DOWNLOAD_INFO_REQUEST, "query_resource_download_info_request", QueryResourceDownloadInfoRequest;
    1002 => QUERY_RESOURCE_UPLOAD_INFO_REQUEST, "query_resource_upload_info_request", QueryResourceUploadInfoRequest;
    1003 => QUERY_MESSAGE_ATTACHMENT_INFOS_REQUEST, "query_message_attachment_infos_request", QueryMessageAttachmentInfosRequest;
    1004 => UPDATE_MESSAGE_ATTACHMENT_INFO_REQUEST, "update_message_attachment_info_request", UpdateMessageAttachmentInfoRequest;
    1100 => DELETE_CONVERSATION_SETTINGS_REQUEST, "delete_conversation_settings_request", DeleteConversationSettingsRequest;
    1101 => QUERY_CONVERSATION_SETTINGS_REQUEST, "query_conversation_settings_request", QueryConversationSettingsRequest;
    1102 => UPDATE_CONVERSATION_SETTINGS_REQUEST, "update_conversation_settings_request", UpdateConversationSettingsRequest;
    1200 => CREATE_MESSAGE_REACTIONS_REQUEST, "create_message_reactions_request", CreateMessageReactionsRequest;
    1201 => DELETE_MESSAGE_REACTIONS_REQUEST, "delete_message_reactions_request", DeleteMessageReactionsRequest;
}

kind_table! {
    /// Which payload a `TurmsNotification.Data` carries: the field number of its `kind` oneof member.
    DataKind, DataOneof, 24,
    1 => LONG, "long", Long;
    2 => STRING, "string", String;
    3 => LONGS_WITH_VERSION, "longs_with_version", LongsWithVersion;
    4 => STRINGS_WITH_VERSION, "strings_with_version", StringsWithVersion;
    5 => CONVERSATIONS, "conversations", Conversations;
    6 => MESSAGES, "messages", Messages;
    7 => MESSAGES_WITH_TOTAL_LIST, "messages_with_total_list", MessagesWithTotalList;
    8 => USER_SESSION, "user_session", UserSession;
    9 => USER_INFOS_WITH_VERSION, "user_infos_with_version", UserInfosWithVersion;
    10 => USER_ONLINE_STATUSES, "user_online_statuses", UserOnlineStatuses;
    11 => USER_FRIEND_REQUESTS_WITH_VERSION, "user_friend_requests_with_version", UserFriendRequestsWithVersion;
    12 => USER_RELATIONSHIP_GROUPS_WITH_VERSION, "user_relationship_groups_with_version", UserRelationshipGroupsWithVersion;
    13 => USER_RELATIONSHIPS_WITH_VERSION, "user_relationships_with_version", UserRelationshipsWithVersion;
    14 => NEARBY_USERS, "nearby_users", NearbyUsers;
    15 => GROUP_INVITATIONS_WITH_VERSION, "group_invitations_with_version", GroupInvitationsWithVersion;
    16 => GROUP_JOIN_QUESTION_ANSWER_RESULT, "group_join_question_answer_result", GroupJoinQuestionAnswerResult;
    17 => GROUP_JOIN_REQUESTS_WITH_VERSION, "group_join_requests_with_version", GroupJoinRequestsWithVersion;
    18 => GROUP_JOIN_QUESTIONS_WITH_VERSION, "group_join_questions_with_version", GroupJoinQuestionsWithVersion;
    19 => GROUP_MEMBERS_WITH_VERSION, "group_members_with_version", GroupMembersWithVersion;
    20 => GROUPS_WITH_VERSION, "groups_with_version", GroupsWithVersion;
    40 => MEETINGS, "meetings", Meetings;
    50 => STORAGE_RESOURCE_INFOS, "storage_resource_infos", StorageResourceInfos;
    200 => CONVERSATION_SETTINGS_LIST, "conversation_settings_list", ConversationSettingsList;
    400 => USER_SETTINGS, "user_settings", UserSettings;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmaps_match_the_tables() {
        for n in 0..2000 {
            let request = RequestKind::from_number(n);
            assert_eq!(
                request.is_known(),
                request.name().is_some(),
                "request kind {n}"
            );
            let data = DataKind::from_number(n);
            assert_eq!(data.is_known(), data.name().is_some(), "data kind {n}");
        }
        assert_eq!(RequestKind::all().len(), 72);
        assert_eq!(DataKind::all().len(), 24);
    }

    #[test]
    fn names_round_trip() {
        for kind in RequestKind::all() {
            assert_eq!(RequestKind::from_name(kind.name().unwrap()), Some(*kind));
        }
        for kind in DataKind::all() {
            assert_eq!(DataKind::from_name(kind.name().unwrap()), Some(*kind));
        }
        assert_eq!(RequestKind::from_name("no_such_request"), None);
        assert_eq!(RequestKind::CREATE_SESSION_REQUEST.number(), 3);
        assert_eq!(DataKind::USER_SESSION.name(), Some("user_session"));
    }

    #[test]
    fn unknown_numbers_survive() {
        let kind = RequestKind::from_number(2000);
        assert!(!kind.is_known());
        assert_eq!(kind.number(), 2000);
        assert_eq!(kind.to_string(), "2000");
        assert_eq!(format!("{kind:?}"), "RequestKind(2000)");
        assert_eq!(
            format!("{:?}", RequestKind::CREATE_MESSAGE_REQUEST),
            "RequestKind(8: create_message_request)"
        );
    }

    #[test]
    fn sorted_and_unique() {
        assert!(RequestKind::all().windows(2).all(|w| w[0] < w[1]));
        assert!(DataKind::all().windows(2).all(|w| w[0] < w[1]));
    }
}
