//! What the connections of one gateway share: the session registry, the message store and
//! groups, the authenticator and the script.

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;

use super::auth::{AcceptAll, Authenticator};
use super::command::{Command, Dispatch};
use super::config::{GatewayConfig, WallClock};
use super::registry::{Registry, Session, SessionTarget};
use super::script::Script;
use super::store::Store;
use crate::frame::CloseNotice;
use crate::proto::Message;

/// Everything the connections of one gateway share, as plain data.
///
/// Every [`GatewaySession`](super::GatewaySession) call takes it by `&mut`: a login registers
/// its session (and displaces a conflicting one) in the same call that decides it, and a
/// message gets its id from the store in the call that answers it. A driver with several
/// threads puts it behind one lock; a simulator just owns it.
///
/// What must reach another connection (a push, a kick) is not done here: it comes back as a
/// [`Dispatch`] naming the connection, for the driver to deliver.
pub struct GatewayState {
    pub(super) config: GatewayConfig,
    pub(super) clock: WallClock,
    pub(super) authenticator: Box<dyn Authenticator>,
    pub(super) script: Option<Box<dyn Script>>,
    pub(super) registry: Registry,
    pub(super) store: Store,
    last_connection: u64,
}

impl fmt::Debug for GatewayState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayState")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("registry", &self.registry)
            .field("store", &self.store)
            .field("last_connection", &self.last_connection)
            .finish_non_exhaustive()
    }
}

impl GatewayState {
    /// A gateway with no sessions, messages or groups, that lets everyone in ([`AcceptAll`])
    /// and answers requests with its built-in handling alone.
    pub fn new(config: GatewayConfig, clock: WallClock) -> Self {
        GatewayState {
            config,
            clock,
            authenticator: Box::new(AcceptAll),
            script: None,
            registry: Registry::default(),
            store: Store::default(),
            last_connection: 0,
        }
    }

    /// The settings (each connection takes its timeouts when it opens).
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// The settings, to change: connections opened from now on take the new timeouts; the
    /// server id and the login conflict policy apply to the next login.
    pub fn config_mut(&mut self) -> &mut GatewayConfig {
        &mut self.config
    }

    /// The anchor every timestamp is read off.
    pub fn wall_clock(&self) -> WallClock {
        self.clock
    }

    /// Decides logins with `authenticator` from now on.
    pub fn set_authenticator(&mut self, authenticator: impl Authenticator) {
        self.authenticator = Box::new(authenticator);
    }

    /// Answers requests with `script` first from now on.
    pub fn set_script(&mut self, script: impl Script) {
        self.script = Some(Box::new(script));
    }

    /// Goes back to the built-in handling for every request.
    pub fn clear_script(&mut self) {
        self.script = None;
    }

    /// Adds members to a group (creating it if needed).
    pub fn add_group(&mut self, group_id: i64, members: impl IntoIterator<Item = i64>) {
        self.store.add_group(group_id, members);
    }

    /// Every group and its members.
    pub fn groups(&self) -> BTreeMap<i64, Vec<i64>> {
        self.store.groups()
    }

    /// Every message sent through the gateway, oldest first.
    pub fn messages(&self) -> &[Message] {
        self.store.messages()
    }

    /// Every live session, ordered by user, device type and session id.
    pub fn sessions(&self) -> Vec<Session> {
        self.registry.list()
    }

    /// The pushes that bring `body` to every session `target` names, one per connection.
    pub fn push(&self, target: SessionTarget, body: &Bytes) -> Vec<Dispatch> {
        self.registry
            .connections(target)
            .into_iter()
            .map(|connection| Dispatch {
                connection,
                command: Command::Push(body.clone()),
            })
            .collect()
    }

    /// Drops every session `target` names from the registry at once, and returns the closes
    /// their connections must be told, with `notice`.
    pub fn close(&mut self, target: SessionTarget, notice: &CloseNotice) -> Vec<Dispatch> {
        self.registry
            .remove_matching(target)
            .into_iter()
            .map(|session| Dispatch {
                connection: session.connection_id,
                command: Command::Close(notice.clone()),
            })
            .collect()
    }

    /// A number for a new connection, unique for the state's lifetime (the first is 1).
    pub(super) fn next_connection_id(&mut self) -> u64 {
        self.last_connection += 1;
        self.last_connection
    }
}
