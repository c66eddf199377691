//! decode(encode(m)) == m for every message of the schema.
//!
//! Random messages are built from the descriptor set (`prost-reflect`), so every message type is
//! covered without a hand-written strategy per type: scalars at their extremes, NaN, ±inf and
//! `-0.0`, Unicode strings, enums with numbers the schema does not know, explicit presence set to
//! the default, empty and non-empty repeated and map fields, one member (or none) of each oneof,
//! and nested messages down to a bounded depth (`Value.list_value` recurses).
//!
//! Each message is encoded by `prost-reflect`, decoded into the generated prost type, encoded by
//! prost, and decoded again, both into the generated type and back into a reflected view that
//! must equal the original. Both libraries must also agree on `encoded_len`, and the crate's
//! proto3 JSON writer must write what prost-reflect's serializer writes, but for a plain `-0.0`,
//! which it writes as Google does.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Debug;

use bytes::Bytes;
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, TestRunner};
use prost::Message;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, Value,
};
use turms_wire::proto;

use turms_wire_test_support::message_descriptor as descriptor;
use turms_wire_test_support::proto_json_eq::{compare_message, Rule};
use turms_wire_test_support::{dynamic_eq, pool};

/// Cases per message type: 127 types share the time budget of the suite.
const CASES: u32 = 48;
/// Levels of nested messages below the root.
const MAX_DEPTH: u32 = 4;
/// Elements per repeated or map field.
const MAX_ELEMENTS: usize = 4;

// ---------------------------------------------------------------------------------------------
// Values

fn i32s() -> impl Strategy<Value = i32> {
    prop_oneof![
        any::<i32>(),
        -2i32..300,
        select(vec![i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX]),
    ]
}

fn i64s() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -2i64..300,
        select(vec![
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            i64::from(i32::MAX) + 1,
            i64::MAX
        ]),
    ]
}

fn u32s() -> impl Strategy<Value = u32> {
    prop_oneof![any::<u32>(), 0u32..300, select(vec![0, 1, u32::MAX])]
}

fn u64s() -> impl Strategy<Value = u64> {
    prop_oneof![any::<u64>(), 0u64..300, select(vec![0, 1, u64::MAX])]
}

fn f32s() -> impl Strategy<Value = f32> {
    prop_oneof![
        proptest::num::f32::ANY,
        select(vec![
            0.0,
            -0.0,
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
        ]),
    ]
}

fn f64s() -> impl Strategy<Value = f64> {
    prop_oneof![
        proptest::num::f64::ANY,
        select(vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
        ]),
    ]
}

/// Strings that have tripped protobuf implementations: NUL, the last code point, a ZWJ emoji
/// sequence, right-to-left text, a combining mark, CJK.
const SPECIAL_STRINGS: &[&str] = &[
    "\0",
    "\u{10FFFF}",
    "\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",
    "\u{645}\u{631}\u{62D}\u{628}\u{627}",
    "e\u{301}",
    "\u{4F60}\u{597D}\u{FF0C}\u{4E16}\u{754C}",
];

fn strings() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        vec(any::<char>(), 0..12).prop_map(String::from_iter),
        select(SPECIAL_STRINGS).prop_map(str::to_owned),
        // Longer than 127 bytes: a two-byte length prefix.
        vec(any::<char>(), 128..160).prop_map(String::from_iter),
    ]
}

fn byte_strings() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        Just(Bytes::new()),
        vec(any::<u8>(), 0..24).prop_map(Bytes::from),
        vec(any::<u8>(), 128..160).prop_map(Bytes::from),
    ]
}

