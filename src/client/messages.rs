//! Messages: send to a user or a group, and query.

use super::{invalid, Client, ClientError, InvalidRequest};
use crate::proto::turms_notification::data;
use crate::proto::turms_request::Kind;
use crate::proto::{CreateMessageRequest, Message, QueryMessagesRequest};
use crate::session::client::unexpected;

impl Client {
    /// Sends a text message to a user and returns the message id the server assigned
    /// (`data.long` of the response).
    pub async fn send_private_message(
        &self,
        recipient_id: i64,
        text: impl Into<String>,
    ) -> Result<i64, ClientError> {
        self.send_message(CreateMessageRequest {
            recipient_id: Some(recipient_id),
            text: Some(text.into()),
            ..CreateMessageRequest::default()
        })
        .await
    }

    /// Sends a text message to a group and returns the message id the server assigned.
    pub async fn send_group_message(
        &self,
        group_id: i64,
        text: impl Into<String>,
    ) -> Result<i64, ClientError> {
        self.send_message(CreateMessageRequest {
            group_id: Some(group_id),
            text: Some(text.into()),
            ..CreateMessageRequest::default()
        })
        .await
    }

    /// Sends any `CreateMessageRequest` (records, burn-after, …) and returns the message id.
    /// It needs exactly one of `recipient_id` and `group_id`.
    pub async fn send_message(&self, message: CreateMessageRequest) -> Result<i64, ClientError> {
        if message.recipient_id.is_some() == message.group_id.is_some() {
            return Err(invalid(InvalidRequest::IllegalArgument(
                "a message needs exactly one of recipient_id and group_id",
            )));
        }
        self.request(Kind::CreateMessageRequest(message))
            .await?
            .expect_long()
    }

    /// Queries messages. The answer is `data.messages` (or `data.messages_with_total_list`
    /// when `with_total` is set, flattened here); no data means no messages.
    pub async fn query_messages(
        &self,
        query: QueryMessagesRequest,
    ) -> Result<Vec<Message>, ClientError> {
        let response = self.request(Kind::QueryMessagesRequest(query)).await?;
        let request_id = response.request_id();
        match response.into_data_kind() {
            None => Ok(Vec::new()),
            Some(data::Kind::Messages(messages)) => Ok(messages.messages),
            Some(data::Kind::MessagesWithTotalList(list)) => Ok(list
                .messages_with_total_list
                .into_iter()
                .flat_map(|with_total| with_total.messages)
                .collect()),
            Some(other) => Err(unexpected(request_id, "messages", Some(&other))),
        }
    }
}
