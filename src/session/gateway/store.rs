//! The gateway's memory: messages sent through it and the groups it was told about.
//!
//! Nothing is persisted; a restart forgets everything. The rules follow turms-service where a
//! test is likely to notice (who sees a message, what `from_ids` means, how `with_total`
//! groups), and stay simple elsewhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::proto::turms_notification::data::Kind as DataKind;
use crate::proto::{
    CreateMessageRequest, Message, Messages, MessagesWithTotal, MessagesWithTotalList,
    QueryMessagesRequest,
};

/// Messages and groups.
#[derive(Debug, Default)]
pub(crate) struct Store {
    last_message_id: i64,
    messages: Vec<Message>,
    groups: HashMap<i64, BTreeSet<i64>>,
}

impl Store {
    /// Adds `members` to group `group_id` (creating it if needed).
    pub fn add_group(&mut self, group_id: i64, members: impl IntoIterator<Item = i64>) {
        self.groups.entry(group_id).or_default().extend(members);
    }

    /// The members of a group (empty for a group the store does not know).
    pub fn group_members(&self, group_id: i64) -> Vec<i64> {
        self.groups
            .get(&group_id)
            .map(|members| members.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Every group and its members, by group id.
    pub fn groups(&self) -> BTreeMap<i64, Vec<i64>> {
        self.groups
            .iter()
            .map(|(id, members)| (*id, members.iter().copied().collect()))
            .collect()
    }

    /// Every stored message, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Stores a message from `sender` delivered at `delivery_date` under a new id, and returns
    /// it with the users it goes to: the recipient of a private message, or the members of the
    /// group other than the sender. The caller has checked that the request names a target.
    pub fn save_message(
        &mut self,
        sender: i64,
        request: &CreateMessageRequest,
        delivery_date: i64,
    ) -> (Message, Vec<i64>) {
        self.last_message_id += 1;
        let message = Message {
            id: Some(self.last_message_id),
            delivery_date: Some(delivery_date),
            text: request.text.clone(),
            sender_id: Some(sender),
            group_id: request.group_id,
            is_system_message: request.is_system_message,
            recipient_id: if request.group_id.is_some() {
                None
            } else {
                request.recipient_id
            },
            records: request.records.clone(),
            pre_message_id: request.pre_message_id,
            custom_attributes: request.custom_attributes.clone(),
            ..Message::default()
        };
        let recipients = match (request.group_id, request.recipient_id) {
            (Some(group), _) => self
                .group_members(group)
                .into_iter()
                .filter(|&member| member != sender)
                .collect(),
            (None, Some(recipient)) => vec![recipient],
            (None, None) => Vec::new(),
        };
        self.messages.push(message.clone());
        (message, recipients)
    }

    /// Answers a `QueryMessagesRequest` from `requester`: `data.messages`, or
    /// `data.messages_with_total_list` when `with_total` is set; `None` when nothing matches
    /// (turms-service then answers `NO_CONTENT`).
    ///
    /// The requester sees private messages they sent or received and group messages of groups
    /// they belong to (or sent). Filters: `ids`, `are_group_messages`, `are_system_messages`,
    /// `from_ids` (the sender of a private message, the group of a group message), the delivery
    /// date range (both ends inclusive), then `descending` (default ascending by delivery date)
    /// and `max_count`. With `with_total`, the messages are grouped by where they came from
    /// (group id, or sender id for private messages) and each group's `total` counts every
    /// matching message, not only the ones returned.
    pub fn query(&self, requester: i64, query: &QueryMessagesRequest) -> Option<DataKind> {
        let mut found: Vec<&Message> = self
            .messages
            .iter()
            .filter(|m| self.visible_to(requester, m) && matches(query, m))
            .collect();
        found.sort_by_key(|m| (m.delivery_date, m.id));
        if query.descending == Some(true) {
            found.reverse();
        }
        let totals = query.with_total.then(|| {
            let mut totals: HashMap<(bool, i64), i32> = HashMap::new();
            for m in &found {
                *totals.entry(from_key(m)).or_default() += 1;
            }
            totals
        });
        if let Some(max) = query.max_count.and_then(|n| usize::try_from(n).ok()) {
            found.truncate(max);
        }
        if found.is_empty() {
            return None;
        }
        Some(match totals {
            None => DataKind::Messages(Messages {
                messages: found.into_iter().cloned().collect(),
            }),
            Some(totals) => {
                // Groups in order of their first message in the answer.
                let mut order: Vec<(bool, i64)> = Vec::new();
                let mut grouped: HashMap<(bool, i64), Vec<Message>> = HashMap::new();
                for m in found {
                    let key = from_key(m);
                    if !grouped.contains_key(&key) {
                        order.push(key);
                    }
                    grouped.entry(key).or_default().push(m.clone());
                }
                DataKind::MessagesWithTotalList(MessagesWithTotalList {
                    messages_with_total_list: order
                        .into_iter()
                        .map(|key| MessagesWithTotal {
                            total: totals.get(&key).copied().unwrap_or_default(),
                            is_group_message: key.0,
                            from_id: key.1,
                            messages: grouped.remove(&key).unwrap_or_default(),
                        })
                        .collect(),
                })
            }
        })
    }

    fn visible_to(&self, requester: i64, m: &Message) -> bool {
        if m.sender_id == Some(requester) {
            return true;
        }
        match m.group_id {
            Some(group) => self
                .groups
                .get(&group)
                .is_some_and(|members| members.contains(&requester)),
            None => m.recipient_id == Some(requester),
        }
    }
}

/// Where a message came from, for `from_ids` and `with_total`: its group, or its sender.
fn from_key(m: &Message) -> (bool, i64) {
    match m.group_id {
        Some(group) => (true, group),
        None => (false, m.sender_id.unwrap_or_default()),
    }
}

fn matches(query: &QueryMessagesRequest, m: &Message) -> bool {
    let (is_group, from) = from_key(m);
    (query.ids.is_empty() || m.id.is_some_and(|id| query.ids.contains(&id)))
        && query.are_group_messages.is_none_or(|want| want == is_group)
        && query
            .are_system_messages
            .is_none_or(|want| want == m.is_system_message.unwrap_or(false))
        && (query.from_ids.is_empty() || query.from_ids.contains(&from))
        && query
            .delivery_date_start
            .is_none_or(|start| m.delivery_date.unwrap_or_default() >= start)
        && query
            .delivery_date_end
            .is_none_or(|end| m.delivery_date.unwrap_or_default() <= end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(to: i64, text: &str) -> CreateMessageRequest {
        CreateMessageRequest {
            recipient_id: Some(to),
            text: Some(text.to_owned()),
            ..CreateMessageRequest::default()
        }
    }

    fn group(id: i64, text: &str) -> CreateMessageRequest {
        CreateMessageRequest {
            group_id: Some(id),
            text: Some(text.to_owned()),
            ..CreateMessageRequest::default()
        }
    }

    fn texts(data: Option<DataKind>) -> Vec<String> {
        match data {
            Some(DataKind::Messages(m)) => m.messages.into_iter().filter_map(|m| m.text).collect(),
            None => Vec::new(),
            Some(other) => panic!("unexpected {other:?}"),
        }
    }

    fn store() -> Store {
        let mut store = Store::default();
        store.add_group(100, [1, 2, 3]);
        let (m, to) = store.save_message(1, &private(2, "a"), 10);
        assert_eq!((m.id, to), (Some(1), vec![2]));
        store.save_message(3, &private(2, "b"), 20);
        store.save_message(2, &private(1, "c"), 30);
        let (m, to) = store.save_message(1, &group(100, "d"), 40);
        assert_eq!((m.id, m.recipient_id, to), (Some(4), None, vec![2, 3]));
        store.save_message(4, &private(5, "e"), 50);
        store
    }

    #[test]
    fn visibility_and_filters() {
        let store = store();
        let all = QueryMessagesRequest::default();
        assert_eq!(texts(store.query(2, &all)), ["a", "b", "c", "d"]);
        assert_eq!(texts(store.query(3, &all)), ["b", "d"]);
        assert_eq!(texts(store.query(9, &all)), Vec::<String>::new());

        let q = QueryMessagesRequest {
            are_group_messages: Some(false),
            from_ids: vec![1, 3],
            ..all.clone()
        };
        assert_eq!(texts(store.query(2, &q)), ["a", "b"]);

        let q = QueryMessagesRequest {
            ids: vec![2, 4],
            descending: Some(true),
            ..all.clone()
        };
        assert_eq!(texts(store.query(2, &q)), ["d", "b"]);

        let q = QueryMessagesRequest {
            delivery_date_start: Some(20),
            delivery_date_end: Some(30),
            ..all.clone()
        };
        assert_eq!(texts(store.query(2, &q)), ["b", "c"]);

        let q = QueryMessagesRequest {
            max_count: Some(2),
            descending: Some(true),
            ..all.clone()
        };
        assert_eq!(texts(store.query(2, &q)), ["d", "c"]);

        let q = QueryMessagesRequest {
            are_system_messages: Some(true),
            ..all
        };
        assert!(store.query(2, &q).is_none());
    }

    #[test]
    fn totals_count_beyond_max_count() {
        let mut store = store();
        store.save_message(1, &private(2, "f"), 60);
        let q = QueryMessagesRequest {
            with_total: true,
            max_count: Some(3),
            ..QueryMessagesRequest::default()
        };
        let Some(DataKind::MessagesWithTotalList(list)) = store.query(2, &q) else {
            panic!("expected messages_with_total_list");
        };
        let summary: Vec<(bool, i64, i32, usize)> = list
            .messages_with_total_list
            .iter()
            .map(|m| (m.is_group_message, m.from_id, m.total, m.messages.len()))
            .collect();
        // a (from 1), b (from 3), c (sent by 2 itself) are returned; d (group 100) and f
        // (from 1) are cut by max_count, and f still counts in user 1's total.
        assert_eq!(
            summary,
            [(false, 1, 2, 1), (false, 3, 1, 1), (false, 2, 1, 1)]
        );
        let q = QueryMessagesRequest {
            with_total: true,
            from_ids: vec![100],
            ..QueryMessagesRequest::default()
        };
        let Some(DataKind::MessagesWithTotalList(list)) = store.query(3, &q) else {
            panic!("expected messages_with_total_list");
        };
        assert_eq!(list.messages_with_total_list.len(), 1);
        assert_eq!(list.messages_with_total_list[0].total, 1);
        assert!(list.messages_with_total_list[0].is_group_message);
    }
}