/// A value of a scalar or enum kind; `None` for message kinds.
fn scalar(kind: &Kind) -> Option<BoxedStrategy<Value>> {
    Some(match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => i32s().prop_map(Value::I32).boxed(),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => i64s().prop_map(Value::I64).boxed(),
        Kind::Uint32 | Kind::Fixed32 => u32s().prop_map(Value::U32).boxed(),
        Kind::Uint64 | Kind::Fixed64 => u64s().prop_map(Value::U64).boxed(),
        Kind::Float => f32s().prop_map(Value::F32).boxed(),
        Kind::Double => f64s().prop_map(Value::F64).boxed(),
        Kind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::String => strings().prop_map(Value::String).boxed(),
        Kind::Bytes => byte_strings().prop_map(Value::Bytes).boxed(),
        Kind::Enum(enum_desc) => {
            let known: Vec<i32> = enum_desc.values().map(|v| v.number()).collect();
            prop_oneof![3 => select(known), 1 => i32s()]
                .prop_map(Value::EnumNumber)
                .boxed()
        }
        Kind::Message(_) => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Messages

/// Builds message strategies from descriptors, sharing each (type, depth) strategy between the
/// fields that use it.
#[derive(Default)]
struct Generator {
    built: HashMap<(String, u32), BoxedStrategy<DynamicMessage>>,
}

impl Generator {
    /// Messages of type `desc` with at most `depth` levels of nested messages below them.
    fn message(&mut self, desc: &MessageDescriptor, depth: u32) -> BoxedStrategy<DynamicMessage> {
        let key = (desc.full_name().to_owned(), depth);
        if let Some(strategy) = self.built.get(&key) {
            return strategy.clone();
        }
        let mut parts: Vec<BoxedStrategy<Option<(u32, Value)>>> = Vec::new();
        for field in desc.fields() {
            if field
                .containing_oneof()
                .is_some_and(|oneof| !oneof.is_synthetic())
            {
                continue;
            }
            let Some(value) = self.field(&field, depth) else {
                continue;
            };
            let number = field.number();
            parts.push(if field.supports_presence() {
                proptest::option::of(value)
                    .prop_map(move |value| value.map(|value| (number, value)))
                    .boxed()
            } else {
                value.prop_map(move |value| Some((number, value))).boxed()
            });
        }
        for oneof in desc.oneofs().filter(|oneof| !oneof.is_synthetic()) {
            let mut members = vec![Just(None).boxed()];
            for field in oneof.fields() {
                if let Some(value) = self.field(&field, depth) {
                    let number = field.number();
                    members.push(value.prop_map(move |value| Some((number, value))).boxed());
                }
            }
            parts.push(Union::new(members).boxed());
        }
        let message_desc = desc.clone();
        let strategy = parts
            .prop_map(move |parts| {
                let mut message = DynamicMessage::new(message_desc.clone());
                for (number, value) in parts.into_iter().flatten() {
                    message.set_field_by_number(number, value);
                }
                message
            })
            .boxed();
        self.built.insert(key, strategy.clone());
        strategy
    }

    /// Values of a field (lists and maps included); `None` for a message field that the depth
    /// bound leaves out.
    fn field(&mut self, field: &FieldDescriptor, depth: u32) -> Option<BoxedStrategy<Value>> {
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                unreachable!("map fields are messages");
            };
            let key = scalar(&entry.map_entry_key_field().kind())
                .expect("map keys are scalars")
                .prop_map(|key| key.into_map_key().expect("map keys are scalars"));
            return Some(
                match self.single(&entry.map_entry_value_field().kind(), depth) {
                    Some(value) => hash_map(key, value, 0..=MAX_ELEMENTS)
                        .prop_map(Value::Map)
                        .boxed(),
                    None => Just(Value::Map(HashMap::new())).boxed(),
                },
            );
        }
        if field.is_list() {
            return Some(match self.single(&field.kind(), depth) {
                Some(element) => vec(element, 0..=MAX_ELEMENTS).prop_map(Value::List).boxed(),
                None => Just(Value::List(Vec::new())).boxed(),
            });
        }
        self.single(&field.kind(), depth)
    }

    fn single(&mut self, kind: &Kind, depth: u32) -> Option<BoxedStrategy<Value>> {
        match kind {
            Kind::Message(desc) if depth > 0 => Some(
                self.message(desc, depth - 1)
                    .prop_map(Value::Message)
                    .boxed(),
            ),
            Kind::Message(_) => None,
            kind => scalar(kind),
        }
    }
}

/// A generated message; shown in failure reports as proto3 JSON and its encoding in hex, since
/// the derived `Debug` of a reflected message prints every descriptor it refers to.
#[derive(Clone)]
pub(super) struct Sample(pub(super) DynamicMessage);

impl Debug for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = serde_json::to_string(&self.0).map_err(|_| std::fmt::Error)?;
        let hex: String = self
            .0
            .encode_to_vec()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        write!(
            f,
            "{} {json} (encoded: {hex})",
            self.0.descriptor().full_name()
        )
    }
}

pub(super) fn random_messages(full_name: &str) -> BoxedStrategy<Sample> {
    Generator::default()
        .message(&descriptor(full_name), MAX_DEPTH)
        .prop_map(Sample)
        .boxed()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/message_props.txt",
        ))),
        // Shrink further than the default (4 × cases) so a failure reports a small message.
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The property

