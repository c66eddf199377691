//! The mock gateway's session rules, as a state machine per connection and the plain data its
//! connections share.
//!
//! A [`GatewaySession`] is the gateway's side of one connection, from accept to close. It is
//! handed what arrives (a classified [`ClientFrame`](crate::frame::ClientFrame), a malformed
//! frame, a framing violation, the end of the transport), the [`Command`]s routed to it (a
//! push, a close, shutdown) and the time, always as an [`Instant`](std::time::Instant) the
//! caller supplies; it hands out frame bodies to write, [`GatewayEvent`]s, [`Dispatch`]es for
//! other connections, its next deadline, and its [`Phase`], which says when to close the
//! transport. It never reads a clock, a socket or a thread.
//!
//! What connections share (the session registry with its [`LoginConflictPolicy`], the message
//! store and groups, the [`Authenticator`] and the [`Script`]) is a [`GatewayState`], which
//! every call takes by `&mut`. Rules that need an answer from it in the same step (a login
//! registers its session and displaces a conflicting one; a message gets its id from the
//! store) run on it directly; what must reach another connection (the kicked session's close,
//! a message's pushes) comes back as a [`Dispatch`], because reaching another connection is
//! the driver's business. The mock [`gateway`](crate::gateway) is such a driver: one task per
//! connection moving frames, commands and time, with the state behind a lock.
//!
//! The rules are the real turms-gateway's, as the mock [`gateway`](crate::gateway) lists them:
//! the accept rule, login (version 1, the authenticator, one session per user and device
//! type), heartbeats, the login and idle timeouts, logout, the close sequence, framing
//! violations, messages and queries, scripts, pushes and closes to a [`SessionTarget`],
//! shutdown.
//!
//! # Driving a connection by hand
//!
//! A simulator owns the state and the machines, makes the frames and moves the clock:
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use bytes::Bytes;
//! use turms_wire::codec::request_to_bytes;
//! use turms_wire::frame::{ClientFrame, ServerFrame};
//! use turms_wire::proto::{turms_request::Kind, CreateSessionRequest, TurmsRequest};
//! use turms_wire::session::gateway::{
//!     GatewayConfig, GatewayEvent, GatewaySession, GatewayState, Phase, WallClock,
//! };
//! use turms_wire::transport::TransportKind;
//! use turms_wire::{ResponseStatusCode, SessionCloseStatus};
//!
//! // The simulation's clock starts at `t0`, which it calls 2023-11-14T22:13:20Z.
//! let t0 = Instant::now();
//! let mut config = GatewayConfig::default();
//! config.idle_timeout = Duration::from_secs(180);
//! let mut state = GatewayState::new(config, WallClock::new(t0, 1_700_000_000_000));
//! let peer = "192.0.2.7:50000".parse()?;
//! let mut conn = GatewaySession::new(t0, TransportKind::Tcp, peer, &mut state);
//!
//! // Log in as user 7: the session info comes first, then the OK response.
//! let login = TurmsRequest {
//!     request_id: Some(1),
//!     kind: Some(Kind::CreateSessionRequest(CreateSessionRequest {
//!         version: 1,
//!         user_id: 7,
//!         ..CreateSessionRequest::default()
//!     })),
//!     ..TurmsRequest::default()
//! };
//! conn.handle_frame(t0, ClientFrame::classify(request_to_bytes(&login))?, &mut state);
//! let ServerFrame::SessionInfo(info) = ServerFrame::classify(conn.poll_transmit().unwrap())?
//! else {
//!     panic!("the session info comes first");
//! };
//! assert_eq!(info.timestamp(), 1_700_000_000_000);
//! let ServerFrame::Response(ok) = ServerFrame::classify(conn.poll_transmit().unwrap())? else {
//!     panic!("then the response");
//! };
//! assert_eq!((ok.request_id(), ok.code()), (1, Some(ResponseStatusCode::OK)));
//! assert!(matches!(conn.poll_event(), Some(GatewayEvent::ConnectionOpened { .. })));
//! assert!(matches!(conn.poll_event(), Some(GatewayEvent::LoginSucceeded { .. })));
//! assert_eq!(state.sessions()[0].user_id, 7);
//!
//! // A minute later, a heartbeat: an empty ack, and the idle deadline moves.
//! let t1 = t0 + Duration::from_secs(60);
//! conn.handle_frame(t1, ClientFrame::Heartbeat, &mut state);
//! assert_eq!(conn.poll_transmit(), Some(Bytes::new()));
//! let deadline = conn.next_deadline().unwrap();
//! assert_eq!(deadline, t1 + Duration::from_secs(180));
//!
//! // Nothing more: at the deadline, not before, the session closes with 110.
//! conn.handle_timeout(deadline - Duration::from_millis(1), &mut state);
//! assert_eq!(conn.poll_transmit(), None);
//! conn.handle_timeout(deadline, &mut state);
//! let ServerFrame::Close(close) = ServerFrame::classify(conn.poll_transmit().unwrap())? else {
//!     panic!("a close notification");
//! };
//! assert_eq!(close.status(), SessionCloseStatus::HEARTBEAT_TIMEOUT);
//! assert!(state.sessions().is_empty());
//!
//! // With a zero close timeout, the transport closes as soon as the notification is written.
//! assert_eq!(conn.phase(), Phase::Closing);
//! conn.handle_timeout(conn.next_deadline().unwrap(), &mut state);
//! assert_eq!(conn.phase(), Phase::Closed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod command;
mod config;
mod connection;
mod event;
mod notify;
mod registry;
mod requests;
mod script;
mod state;
mod store;
#[cfg(test)]
mod tests;

pub use auth::{AcceptAll, AuthDecision, Authenticator, LoginAttempt, SharedPassword};
pub use command::{Command, Dispatch};
pub use config::{
    GatewayConfig, WallClock, DEFAULT_IDLE_TIMEOUT, DEFAULT_LOGIN_TIMEOUT, DEFAULT_SERVER_ID,
    REAL_CLOSE_TIMEOUT,
};
pub use connection::{GatewaySession, Phase};
pub use event::{ConnectionEnd, GatewayEvent};
pub use registry::{LoginConflictPolicy, Session, SessionTarget};
pub use script::{Reply, Script, ScriptedResponse};
pub use state::GatewayState;
