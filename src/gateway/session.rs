//! Live sessions: what the gateway knows about each, and the registry that routes pushes and
//! closes to the connection holding a session.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use rand::Rng;
use tokio::sync::mpsc::UnboundedSender;

use crate::frame::CloseNotice;
use crate::proto::{DeviceType, UserStatus};
use crate::session::gateway::{LoginConflictPolicy, Session, SessionTarget};
use crate::transport::TransportKind;

/// A message for the task that owns a connection.
#[derive(Debug)]
pub(crate) enum Command {
    /// Write this notification as it is.
    Push(Bytes),
    /// Close the session.
    Close(CloseNotice),
}

/// The most pushes that may wait for one connection. A client that stops reading must not make
/// the gateway buffer without bound: pushes beyond this are not queued for it (the push call
/// does not count that session), as a real server would drop a slow consumer's backlog.
pub(crate) const MAX_QUEUED_PUSHES: usize = 4096;

/// How the registry reaches the task that owns a connection: commands, with pushes bounded.
#[derive(Clone, Debug)]
pub(crate) struct Mailbox {
    commands: UnboundedSender<Command>,
    queued_pushes: Arc<AtomicUsize>,
}

impl Mailbox {
    pub fn new(commands: UnboundedSender<Command>) -> Self {
        Mailbox {
            commands,
            queued_pushes: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Queues a push unless the connection already has [`MAX_QUEUED_PUSHES`] waiting or is
    /// gone; true if queued.
    pub fn push(&self, body: &Bytes) -> bool {
        if self.queued_pushes.fetch_add(1, Ordering::AcqRel) >= MAX_QUEUED_PUSHES {
            self.queued_pushes.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        if self.commands.send(Command::Push(body.clone())).is_err() {
            self.queued_pushes.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Tells the connection to close; false if it is already gone.
    pub fn close(&self, reason: CloseNotice) -> bool {
        self.commands.send(Command::Close(reason)).is_ok()
    }

    /// Called by the connection for each push it takes off its queue.
    pub fn push_taken(&self) {
        self.queued_pushes.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Entry {
    info: Session,
    mailbox: Mailbox,
}

/// Every live session, by id.
#[derive(Default)]
pub(crate) struct Registry {
    sessions: HashMap<i32, Entry>,
}

/// The outcome of [`Registry::register`].
pub(crate) enum Registration {
    /// The session is live; these earlier sessions were dropped from the registry and must be
    /// told to close.
    Registered {
        info: Session,
        displaced: Vec<Mailbox>,
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
    pub fn register(
        &mut self,
        new: NewSession,
        policy: LoginConflictPolicy,
        mailbox: Mailbox,
    ) -> Registration {
        let same_device = SessionTarget::UserDevice(new.user_id, new.device_type);
        let conflicting: Vec<i32> = self
            .sessions
            .values()
            .filter(|e| same_device.matches(&e.info))
            .map(|e| e.info.session_id)
            .collect();
        let displaced = match policy {
            LoginConflictPolicy::DeclineNew if !conflicting.is_empty() => {
                return Registration::Declined
            }
            LoginConflictPolicy::CloseExisting => conflicting
                .into_iter()
                .filter_map(|id| self.sessions.remove(&id))
                .map(|e| e.mailbox)
                .collect(),
            _ => Vec::new(),
        };
        let session_id = self.fresh_id();
        let info = Session {
            session_id,
            user_id: new.user_id,
            device_type: new.device_type,
            user_status: new.user_status,
            connection_id: new.connection_id,
            transport: new.transport,
            peer: new.peer,
        };
        self.sessions.insert(
            session_id,
            Entry {
                info: info.clone(),
                mailbox,
            },
        );
        Registration::Registered { info, displaced }
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

    /// Drops a session; true if it was still registered.
    pub fn remove(&mut self, session_id: i32) -> bool {
        self.sessions.remove(&session_id).is_some()
    }

    /// A snapshot of every live session, ordered by user, then device type, then id.
    pub fn list(&self) -> Vec<Session> {
        let mut all: Vec<Session> = self.sessions.values().map(|e| e.info.clone()).collect();
        all.sort_by_key(|s| (s.user_id, s.device_type as i32, s.session_id));
        all
    }

    /// Queues `body` on every session `target` names; returns how many.
    pub fn push(&self, target: SessionTarget, body: &Bytes) -> usize {
        self.sessions
            .values()
            .filter(|e| target.matches(&e.info))
            .filter(|e| e.mailbox.push(body))
            .count()
    }

    /// Queues a message push for every session of `recipients` and for the sender's other
    /// sessions, as Turms does by default (`send-message-to-other-sender-online-devices`), but
    /// never for the sending session `from_session`, which has the response; returns how many.
    /// A session that is both gets it once.
    pub fn push_message(
        &self,
        recipients: &[i64],
        sender: i64,
        from_session: i32,
        body: &Bytes,
    ) -> usize {
        self.sessions
            .values()
            .filter(|e| e.info.session_id != from_session)
            .filter(|e| recipients.contains(&e.info.user_id) || e.info.user_id == sender)
            .filter(|e| e.mailbox.push(body))
            .count()
    }

    /// Drops every session `target` names from the registry and tells each to close with
    /// `reason`; returns how many.
    pub fn close(&mut self, target: SessionTarget, reason: &CloseNotice) -> usize {
        let ids: Vec<i32> = self
            .sessions
            .values()
            .filter(|e| target.matches(&e.info))
            .map(|e| e.info.session_id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.sessions.remove(&id))
            .filter(|e| e.mailbox.close(reason.clone()))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::SessionCloseStatus;
    use std::net::{IpAddr, Ipv4Addr};
    use tokio::sync::mpsc::unbounded_channel;

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

    fn registered(registration: Registration) -> (Session, Vec<Mailbox>) {
        match registration {
            Registration::Registered { info, displaced } => (info, displaced),
            Registration::Declined => panic!("declined"),
        }
    }

    #[test]
    fn policies_on_a_second_login_of_the_same_device_type() {
        let mut registry = Registry::default();
        let (tx1, mut rx1) = unbounded_channel();
        let (first, displaced) = registered(registry.register(
            new_session(1, DeviceType::Desktop, 1),
            LoginConflictPolicy::CloseExisting,
            Mailbox::new(tx1),
        ));
        assert!(first.session_id > 0);
        assert!(displaced.is_empty());

        // Another device type does not conflict.
        let (tx2, _rx2) = unbounded_channel();
        let (_, displaced) = registered(registry.register(
            new_session(1, DeviceType::Android, 2),
            LoginConflictPolicy::CloseExisting,
            Mailbox::new(tx2),
        ));
        assert!(displaced.is_empty());

        let (tx3, _rx3) = unbounded_channel();
        assert!(matches!(
            registry.register(
                new_session(1, DeviceType::Desktop, 3),
                LoginConflictPolicy::DeclineNew,
                Mailbox::new(tx3.clone()),
            ),
            Registration::Declined
        ));
        assert_eq!(registry.list().len(), 2);

        let (third, displaced) = registered(registry.register(
            new_session(1, DeviceType::Desktop, 3),
            LoginConflictPolicy::CloseExisting,
            Mailbox::new(tx3),
        ));
        assert_eq!(displaced.len(), 1);
        assert!(displaced[0].close(SessionCloseStatus::DISCONNECTED_BY_CLIENT.into()));
        assert!(matches!(rx1.try_recv(), Ok(Command::Close(_))));
        let live: Vec<i32> = registry.list().iter().map(|s| s.session_id).collect();
        assert!(live.contains(&third.session_id));
        assert!(!live.contains(&first.session_id));
        assert!(!registry.remove(first.session_id));
        assert!(registry.remove(third.session_id));
    }

    #[test]
    fn a_connection_that_stops_reading_gets_a_bounded_push_queue() {
        let (tx, mut rx) = unbounded_channel();
        let mailbox = Mailbox::new(tx);
        let body = Bytes::from_static(b"push");
        for _ in 0..MAX_QUEUED_PUSHES {
            assert!(mailbox.push(&body));
        }
        // Full: the next push is not queued, but a close still gets through.
        assert!(!mailbox.push(&body));
        assert!(mailbox.close(SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()));
        // The connection takes one push off its queue: there is room for one more.
        assert!(matches!(rx.try_recv(), Ok(Command::Push(_))));
        mailbox.push_taken();
        assert!(mailbox.push(&body));
        assert!(!mailbox.push(&body));
        // A connection that is gone refuses everything, and the count does not leak.
        drop(rx);
        mailbox.push_taken();
        assert!(!mailbox.push(&body));
        assert!(!mailbox.close(SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()));
    }

    #[test]
    fn targets_pick_the_right_sessions() {
        let mut registry = Registry::default();
        let mut receivers = Vec::new();
        for (user, device) in [
            (1, DeviceType::Desktop),
            (1, DeviceType::Ios),
            (2, DeviceType::Desktop),
        ] {
            let (tx, rx) = unbounded_channel();
            registered(registry.register(
                new_session(user, device, 0),
                LoginConflictPolicy::AllowBoth,
                Mailbox::new(tx),
            ));
            receivers.push(rx);
        }
        let body = Bytes::from_static(b"x");
        assert_eq!(registry.push(SessionTarget::User(1), &body), 2);
        assert_eq!(
            registry.push(SessionTarget::UserDevice(1, DeviceType::Ios), &body),
            1
        );
        assert_eq!(registry.push(SessionTarget::User(3), &body), 0);
        assert_eq!(registry.push(SessionTarget::All, &body), 3);
        // A message from user 1's desktop to users 2 and 3: user 2's session and user 1's
        // other device.
        let from = registry.list()[0].clone();
        assert_eq!((from.user_id, from.device_type), (1, DeviceType::Desktop));
        assert_eq!(registry.push_message(&[2, 3], 1, from.session_id, &body), 2);
        // To oneself: the other device only.
        assert_eq!(registry.push_message(&[1], 1, from.session_id, &body), 1);
        let id = registry.list()[2].session_id;
        assert_eq!(registry.list()[2].user_id, 2);
        assert_eq!(
            registry.close(
                SessionTarget::Session(id),
                &SessionCloseStatus::DISCONNECTED_BY_ADMIN.into()
            ),
            1
        );
        assert_eq!(registry.list().len(), 2);
        let pushed: usize = receivers
            .iter_mut()
            .map(|rx| std::iter::from_fn(|| rx.try_recv().ok()).count())
            .sum();
        // 2 + 1 + 3 + 2 + 1 pushes, and one close.
        assert_eq!(pushed, 10);
    }
}
