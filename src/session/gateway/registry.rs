//! Live sessions: what the gateway knows about each, which of them a push or a close is meant
//! for, and the registry that applies the login conflict policy and names the connections to
//! reach.
//!
//! The registry only knows connections by number: reaching one is the driver's business (a
//! [`Dispatch`](super::Dispatch)).

use std::collections::HashMap;
use std::net::SocketAddr;

use rand::Rng;

use crate::proto::{DeviceType, UserStatus};
use crate::transport::TransportKind;

/// A logged-in session, as the gateway lists it and as a [`Script`](super::Script) sees the
/// requester.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Session {
    /// The session id: a random positive int32, sent to the client as a decimal string.
    pub session_id: i32,
    /// The user logged in.
    pub user_id: i64,
    /// The device type (an unknown number reads as `UNKNOWN`).
    pub device_type: DeviceType,
    /// The online status the client asked for, if any.
    pub user_status: Option<UserStatus>,
    /// The connection carrying the session (as numbered in [`GatewayEvent`](super::GatewayEvent)s).
    pub connection_id: u64,
    /// The transport the connection uses.
    pub transport: TransportKind,
    /// The client's address.
    pub peer: SocketAddr,
}

/// Which sessions a push or a close is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionTarget {
    /// Every session of the user, on every device.
    User(i64),
    /// The user's session on one device type.
    UserDevice(i64, DeviceType),
    /// One session, by id.
    Session(i32),
    /// Every live session.
    All,
}

impl SessionTarget {
    fn matches(&self, info: &Session) -> bool {
        match *self {
            SessionTarget::User(user) => info.user_id == user,
            SessionTarget::UserDevice(user, device) => {
                info.user_id == user && info.device_type == device
            }
            SessionTarget::Session(id) => info.session_id == id,
            SessionTarget::All => true,
        }
    }
}

/// What happens when a user logs in on a device type where they already have a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginConflictPolicy {
    /// The real gateway's default (one device of each type online, disconnect the logged-in
    /// one): the earlier session is closed with `DISCONNECTED_BY_CLIENT` (500), which is what
    /// the real code sends, although 501 would describe it better.
    #[default]
    CloseExisting,
    /// The new login is refused with `SESSION_SIMULTANEOUS_CONFLICTS_DECLINE` (2100).
    DeclineNew,
    /// Both sessions stay.
    AllowBoth,
}

/// Every live session, by id.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: HashMap<i32, Session>,
}

/// The outcome of [`Registry::register`].
#[derive(Debug)]
pub(crate) enum Registration {
    /// The session is live; these earlier sessions were dropped from the registry and their
    /// connections must be told to close.
    Registered {
        session: Session,
        displaced: Vec<Session>,
    },
    /// The policy refused the login.
    Declined,
}

/// The details of a session about to be registered; the registry picks its id.
pub(crate) struct NewSession {
    pub user_id: i64,
    pub device_type: DeviceType,
    pub user_status: Option<UserStatus>,
    pub connection_id: u64,
    pub transport: TransportKind,
    pub peer: SocketAddr,
}

impl Registry {
    /// Registers a session under a fresh random positive id, applying `policy` to sessions of
    /// the same user on the same device type.
    pub fn register(&mut self, new: NewSession, policy: LoginConflictPolicy) -> Registration {
        let same_device = SessionTarget::UserDevice(new.user_id, new.device_type);
        let conflicting = self.matching(same_device);
        let displaced = match policy {
            LoginConflictPolicy::DeclineNew if !conflicting.is_empty() => {
                return Registration::Declined
            }
            LoginConflictPolicy::CloseExisting => conflicting
                .into_iter()
                .filter_map(|id| self.sessions.remove(&id))
                .collect(),
            _ => Vec::new(),
        };
        let session = Session {
            session_id: self.fresh_id(),
            user_id: new.user_id,
            device_type: new.device_type,
            user_status: new.user_status,
            connection_id: new.connection_id,
            transport: new.transport,
            peer: new.peer,
        };
        self.sessions.insert(session.session_id, session.clone());
        Registration::Registered { session, displaced }
    }

    /// A random positive int32 no live session uses (`RandomUtil.nextPositiveInt` upstream).
    fn fresh_id(&self) -> i32 {
        let mut rng = rand::rng();
        loop {
            let id = rng.random_range(1..=i32::MAX);
            if !self.sessions.contains_key(&id) {
                return id;
            }
        }
    }

    fn matching(&self, target: SessionTarget) -> Vec<i32> {
        self.sessions
            .values()
            .filter(|s| target.matches(s))
            .map(|s| s.session_id)
            .collect()
    }

    /// Drops a session; true if it was still registered.
    pub fn remove(&mut self, session_id: i32) -> bool {
        self.sessions.remove(&session_id).is_some()
    }

    /// A snapshot of every live session, ordered by user, then device type, then id.
    pub fn list(&self) -> Vec<Session> {
        let mut all: Vec<Session> = self.sessions.values().cloned().collect();
        all.sort_by_key(|s| (s.user_id, s.device_type as i32, s.session_id));
        all
    }

