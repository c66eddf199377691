//! Users: profiles and online status.

use super::{invalid, Client, ClientError, InvalidRequest};
use crate::proto::turms_notification::data;
use crate::proto::turms_request::Kind;
use crate::proto::{QueryUserProfilesRequest, UpdateUserOnlineStatusRequest, UserInfo, UserStatus};
use crate::session::client::unexpected;

impl Client {
    /// Queries the profiles of `user_ids` (`data.user_infos_with_version`; no data means no
    /// profiles).
    pub async fn query_user_profiles(
        &self,
        user_ids: impl IntoIterator<Item = i64>,
    ) -> Result<Vec<UserInfo>, ClientError> {
        let user_ids: Vec<i64> = user_ids.into_iter().collect();
        if user_ids.is_empty() {
            return Err(invalid(InvalidRequest::IllegalArgument(
                "no user ids to query",
            )));
        }
        let response = self
            .request(Kind::QueryUserProfilesRequest(QueryUserProfilesRequest {
                user_ids,
                ..QueryUserProfilesRequest::default()
            }))
            .await?;
        let request_id = response.request_id();
        match response.into_data_kind() {
            None => Ok(Vec::new()),
            Some(data::Kind::UserInfosWithVersion(infos)) => Ok(infos.user_infos),
            Some(other) => Err(unexpected(
                request_id,
                "user_infos_with_version",
                Some(&other),
            )),
        }
    }

    /// Changes this user's online status (on every device).
    pub async fn update_online_status(&self, status: UserStatus) -> Result<(), ClientError> {
        self.request(Kind::UpdateUserOnlineStatusRequest(
            UpdateUserOnlineStatusRequest {
                user_status: status as i32,
                ..UpdateUserOnlineStatusRequest::default()
            },
        ))
        .await
        .map(drop)
    }
}
