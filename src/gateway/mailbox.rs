//! How a command reaches the task that owns a connection: its mailbox, with pushes bounded.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::session::gateway::Command;

/// The most pushes that may wait for one connection. A client that stops reading must not make
/// the gateway buffer without bound: pushes beyond this are not queued for it (the push call
/// does not count that session), as a real server would drop a slow consumer's backlog.
pub(crate) const MAX_QUEUED_PUSHES: usize = 4096;

/// The sending end of a connection's commands.
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

    /// Queues a command; false if the connection is gone, or if it is a push and the
    /// connection already has [`MAX_QUEUED_PUSHES`] waiting. A close always gets through.
    pub fn send(&self, command: Command) -> bool {
        if !matches!(command, Command::Push(_)) {
            return self.commands.send(command).is_ok();
        }
        if self.queued_pushes.fetch_add(1, Ordering::AcqRel) >= MAX_QUEUED_PUSHES {
            self.queued_pushes.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        if self.commands.send(command).is_err() {
            self.queued_pushes.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Called by the connection for each command it takes off its queue.
    pub fn taken(&self, command: &Command) {
        if matches!(command, Command::Push(_)) {
            self.queued_pushes.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use tokio::sync::mpsc::unbounded_channel;

    use super::*;
    use crate::status::SessionCloseStatus;

    #[test]
    fn a_connection_that_stops_reading_gets_a_bounded_push_queue() {
        let (tx, mut rx) = unbounded_channel();
        let mailbox = Mailbox::new(tx);
        let push = || Command::Push(Bytes::from_static(b"push"));
        let close = || Command::Close(SessionCloseStatus::DISCONNECTED_BY_ADMIN.into());
        for _ in 0..MAX_QUEUED_PUSHES {
            assert!(mailbox.send(push()));
        }
        // Full: the next push is not queued, but a close still gets through.
        assert!(!mailbox.send(push()));
        assert!(mailbox.send(close()));
        // The connection takes one push off its queue: there is room for one more.
        let taken = rx.try_recv().unwrap();
        assert!(matches!(taken, Command::Push(_)));
        mailbox.taken(&taken);
        assert!(mailbox.send(push()));
        assert!(!mailbox.send(push()));
        // Taking a close frees no room.
        let mut queued: Vec<Command> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        let close_at = queued.iter().position(|c| matches!(c, Command::Close(_)));
        let closed = queued.remove(close_at.expect("the close is queued"));
        mailbox.taken(&closed);
        assert!(!mailbox.send(push()));
        // A connection that is gone refuses everything, and the count does not leak.
        drop(rx);
        mailbox.taken(&queued[0]);
        assert!(!mailbox.send(push()));
        assert!(!mailbox.send(close()));
    }
}