fn contains_nan(message: &DynamicMessage) -> bool {
    fn value_has_nan(value: &Value) -> bool {
        match value {
            Value::F32(f) => f.is_nan(),
            Value::F64(f) => f.is_nan(),
            Value::List(values) => values.iter().any(value_has_nan),
            Value::Map(entries) => entries.values().any(value_has_nan),
            Value::Message(message) => contains_nan(message),
            _ => false,
        }
    }
    message.fields().any(|(_, value)| value_has_nan(value))
}

fn has_map(message: &DynamicMessage) -> bool {
    fn value_has_map(value: &Value) -> bool {
        match value {
            Value::Map(_) => true,
            Value::List(values) => values.iter().any(value_has_map),
            Value::Message(message) => has_map(message),
            _ => false,
        }
    }
    message.fields().any(|(_, value)| value_has_map(value))
}

/// Whether a map entry holds an empty message as its value: prost leaves such a value out of
/// the entry, prost-reflect writes it (two bytes: tag and zero length). Both read back the same.
fn has_empty_message_in_map(message: &DynamicMessage) -> bool {
    fn value_has(value: &Value) -> bool {
        match value {
            Value::Map(entries) => entries.values().any(|value| match value {
                Value::Message(message) => {
                    message.encoded_len() == 0 || has_empty_message_in_map(message)
                }
                _ => false,
            }),
            Value::List(values) => values.iter().any(value_has),
            Value::Message(message) => has_empty_message_in_map(message),
            _ => false,
        }
    }
    message.fields().any(|(_, value)| value_has(value))
}

fn reflected(desc: &MessageDescriptor, wire: &[u8]) -> Result<DynamicMessage, TestCaseError> {
    DynamicMessage::decode(desc.clone(), wire)
        .map_err(|e| TestCaseError::fail(format!("prost-reflect rejects prost's bytes: {e}")))
}

/// Whether a plain (no presence) `float` or `double` field holds `-0.0` anywhere in the
/// message. prost-reflect counts it as the default, so `fields()` does not show it: the
/// descriptor's fields are looked at.
fn holds_plain_negative_zero(message: &DynamicMessage) -> bool {
    fn value_holds(value: &Value) -> bool {
        match value {
            Value::List(values) => values.iter().any(value_holds),
            Value::Map(entries) => entries.values().any(value_holds),
            Value::Message(message) => holds_plain_negative_zero(message),
            _ => false,
        }
    }
    let plain = message.descriptor().fields().any(|field| {
        !field.supports_presence()
            && !field.is_list()
            && match *message.get_field(&field) {
                Value::F32(f) => f == 0.0 && f.is_sign_negative(),
                Value::F64(f) => f == 0.0 && f.is_sign_negative(),
                _ => false,
            }
    });
    plain || message.fields().any(|(_, value)| value_holds(value))
}

/// The crate's proto3 JSON writer (which visits only the fields a message holds) writes the
/// same JSON as prost-reflect's own serializer with the same options, spelled the same, except
/// that it writes a plain `-0.0`, as Google does, where prost-reflect omits it.
fn check_json_writer(message: &DynamicMessage) -> Result<(), TestCaseError> {
    let ours = turms_wire::json::dynamic_to_value(message)
        .map_err(|e| TestCaseError::fail(format!("the JSON writer fails: {e}")))?;
    let mut text = Vec::new();
    let options = prost_reflect::SerializeOptions::new().use_proto_field_name(true);
    message
        .serialize_with_options(&mut serde_json::Serializer::new(&mut text), &options)
        .map_err(|e| TestCaseError::fail(format!("prost-reflect's serializer fails: {e}")))?;
    let mut reader = serde_json::Deserializer::from_slice(&text);
    reader.disable_recursion_limit();
    let theirs = <serde_json::Value as serde::Deserialize>::deserialize(&mut reader)
        .map_err(|e| TestCaseError::fail(format!("prost-reflect's JSON does not parse: {e}")))?;
    if !holds_plain_negative_zero(message) {
        prop_assert_eq!(ours, theirs, "the JSON writers differ");
        return Ok(());
    }
    let comparison = compare_message(&message.descriptor(), &theirs, &ours);
    prop_assert!(
        comparison.is_equal(),
        "the JSON writers differ: {:?}",
        comparison.differences
    );
    // The -0.0s are the only difference, and they are ours: prost-reflect never writes one.
    prop_assert_eq!(
        comparison.rules.into_iter().collect::<Vec<_>>(),
        [Rule::NegativeZeroDefault]
    );
    Ok(())
}

