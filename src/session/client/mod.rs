//! The client session as a state machine without I/O: [`ClientSession`].
//!
//! Every rule of a client session lives here, and nothing else: the login in either order of
//! session info and response, the session states, request ids and the correlation of
//! responses, timeouts, the pending cap, heartbeats, logout and every way a session ends. The
//! machine never touches a socket, a clock or a task; the async
//! [`client`](crate::client) is one driver of it, and anything else (another runtime, a
//! simulator, a test) can be another.
//!
//! # Shape
//!
//! Inputs are method calls, each taking the current time where time matters:
//!
//! * the user's calls: [`login`](ClientSession::login), [`request`](ClientSession::request),
//!   [`heartbeat`](ClientSession::heartbeat), [`logout`](ClientSession::logout) (each returns
//!   a [`CallId`], or fails at once without sending anything), [`cancel`](ClientSession::cancel)
//!   for a call its caller gave up on, and [`close`](ClientSession::close);
//! * the connection: [`handle_frame`](ClientSession::handle_frame) for each classified frame,
//!   [`handle_connection_lost`](ClientSession::handle_connection_lost) when it ends, and
//!   [`handle_timeout`](ClientSession::handle_timeout) when the time asked for has come.
//!
//! Outputs are polled after every input, each until `None`:
//! [`poll_transmit`](ClientSession::poll_transmit) (frame bodies to send, in order; empty is a
//! heartbeat), [`poll_outcome`](ClientSession::poll_outcome) (an [`Outcome`]: a [`CallId`] and
//! its `Result<`[`Completion`]`, `[`ClientError`]`>`), [`poll_event`](ClientSession::poll_event)
//! ([`Event`]s to report), then [`poll_timeout`](ClientSession::poll_timeout) (when to call
//! `handle_timeout` next). Once [`close_info`](ClientSession::close_info) is `Some`, the
//! session is over: close the connection, unless it closed itself.
//!
//! Time is a `std::time::Instant` the driver passes in; the machine never reads a clock, so
//! a fake clock drives it as well as a real one, and every timeout is testable without
//! waiting.
//!
//! # Driving it
//!
//! A driver of its own: the "network" is a list of frames, the clock a variable. The client
//! logs in, the server answers with the session info after the response, the client sends a
//! request and gets its answer, then stays idle until a heartbeat is due.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use bytes::Bytes;
//! use prost::Message;
//! use turms_wire::codec::notification_to_bytes;
//! use turms_wire::proto::turms_notification::{data, Data};
//! use turms_wire::proto::turms_request::Kind;
//! use turms_wire::proto::{
//!     QueryUserProfilesRequest, TurmsNotification, TurmsRequest, UserInfo, UserInfosWithVersion,
//!     UserSession,
//! };
//! use turms_wire::role::{self, Role};
//! use turms_wire::session::client::{
//!     CallId, ClientSession, Completion, Config, LoginRequest, SessionState,
//! };
//!
//! /// What the server answers to the frames the client sent: 1000 to every request, with the
//! /// session info after a login, and one profile to a profile query.
//! fn server(sent: &[Bytes]) -> Vec<Bytes> {
//!     let mut replies = Vec::new();
//!     for body in sent {
//!         let request = TurmsRequest::decode(body.clone()).expect("a request");
//!         let data = match request.kind {
//!             Some(Kind::QueryUserProfilesRequest(_)) => {
//!                 Some(data::Kind::UserInfosWithVersion(UserInfosWithVersion {
//!                     user_infos: vec![UserInfo { id: Some(2), ..Default::default() }],
//!                     last_updated_date: None,
//!                 }))
//!             }
//!             _ => None,
//!         };
//!         replies.push(notification_to_bytes(&TurmsNotification {
//!             request_id: request.request_id,
//!             code: Some(1000),
//!             data: data.map(|kind| Data { kind: Some(kind) }),
//!             ..Default::default()
//!         }));
//!         if let Some(Kind::CreateSessionRequest(_)) = request.kind {
//!             replies.push(notification_to_bytes(&TurmsNotification {
//!                 data: Some(Data {
//!                     kind: Some(data::Kind::UserSession(UserSession {
//!                         session_id: "42".into(),
//!                         server_id: "gw-1".into(),
//!                         ..Default::default()
//!                     })),
//!                 }),
//!                 ..Default::default()
//!             }));
//!         }
//!     }
//!     replies
//! }
//!
//! /// One round trip: what the client queued goes out, the server's replies come back 5 ms
//! /// later, and every call that ended is collected.
//! fn round_trip(session: &mut ClientSession, clock: &mut Instant) -> Vec<(CallId, Completion)> {
//!     let sent: Vec<Bytes> = std::iter::from_fn(|| session.poll_transmit()).collect();
//!     *clock += Duration::from_millis(5);
//!     for body in server(&sent) {
//!         session.handle_frame(role::Client::classify(body), *clock);
//!     }
//!     std::iter::from_fn(|| session.poll_outcome())
//!         .map(|outcome| (outcome.call, outcome.result.expect("success")))
//!         .collect()
//! }
//!
//! let mut clock = Instant::now();
//! let mut session = ClientSession::new(Config::default(), clock);
//!
//! let login = session.login(&LoginRequest::new(1).password("123"), clock)?;
//! let [(call, Completion::LoggedIn(logged_in))] = &round_trip(&mut session, &mut clock)[..]
//! else {
//!     panic!("not logged in");
//! };
//! assert_eq!(*call, login);
//! assert_eq!(logged_in.session.as_ref().and_then(|s| s.session_id()), Some("42"));
//! assert_eq!(session.state(), SessionState::Open);
//!
//! let query = Kind::QueryUserProfilesRequest(QueryUserProfilesRequest {
//!     user_ids: vec![2],
//!     ..Default::default()
//! });
//! let request = session.request(query, clock)?;
//! let [(call, Completion::Answered(answer))] = &round_trip(&mut session, &mut clock)[..] else {
//!     panic!("no answer");
//! };
//! assert_eq!(*call, request);
//! let profiles = answer.data().and_then(|data| data.kind.as_ref());
//! let Some(data::Kind::UserInfosWithVersion(profiles)) = profiles else {
//!     panic!("no profiles");
//! };
//! assert_eq!(profiles.user_infos[0].id, Some(2));
//!
//! // Nothing more to say: the clock jumps from one wake-up to the next until a heartbeat
//! // (an empty frame) goes out, more than the 120 s interval after the last request.
//! let idle_since = clock;
//! let heartbeat = loop {
//!     clock = session.poll_timeout().expect("heartbeats are checked while open");
//!     session.handle_timeout(clock);
//!     if let Some(body) = session.poll_transmit() {
//!         break body;
//!     }
//! };
//! assert!(heartbeat.is_empty());
//! assert!(clock - idle_since > Duration::from_secs(120));
//! # Ok::<(), turms_wire::session::client::ClientError>(())
//! ```

mod answer;
mod call;
mod config;
mod error;
mod event;
mod heartbeat;
mod login;
mod machine;
mod pending;
mod state;

#[cfg(test)]
mod tests;

pub use answer::Answer;
pub use call::{CallId, Completion, Outcome};
pub use config::Config;
pub use error::{ClientError, InvalidRequest, InvalidResponse};
pub use event::{CloseInfo, CloseOrigin, Event, PushEvent};
pub use heartbeat::DEFAULT_HEARTBEAT_INTERVAL;
pub use login::{LoggedIn, LoginRequest, PROTOCOL_VERSION};
pub use machine::ClientSession;
pub use state::SessionState;

// The client's typed helpers read answers of the wrong shape the same way.
#[cfg(feature = "client")]
pub(crate) use answer::unexpected;
