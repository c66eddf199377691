//! One client connection's task: it owns the transport and the connection's
//! [`GatewaySession`], and moves frames, commands and time between them. Every decision is
//! the machine's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::{sleep_until, timeout};

use super::mailbox::Mailbox;
use super::transport::{Inbound, Link};
use super::Shared;
use crate::session::gateway::{Command, GatewaySession, Phase};

/// How long a frame may take to reach a client that does not read, once the connection is
/// closing, before the gateway closes the transport anyway.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// What woke the task up.
enum Wakeup {
    Shutdown,
    Command(Command),
    Inbound(Inbound),
    Deadline,
}

/// Serves one accepted connection until it closes.
pub(crate) async fn serve(link: Link, peer: SocketAddr, shared: Arc<Shared>) {
    let machine = GatewaySession::new(now(), link.kind(), peer, &mut shared.state());
    let id = machine.connection_id();
    let (commands, inbox) = unbounded_channel();
    let mailbox = Mailbox::new(commands);
    shared.mailboxes().insert(id, mailbox.clone());
    Driver {
        link,
        machine,
        shared: shared.clone(),
        mailbox,
        inbox,
    }
    .run()
    .await;
    shared.mailboxes().remove(&id);
}

struct Driver {
    link: Link,
    machine: GatewaySession,
    shared: Arc<Shared>,
    mailbox: Mailbox,
    inbox: UnboundedReceiver<Command>,
}

impl Driver {
    async fn run(mut self) {
        loop {
            self.report();
            if let Some(body) = self.machine.poll_transmit() {
                self.write(body).await;
                continue;
            }
            if self.machine.phase() == Phase::Closed {
                break;
            }
            // A deadline can pass while frames are written; the close wait of a zero close
            // timeout is one that has passed as soon as the notification is out.
            let now = now();
            if self.machine.next_deadline().is_some_and(|d| d <= now) {
                self.machine.handle_timeout(now, &mut self.shared.state());
                continue;
            }
            let wakeup = self.wait().await;
            self.handle(wakeup);
        }
        self.link.close().await;
    }

    /// Hands out what the machine has for the world: its events, and its commands for other
    /// connections.
    fn report(&mut self) {
        while let Some(event) = self.machine.poll_event() {
            self.shared.emit(event);
        }
        while let Some(dispatch) = self.machine.poll_dispatch() {
            // A connection that is gone needs no telling.
            self.shared.deliver(dispatch);
        }
    }

    async fn wait(&mut self) -> Wakeup {
        let open = self.machine.phase() == Phase::Open;
        let deadline = self.machine.next_deadline();
        tokio::select! {
            biased;
            () = self.shared.cancel.cancelled(), if open => Wakeup::Shutdown,
            Some(command) = self.inbox.recv() => Wakeup::Command(command),
            inbound = self.link.recv() => Wakeup::Inbound(inbound),
            () = sleep_until_some(deadline) => Wakeup::Deadline,
        }
    }

    fn handle(&mut self, wakeup: Wakeup) {
        let now = now();
        let state = &mut self.shared.state();
        match wakeup {
            Wakeup::Shutdown => self.machine.handle_command(now, Command::Shutdown, state),
            Wakeup::Command(command) => {
                self.mailbox.taken(&command);
                self.machine.handle_command(now, command, state);
            }
            Wakeup::Inbound(Inbound::Frame(frame)) => self.machine.handle_frame(now, frame, state),
            Wakeup::Inbound(Inbound::Malformed(frame)) => {
                self.machine.handle_malformed(now, &frame, state);
            }
            Wakeup::Inbound(Inbound::Violation(what)) => {
                self.machine.handle_violation(now, what, state);
            }
            Wakeup::Inbound(Inbound::Discarded) => {}
            Wakeup::Inbound(Inbound::Ended(error)) => self.machine.handle_end(error, state),
            Wakeup::Deadline => self.machine.handle_timeout(now, state),
        }
    }

    /// Writes one frame; a failed write ends the connection.
    ///
    /// A client that stops reading can block a write for good: while the connection is open,
    /// shutting down still goes ahead (the frame stays buffered, so the close notification
    /// follows it whole); once it is closing, each frame gets [`CLOSE_WRITE_TIMEOUT`].
    async fn write(&mut self, body: Bytes) {
        let written = if self.machine.phase() == Phase::Open {
            tokio::select! {
                sent = self.link.send(body) => Written::from(sent),
                () = self.shared.cancel.cancelled() => Written::Interrupted,
            }
        } else {
            match timeout(CLOSE_WRITE_TIMEOUT, self.link.send(body)).await {
                Ok(sent) => Written::from(sent),
                Err(_) => Written::Failed(format!(
                    "the close notification was not flushed within {CLOSE_WRITE_TIMEOUT:?}"
                )),
            }
        };
        match written {
            Written::Sent => {}
            Written::Failed(error) => {
                self.machine
                    .handle_end(Some(error), &mut self.shared.state());
            }
            Written::Interrupted => self.handle(Wakeup::Shutdown),
        }
    }
}

/// How a write went.
enum Written {
    Sent,
    Failed(String),
    /// The gateway began shutting down first.
    Interrupted,
}

impl From<Result<(), String>> for Written {
    fn from(sent: Result<(), String>) -> Self {
        match sent {
            Ok(()) => Written::Sent,
            Err(error) => Written::Failed(error),
        }
    }
}

/// The driver's clock, as the machine reads it: tokio's, so that a paused test clock pauses
/// the gateway too.
fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

async fn sleep_until_some(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