fn check_round_trip<T>(original: &DynamicMessage) -> Result<(), TestCaseError>
where
    T: Message + Default + PartialEq + Debug,
{
    let desc = original.descriptor();
    let wire = original.encode_to_vec();
    prop_assert_eq!(original.encoded_len(), wire.len());
    check_json_writer(original)?;

    let typed = T::decode(wire.as_slice())
        .map_err(|e| TestCaseError::fail(format!("prost rejects prost-reflect's bytes: {e}")))?;
    if has_empty_message_in_map(original) {
        prop_assert!(typed.encoded_len() < original.encoded_len());
    } else {
        prop_assert_eq!(
            typed.encoded_len(),
            original.encoded_len(),
            "prost and prost-reflect disagree on encoded_len"
        );
    }
    let typed_wire = typed.encode_to_vec();
    prop_assert_eq!(typed_wire.len(), typed.encoded_len());
    if !has_map(original) {
        // Without maps (HashMap order) both write fields in the same order.
        prop_assert_eq!(
            &typed_wire,
            &wire,
            "prost and prost-reflect write different bytes"
        );
    }

    let again = T::decode(typed_wire.as_slice())
        .map_err(|e| TestCaseError::fail(format!("prost rejects its own bytes: {e}")))?;
    // NaN != NaN under derived PartialEq; the reflected comparison below covers that case.
    prop_assert!(
        again == typed || contains_nan(original),
        "decode(encode(m)) != m: {again:?} vs {typed:?}"
    );

    for (what, bytes) in [
        ("prost's encoding", typed_wire),
        ("prost's re-encoding", again.encode_to_vec()),
    ] {
        let view = reflected(&desc, &bytes)?;
        if let Some(difference) = dynamic_eq::first_difference(original, &view) {
            return Err(TestCaseError::fail(format!(
                "{what} of {} differs at {}{difference}",
                desc.full_name(),
                desc.name()
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The table: every message of the schema and its generated type

macro_rules! every_message {
    ($($test:ident: $name:literal => $ty:ty,)*) => {
        /// Full names of the messages the table covers.
        pub(super) const TABLE: &[&str] = &[$($name),*];

        /// One property test per message type.
        mod round_trip {
            use super::*;

            $(
                proptest! {
                    #![proptest_config(config())]
                    #[test]
                    fn $test(message in random_messages($name)) {
                        check_round_trip::<$ty>(&message.0)?;
                    }
                }
            )*
        }
    };
}

every_message! {
    audio_file: "im.turms.proto.AudioFile" => proto::AudioFile,
    audio_file_description: "im.turms.proto.AudioFile.Description" => proto::audio_file::Description,
    check_group_join_questions_answers_request: "im.turms.proto.CheckGroupJoinQuestionsAnswersRequest" => proto::CheckGroupJoinQuestionsAnswersRequest,
    conversation_settings: "im.turms.proto.ConversationSettings" => proto::ConversationSettings,
    conversation_settings_list: "im.turms.proto.ConversationSettingsList" => proto::ConversationSettingsList,
    conversations: "im.turms.proto.Conversations" => proto::Conversations,
    create_friend_request_request: "im.turms.proto.CreateFriendRequestRequest" => proto::CreateFriendRequestRequest,
    create_group_blocked_user_request: "im.turms.proto.CreateGroupBlockedUserRequest" => proto::CreateGroupBlockedUserRequest,
    create_group_invitation_request: "im.turms.proto.CreateGroupInvitationRequest" => proto::CreateGroupInvitationRequest,
    create_group_join_questions_request: "im.turms.proto.CreateGroupJoinQuestionsRequest" => proto::CreateGroupJoinQuestionsRequest,
    create_group_join_request_request: "im.turms.proto.CreateGroupJoinRequestRequest" => proto::CreateGroupJoinRequestRequest,
    create_group_members_request: "im.turms.proto.CreateGroupMembersRequest" => proto::CreateGroupMembersRequest,
    create_group_request: "im.turms.proto.CreateGroupRequest" => proto::CreateGroupRequest,
    create_meeting_request: "im.turms.proto.CreateMeetingRequest" => proto::CreateMeetingRequest,
    create_message_reactions_request: "im.turms.proto.CreateMessageReactionsRequest" => proto::CreateMessageReactionsRequest,
    create_message_request: "im.turms.proto.CreateMessageRequest" => proto::CreateMessageRequest,
    create_relationship_group_request: "im.turms.proto.CreateRelationshipGroupRequest" => proto::CreateRelationshipGroupRequest,
    create_relationship_request: "im.turms.proto.CreateRelationshipRequest" => proto::CreateRelationshipRequest,
    create_session_request: "im.turms.proto.CreateSessionRequest" => proto::CreateSessionRequest,
    delete_conversation_settings_request: "im.turms.proto.DeleteConversationSettingsRequest" => proto::DeleteConversationSettingsRequest,
    delete_friend_request_request: "im.turms.proto.DeleteFriendRequestRequest" => proto::DeleteFriendRequestRequest,
    delete_group_blocked_user_request: "im.turms.proto.DeleteGroupBlockedUserRequest" => proto::DeleteGroupBlockedUserRequest,
    delete_group_invitation_request: "im.turms.proto.DeleteGroupInvitationRequest" => proto::DeleteGroupInvitationRequest,
    delete_group_join_questions_request: "im.turms.proto.DeleteGroupJoinQuestionsRequest" => proto::DeleteGroupJoinQuestionsRequest,
    delete_group_join_request_request: "im.turms.proto.DeleteGroupJoinRequestRequest" => proto::DeleteGroupJoinRequestRequest,
    delete_group_members_request: "im.turms.proto.DeleteGroupMembersRequest" => proto::DeleteGroupMembersRequest,
    delete_group_request: "im.turms.proto.DeleteGroupRequest" => proto::DeleteGroupRequest,
    delete_meeting_request: "im.turms.proto.DeleteMeetingRequest" => proto::DeleteMeetingRequest,
    delete_message_reactions_request: "im.turms.proto.DeleteMessageReactionsRequest" => proto::DeleteMessageReactionsRequest,
    delete_relationship_group_member_request: "im.turms.proto.DeleteRelationshipGroupMemberRequest" => proto::DeleteRelationshipGroupMemberRequest,
    delete_relationship_group_request: "im.turms.proto.DeleteRelationshipGroupRequest" => proto::DeleteRelationshipGroupRequest,
    delete_relationship_request: "im.turms.proto.DeleteRelationshipRequest" => proto::DeleteRelationshipRequest,
    delete_resource_request: "im.turms.proto.DeleteResourceRequest" => proto::DeleteResourceRequest,
    delete_session_request: "im.turms.proto.DeleteSessionRequest" => proto::DeleteSessionRequest,
    delete_user_settings_request: "im.turms.proto.DeleteUserSettingsRequest" => proto::DeleteUserSettingsRequest,
    file: "im.turms.proto.File" => proto::File,
    file_description: "im.turms.proto.File.Description" => proto::file::Description,
    group: "im.turms.proto.Group" => proto::Group,
    group_conversation: "im.turms.proto.GroupConversation" => proto::GroupConversation,
    group_invitation: "im.turms.proto.GroupInvitation" => proto::GroupInvitation,
    group_invitations_with_version: "im.turms.proto.GroupInvitationsWithVersion" => proto::GroupInvitationsWithVersion,
    group_join_question: "im.turms.proto.GroupJoinQuestion" => proto::GroupJoinQuestion,
    group_join_questions_answer_result: "im.turms.proto.GroupJoinQuestionsAnswerResult" => proto::GroupJoinQuestionsAnswerResult,
    group_join_questions_with_version: "im.turms.proto.GroupJoinQuestionsWithVersion" => proto::GroupJoinQuestionsWithVersion,
    group_join_request: "im.turms.proto.GroupJoinRequest" => proto::GroupJoinRequest,
    group_join_requests_with_version: "im.turms.proto.GroupJoinRequestsWithVersion" => proto::GroupJoinRequestsWithVersion,
    group_member: "im.turms.proto.GroupMember" => proto::GroupMember,
    group_members_with_version: "im.turms.proto.GroupMembersWithVersion" => proto::GroupMembersWithVersion,
    groups_with_version: "im.turms.proto.GroupsWithVersion" => proto::GroupsWithVersion,
    image_file: "im.turms.proto.ImageFile" => proto::ImageFile,
    image_file_description: "im.turms.proto.ImageFile.Description" => proto::image_file::Description,
    longs_with_version: "im.turms.proto.LongsWithVersion" => proto::LongsWithVersion,
    meeting: "im.turms.proto.Meeting" => proto::Meeting,
    meetings: "im.turms.proto.Meetings" => proto::Meetings,
    message: "im.turms.proto.Message" => proto::Message,
    message_reaction_group: "im.turms.proto.MessageReactionGroup" => proto::MessageReactionGroup,
    messages: "im.turms.proto.Messages" => proto::Messages,
    messages_with_total: "im.turms.proto.MessagesWithTotal" => proto::MessagesWithTotal,
    messages_with_total_list: "im.turms.proto.MessagesWithTotalList" => proto::MessagesWithTotalList,
    nearby_user: "im.turms.proto.NearbyUser" => proto::NearbyUser,
    nearby_users: "im.turms.proto.NearbyUsers" => proto::NearbyUsers,
    private_conversation: "im.turms.proto.PrivateConversation" => proto::PrivateConversation,
    query_conversation_settings_request: "im.turms.proto.QueryConversationSettingsRequest" => proto::QueryConversationSettingsRequest,
    query_conversations_request: "im.turms.proto.QueryConversationsRequest" => proto::QueryConversationsRequest,
    query_friend_requests_request: "im.turms.proto.QueryFriendRequestsRequest" => proto::QueryFriendRequestsRequest,
    query_group_blocked_user_ids_request: "im.turms.proto.QueryGroupBlockedUserIdsRequest" => proto::QueryGroupBlockedUserIdsRequest,
    query_group_blocked_user_infos_request: "im.turms.proto.QueryGroupBlockedUserInfosRequest" => proto::QueryGroupBlockedUserInfosRequest,
    query_group_invitations_request: "im.turms.proto.QueryGroupInvitationsRequest" => proto::QueryGroupInvitationsRequest,
    query_group_join_questions_request: "im.turms.proto.QueryGroupJoinQuestionsRequest" => proto::QueryGroupJoinQuestionsRequest,
    query_group_join_requests_request: "im.turms.proto.QueryGroupJoinRequestsRequest" => proto::QueryGroupJoinRequestsRequest,
    query_group_members_request: "im.turms.proto.QueryGroupMembersRequest" => proto::QueryGroupMembersRequest,
    query_groups_request: "im.turms.proto.QueryGroupsRequest" => proto::QueryGroupsRequest,
    query_joined_group_ids_request: "im.turms.proto.QueryJoinedGroupIdsRequest" => proto::QueryJoinedGroupIdsRequest,
    query_joined_group_infos_request: "im.turms.proto.QueryJoinedGroupInfosRequest" => proto::QueryJoinedGroupInfosRequest,
    query_meetings_request: "im.turms.proto.QueryMeetingsRequest" => proto::QueryMeetingsRequest,
    query_message_attachment_infos_request: "im.turms.proto.QueryMessageAttachmentInfosRequest" => proto::QueryMessageAttachmentInfosRequest,
    query_messages_request: "im.turms.proto.QueryMessagesRequest" => proto::QueryMessagesRequest,
    query_nearby_users_request: "im.turms.proto.QueryNearbyUsersRequest" => proto::QueryNearbyUsersRequest,
    query_related_user_ids_request: "im.turms.proto.QueryRelatedUserIdsRequest" => proto::QueryRelatedUserIdsRequest,
    query_relationship_groups_request: "im.turms.proto.QueryRelationshipGroupsRequest" => proto::QueryRelationshipGroupsRequest,
    query_relationships_request: "im.turms.proto.QueryRelationshipsRequest" => proto::QueryRelationshipsRequest,
    query_resource_download_info_request: "im.turms.proto.QueryResourceDownloadInfoRequest" => proto::QueryResourceDownloadInfoRequest,
    query_resource_upload_info_request: "im.turms.proto.QueryResourceUploadInfoRequest" => proto::QueryResourceUploadInfoRequest,
    query_user_online_statuses_request: "im.turms.proto.QueryUserOnlineStatusesRequest" => proto::QueryUserOnlineStatusesRequest,
    query_user_profiles_request: "im.turms.proto.QueryUserProfilesRequest" => proto::QueryUserProfilesRequest,
    query_user_settings_request: "im.turms.proto.QueryUserSettingsRequest" => proto::QueryUserSettingsRequest,
    storage_resource_info: "im.turms.proto.StorageResourceInfo" => proto::StorageResourceInfo,
    storage_resource_infos: "im.turms.proto.StorageResourceInfos" => proto::StorageResourceInfos,
    strings_with_version: "im.turms.proto.StringsWithVersion" => proto::StringsWithVersion,
    turms_notification: "im.turms.proto.TurmsNotification" => proto::TurmsNotification,
    turms_notification_data: "im.turms.proto.TurmsNotification.Data" => proto::turms_notification::Data,
    turms_request: "im.turms.proto.TurmsRequest" => proto::TurmsRequest,
    update_conversation_request: "im.turms.proto.UpdateConversationRequest" => proto::UpdateConversationRequest,
    update_conversation_settings_request: "im.turms.proto.UpdateConversationSettingsRequest" => proto::UpdateConversationSettingsRequest,
    update_friend_request_request: "im.turms.proto.UpdateFriendRequestRequest" => proto::UpdateFriendRequestRequest,
    update_group_invitation_request: "im.turms.proto.UpdateGroupInvitationRequest" => proto::UpdateGroupInvitationRequest,
    update_group_join_question_request: "im.turms.proto.UpdateGroupJoinQuestionRequest" => proto::UpdateGroupJoinQuestionRequest,
    update_group_join_request_request: "im.turms.proto.UpdateGroupJoinRequestRequest" => proto::UpdateGroupJoinRequestRequest,
    update_group_member_request: "im.turms.proto.UpdateGroupMemberRequest" => proto::UpdateGroupMemberRequest,
    update_group_request: "im.turms.proto.UpdateGroupRequest" => proto::UpdateGroupRequest,
    update_meeting_invitation_request: "im.turms.proto.UpdateMeetingInvitationRequest" => proto::UpdateMeetingInvitationRequest,
    update_meeting_request: "im.turms.proto.UpdateMeetingRequest" => proto::UpdateMeetingRequest,
    update_message_attachment_info_request: "im.turms.proto.UpdateMessageAttachmentInfoRequest" => proto::UpdateMessageAttachmentInfoRequest,
    update_message_request: "im.turms.proto.UpdateMessageRequest" => proto::UpdateMessageRequest,
    update_relationship_group_request: "im.turms.proto.UpdateRelationshipGroupRequest" => proto::UpdateRelationshipGroupRequest,
    update_relationship_request: "im.turms.proto.UpdateRelationshipRequest" => proto::UpdateRelationshipRequest,
    update_typing_status_request: "im.turms.proto.UpdateTypingStatusRequest" => proto::UpdateTypingStatusRequest,
    update_user_location_request: "im.turms.proto.UpdateUserLocationRequest" => proto::UpdateUserLocationRequest,
    update_user_online_status_request: "im.turms.proto.UpdateUserOnlineStatusRequest" => proto::UpdateUserOnlineStatusRequest,
    update_user_request: "im.turms.proto.UpdateUserRequest" => proto::UpdateUserRequest,
    update_user_settings_request: "im.turms.proto.UpdateUserSettingsRequest" => proto::UpdateUserSettingsRequest,
    user_friend_request: "im.turms.proto.UserFriendRequest" => proto::UserFriendRequest,
    user_friend_requests_with_version: "im.turms.proto.UserFriendRequestsWithVersion" => proto::UserFriendRequestsWithVersion,
    user_info: "im.turms.proto.UserInfo" => proto::UserInfo,
    user_infos_with_version: "im.turms.proto.UserInfosWithVersion" => proto::UserInfosWithVersion,
    user_location: "im.turms.proto.UserLocation" => proto::UserLocation,
    user_online_status: "im.turms.proto.UserOnlineStatus" => proto::UserOnlineStatus,
    user_online_statuses: "im.turms.proto.UserOnlineStatuses" => proto::UserOnlineStatuses,
    user_relationship: "im.turms.proto.UserRelationship" => proto::UserRelationship,
    user_relationship_group: "im.turms.proto.UserRelationshipGroup" => proto::UserRelationshipGroup,
    user_relationship_groups_with_version: "im.turms.proto.UserRelationshipGroupsWithVersion" => proto::UserRelationshipGroupsWithVersion,
    user_relationships_with_version: "im.turms.proto.UserRelationshipsWithVersion" => proto::UserRelationshipsWithVersion,
    user_session: "im.turms.proto.UserSession" => proto::UserSession,
    user_settings: "im.turms.proto.UserSettings" => proto::UserSettings,
    value: "im.turms.proto.Value" => proto::Value,
    video_file: "im.turms.proto.VideoFile" => proto::VideoFile,
    video_file_description: "im.turms.proto.VideoFile.Description" => proto::video_file::Description,
}

#[test]
fn the_table_names_every_message_of_the_schema() {
    let in_schema: BTreeSet<String> = pool()
        .all_messages()
        .filter(|desc| !desc.is_map_entry())
        .map(|desc| desc.full_name().to_owned())
        .collect();
    let in_table: BTreeSet<String> = TABLE.iter().map(|name| (*name).to_owned()).collect();
    assert_eq!(in_table.len(), TABLE.len(), "a message is listed twice");
    let missing: Vec<_> = in_schema.difference(&in_table).collect();
    let extra: Vec<_> = in_table.difference(&in_schema).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the table: {missing:?}; not in the schema: {extra:?}"
    );
}

/// The edge values the generator must produce somewhere (checked below), so that the round trip
/// is exercised on them.
const EDGES: &[&str] = &[
    "NaN",
    "+inf",
    "-inf",
    "-0.0",
    "i32::MIN",
    "i64::MIN",
    "i64::MAX",
    "unknown enum number",
    "present field holding its default",
    "string over 127 bytes",
    "non-ASCII string",
    "empty nested message",
    "map with several entries",
];

fn walk(message: &DynamicMessage, reached: &mut BTreeSet<String>, edges: &mut BTreeSet<&str>) {
    for (field, value) in message.fields() {
        reached.insert(field.full_name().to_owned());
        let is_message = matches!(field.kind(), Kind::Message(_));
        if field.supports_presence() && !is_message && value.is_default_for_field(&field) {
            edges.insert("present field holding its default");
        }
        walk_value(&field.kind(), value, reached, edges);
    }
}

fn walk_value(
    kind: &Kind,
    value: &Value,
    reached: &mut BTreeSet<String>,
    edges: &mut BTreeSet<&str>,
) {
    let float = |edges: &mut BTreeSet<&str>, f: f64| {
        if f.is_nan() {
            edges.insert("NaN");
        } else if f == f64::INFINITY {
            edges.insert("+inf");
        } else if f == f64::NEG_INFINITY {
            edges.insert("-inf");
        } else if f == 0.0 && f.is_sign_negative() {
            edges.insert("-0.0");
        }
    };
    match value {
        Value::F32(f) => float(edges, f64::from(*f)),
        Value::F64(f) => float(edges, *f),
        Value::I32(i32::MIN) => {
            edges.insert("i32::MIN");
        }
        Value::I64(i64::MIN) => {
            edges.insert("i64::MIN");
        }
        Value::I64(i64::MAX) => {
            edges.insert("i64::MAX");
        }
        Value::U64(u64::MAX) => {
            edges.insert("u64::MAX");
        }
        Value::EnumNumber(number) => {
            if let Kind::Enum(enum_desc) = kind {
                if enum_desc.get_value(*number).is_none() {
                    edges.insert("unknown enum number");
                }
            }
        }
        Value::String(s) => {
            if s.len() > 127 {
                edges.insert("string over 127 bytes");
            }
            if !s.is_ascii() {
                edges.insert("non-ASCII string");
            }
        }
        Value::List(values) => {
            for value in values {
                walk_value(kind, value, reached, edges);
            }
        }
        Value::Map(entries) => {
            if entries.len() > 1 {
                edges.insert("map with several entries");
            }
            if let Kind::Message(entry) = kind {
                let value_kind = entry.map_entry_value_field().kind();
                for value in entries.values() {
                    walk_value(&value_kind, value, reached, edges);
                }
            }
        }
        Value::Message(message) => {
            if message.encoded_len() == 0 {
                edges.insert("empty nested message");
            }
            walk(message, reached, edges);
        }
        _ => {}
    }
}

/// Guards the property above against a generator that silently stops producing something: with
/// a fixed seed, every field of the schema is set somewhere and every edge value shows up.
/// (The generator is the one the properties use, with shallower nesting to keep this fast.)
/// (The generator is the one the properties use, with shallower nesting to keep this fast.)
#[test]
fn the_generator_reaches_every_field_and_edge_value() {
    let mut runner = TestRunner::deterministic();
    let mut reached = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for name in TABLE {
        let desc = descriptor(name);
        let widest_oneof = desc
            .oneofs()
            .map(|oneof| oneof.fields().len())
            .max()
            .unwrap_or(0);
        // Every message type is a root here, so one level of nesting reaches every field.
        let strategy = Generator::default().message(&desc, 1);
        for _ in 0..8 + 8 * widest_oneof {
            let sample = strategy
                .new_tree(&mut runner)
                .expect("generation never rejects")
                .current();
            walk(&sample, &mut reached, &mut edges);
        }
    }
    let every_field: BTreeSet<String> = pool()
        .all_messages()
        .filter(|desc| !desc.is_map_entry())
        .flat_map(|desc| {
            desc.fields()
                .map(|field| field.full_name().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let unreached: Vec<_> = every_field.difference(&reached).collect();
    assert!(unreached.is_empty(), "fields never set: {unreached:?}");
    let missing: Vec<_> = EDGES.iter().filter(|edge| !edges.contains(*edge)).collect();
    assert!(
        missing.is_empty(),
        "edge values never produced: {missing:?}"
    );
}