    /// The connections of every session `target` names.
    pub fn connections(&self, target: SessionTarget) -> Vec<u64> {
        let mut connections: Vec<u64> = self
            .sessions
            .values()
            .filter(|s| target.matches(s))
            .map(|s| s.connection_id)
            .collect();
        connections.sort_unstable();
        connections
    }

    /// The connections a message from `sender` reaches: every session of `recipients` and the
    /// sender's other sessions, as Turms sends it by default
    /// (`send-message-to-other-sender-online-devices`), but never the sending session
    /// `from_session`, which has the response. A session that is both is named once.
    pub fn message_connections(
        &self,
        recipients: &[i64],
        sender: i64,
        from_session: i32,
    ) -> Vec<u64> {
        let mut connections: Vec<u64> = self
            .sessions
            .values()
            .filter(|s| s.session_id != from_session)
            .filter(|s| recipients.contains(&s.user_id) || s.user_id == sender)
            .map(|s| s.connection_id)
            .collect();
        connections.sort_unstable();
        connections
    }

    /// Drops every session `target` names; returns them.
    pub fn remove_matching(&mut self, target: SessionTarget) -> Vec<Session> {
        let mut removed: Vec<Session> = self
            .matching(target)
            .into_iter()
            .filter_map(|id| self.sessions.remove(&id))
            .collect();
        removed.sort_by_key(|s| s.connection_id);
        removed
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn new_session(user_id: i64, device_type: DeviceType, connection_id: u64) -> NewSession {
        NewSession {
            user_id,
            device_type,
            user_status: None,
            connection_id,
            transport: TransportKind::Tcp,
            peer: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9),
        }
    }

    fn registered(registration: Registration) -> (Session, Vec<Session>) {
        match registration {
            Registration::Registered { session, displaced } => (session, displaced),
            Registration::Declined => panic!("declined"),
        }
    }

    #[test]
    fn policies_on_a_second_login_of_the_same_device_type() {
        let mut registry = Registry::default();
        let policy = LoginConflictPolicy::CloseExisting;
        let (first, displaced) =
            registered(registry.register(new_session(1, DeviceType::Desktop, 1), policy));
        assert!(first.session_id > 0);
        assert!(displaced.is_empty());

        // Another device type does not conflict.
        let (_, displaced) =
            registered(registry.register(new_session(1, DeviceType::Android, 2), policy));
        assert!(displaced.is_empty());

        assert!(matches!(
            registry.register(
                new_session(1, DeviceType::Desktop, 3),
                LoginConflictPolicy::DeclineNew
            ),
            Registration::Declined
        ));
        assert_eq!(registry.list().len(), 2);

        let (third, displaced) =
            registered(registry.register(new_session(1, DeviceType::Desktop, 3), policy));
        assert_eq!(displaced.len(), 1);
        assert_eq!(displaced[0], first);
        let live: Vec<i32> = registry.list().iter().map(|s| s.session_id).collect();
        assert!(live.contains(&third.session_id));
        assert!(!live.contains(&first.session_id));
        assert!(!registry.remove(first.session_id));
        assert!(registry.remove(third.session_id));

        let (_, displaced) = registered(registry.register(
            new_session(1, DeviceType::Android, 4),
            LoginConflictPolicy::AllowBoth,
        ));
        assert!(displaced.is_empty());
        assert_eq!(registry.connections(SessionTarget::User(1)), [2, 4]);
    }

    #[test]
    fn targets_pick_the_right_connections() {
        let mut registry = Registry::default();
        for (connection, (user, device)) in [
            (1, DeviceType::Desktop),
            (1, DeviceType::Ios),
            (2, DeviceType::Desktop),
        ]
        .into_iter()
        .enumerate()
        {
            registered(registry.register(
                new_session(user, device, connection as u64 + 10),
                LoginConflictPolicy::AllowBoth,
            ));
        }
        assert_eq!(registry.connections(SessionTarget::User(1)), [10, 11]);
        assert_eq!(
            registry.connections(SessionTarget::UserDevice(1, DeviceType::Ios)),
            [11]
        );
        assert!(registry.connections(SessionTarget::User(3)).is_empty());
        assert_eq!(registry.connections(SessionTarget::All), [10, 11, 12]);
        // A message from user 1's desktop to users 2 and 3: user 2's session and user 1's
        // other device.
        let from = registry.list()[0].clone();
        assert_eq!((from.user_id, from.device_type), (1, DeviceType::Desktop));
        assert_eq!(
            registry.message_connections(&[2, 3], 1, from.session_id),
            [11, 12]
        );
        // To oneself: the other device only.
        assert_eq!(registry.message_connections(&[1], 1, from.session_id), [11]);
        let id = registry.list()[2].session_id;
        let removed = registry.remove_matching(SessionTarget::Session(id));
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].user_id, 2);
        assert_eq!(registry.list().len(), 2);
        assert!(registry.remove_matching(SessionTarget::User(2)).is_empty());
    }
}
