//! The task that owns a client's connection and its session machine, and moves frames, calls
//! and time between them. It decides nothing about the session: every rule is the
//! [`ClientSession`]'s.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{FuturesUnordered, SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Config, LoginRequest};
use crate::frame::SessionInfo;
use crate::proto::turms_request::Kind;
use crate::role;
use crate::session::client::{
    CallId, ClientError, ClientSession, CloseInfo, CloseOrigin, Completion, Event, Outcome,
    SessionState,
};
use crate::transport::{Connection, TransportError};

/// The receiving half of the connection.
type FrameReader = SplitStream<Connection<role::Client>>;
/// The sending half of the connection.
type FrameWriter = SplitSink<Connection<role::Client>, Bytes>;

/// What a caller waits on.
pub(crate) type Reply = Result<Completion, ClientError>;

/// A call from a handle.
pub(crate) enum Call {
    Login(LoginRequest),
    Request(Kind),
    Heartbeat,
    Logout,
}

/// A handle's message to the driver: a call, where its outcome goes, and how the driver learns
/// that nobody waits for it any more.
pub(crate) struct Command {
    pub(crate) call: Call,
    pub(crate) reply: oneshot::Sender<Reply>,
    /// Resolves when the caller's future ends, whether it got its outcome or was dropped.
    pub(crate) gone: oneshot::Receiver<()>,
}

/// What the driver publishes for the handles to read without asking.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) state: SessionState,
    pub(crate) session: Option<SessionInfo>,
    pub(crate) close: Option<CloseInfo>,
}

impl Status {
    pub(crate) fn of(session: &ClientSession) -> Status {
        Status {
            state: session.state(),
            session: session.session_info().cloned(),
            close: session.close_info().cloned(),
        }
    }

    fn is_current(&self, session: &ClientSession) -> bool {
        self.state == session.state()
            && self.session.as_ref() == session.session_info()
            && self.close.as_ref() == session.close_info()
    }
}

/// The machine's time is the runtime's clock (paused in tests that pause it).
pub(crate) fn now() -> std::time::Instant {
    Instant::now().into_std()
}

/// What a driver starts from.
pub(crate) struct Parts<'a> {
    pub(crate) config: &'a Config,
    pub(crate) connection: Connection<role::Client>,
    pub(crate) session: ClientSession,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) status: watch::Sender<Status>,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) shutdown: CancellationToken,
}

/// Starts the driver of a fresh connection, and its writing task.
pub(crate) fn spawn(parts: Parts<'_>) {
    let (writer, reader) = parts.connection.split();
    let (outbound, queued) = mpsc::channel(parts.config.outbound_capacity.max(1));
    let stop_writing = CancellationToken::new();
    let writing = tokio::spawn(write_loop(writer, queued, stop_writing.clone()));
    let driver = Driver {
        session: parts.session,
        commands: parts.commands,
        shutdown: parts.shutdown,
        events: parts.events,
        status: parts.status,
        waiting: HashMap::new(),
        gone: FuturesUnordered::new(),
        outbound,
        unsent: None,
        trace: parts.config.trace_frames,
        close_timeout: parts.config.close_timeout,
    };
    tokio::spawn(driver.run(reader, writing, stop_writing));
}

struct Driver {
    session: ClientSession,
    commands: mpsc::Receiver<Command>,
    shutdown: CancellationToken,
    events: broadcast::Sender<Event>,
    status: watch::Sender<Status>,
    /// Where each call's outcome goes.
    waiting: HashMap<CallId, oneshot::Sender<Reply>>,
    /// One per call in `waiting`: resolves when its caller is gone.
    gone: FuturesUnordered<Gone>,
    outbound: mpsc::Sender<Bytes>,
    /// A frame the machine handed over that the full outbound queue could not take yet. While
    /// there is one, no call is taken from the handles: they wait, as they would on a full
    /// queue, and nothing grows without bound.
    unsent: Option<Bytes>,
    trace: bool,
    close_timeout: Duration,
}

impl Driver {
    async fn run(
        mut self,
        mut reader: FrameReader,
        mut writing: JoinHandle<Result<(), TransportError>>,
        stop_writing: CancellationToken,
    ) {
        let mut writer_done = false;
        let timer = tokio::time::sleep_until(Instant::now());
        tokio::pin!(timer);
        let mut armed = None;
        loop {
            self.flush();
            if self.session.is_closed() {
                break;
            }
            let wake = self.session.poll_timeout();
            if let Some(at) = wake.filter(|&at| armed != Some(at)) {
                timer.as_mut().reset(Instant::from_std(at));
            }
            armed = wake;
            // Unbiased: whichever of the ready branches goes first changes from turn to turn,
            // so a peer that floods the read side cannot hold back heartbeats, timeouts or
            // calls, and callers that keep calling cannot hold back the responses that would
            // free their places.
            tokio::select! {
                () = self.shutdown.cancelled() => self.session.close(),
                result = &mut writing, if !writer_done => {
                    writer_done = true;
                    // The writer ends by itself only when writing failed.
                    let error = match result {
                        Ok(Ok(())) => None,
                        Ok(Err(error)) => Some(error),
                        Err(join) => Some(TransportError::Io(std::io::Error::other(join))),
                    };
                    self.session.handle_connection_lost(error);
                }
                () = &mut timer, if wake.is_some() => self.session.handle_timeout(now()),
                // Owned: a permit borrowing the sender would keep `self` borrowed in every arm.
                // The clone happens only when the branch is polled.
                permit = async { self.outbound.clone().reserve_owned().await },
                    if self.unsent.is_some() => {
                    match permit {
                        Ok(permit) => {
                            if let Some(body) = self.unsent.take() {
                                self.trace_sent(&body);
                                permit.send(body);
                            }
                        }
                        // The writer is gone, and its end says why.
                        Err(_) => self.unsent = None,
                    }
                }
                Some(call) = self.gone.next(), if !self.gone.is_empty() => {
                    self.waiting.remove(&call);
                    self.session.cancel(call);
                }
                command = self.commands.recv(), if self.unsent.is_none() => match command {
                    Some(command) => self.on_command(command),
                    None => self.session.close(),
                },
                item = reader.next() => match item {
                    None => self.session.handle_connection_lost(None),
                    Some(Err(error)) => self.session.handle_connection_lost(Some(error)),
                    Some(Ok(frame)) => {
                        if let (true, Ok(frame)) = (self.trace, &frame) {
                            self.emit(Event::FrameReceived(frame.clone()));
                        }
                        self.session.handle_frame(frame, now());
                    }
                },
            }
        }
        self.finish(reader, writing, writer_done, stop_writing)
            .await;
    }

    /// Closes the connection once the session is over, and reports it gone.
    async fn finish(
        mut self,
        mut reader: FrameReader,
        mut writing: JoinHandle<Result<(), TransportError>>,
        mut writer_done: bool,
        stop_writing: CancellationToken,
    ) {
        // After a close notification or a local close: close our side and let the peer
        // finish (on TCP our FIN, then its reset; on WebSocket the closing handshake). What
        // arrives meanwhile belongs to no session any more. A connection that dropped has
        // nothing left to read.
        let mut reading = self
            .session
            .close_info()
            .is_some_and(|info| info.origin != CloseOrigin::Transport);
        stop_writing.cancel();
        let deadline = tokio::time::sleep(self.close_timeout);
        tokio::pin!(deadline);
        let mut commands_open = true;
        while reading || !writer_done {
            tokio::select! {
                () = &mut deadline => break,
                _ = &mut writing, if !writer_done => writer_done = true,
                item = reader.next(), if reading => reading = matches!(item, Some(Ok(_))),
                // Calls made meanwhile fail at once: the session is over.
                command = self.commands.recv(), if commands_open => match command {
                    Some(command) => self.on_command(command),
                    None => commands_open = false,
                },
            }
        }
        if !writer_done {
            writing.abort();
        }
        drop(reader);
        self.emit(Event::Disconnected);
    }

    /// Hands a call to the machine; a refusal goes straight back.
    fn on_command(&mut self, Command { call, reply, gone }: Command) {
        // A caller already gone is not worth a frame on the wire.
        if reply.is_closed() {
            return;
        }
        let now = now();
        let started = match call {
            Call::Login(login) => self.session.login(&login, now),
            Call::Request(kind) => self.session.request(kind, now),
            Call::Heartbeat => self.session.heartbeat(now),
            Call::Logout => self.session.logout(now),
        };
        match started {
            Ok(call) => {
                self.waiting.insert(call, reply);
                self.gone.push(Gone { call, gone });
            }
            Err(error) => {
                let _ = reply.send(Err(error));
            }
        }
    }

    /// Carries out what the machine asks for: first the state (so that a caller that gets its
    /// outcome sees the state it left), then outcomes, events, and frames to write.
    fn flush(&mut self) {
        if !self.status.borrow().is_current(&self.session) {
            self.status.send_replace(Status::of(&self.session));
        }
        while let Some(Outcome { call, result }) = self.session.poll_outcome() {
            if let Some(reply) = self.waiting.remove(&call) {
                // A caller that left meanwhile is told to the machine by `gone`.
                let _ = reply.send(result);
            }
        }
        while let Some(event) = self.session.poll_event() {
            self.emit(event);
        }
        loop {
            let Some(body) = self.unsent.take().or_else(|| self.session.poll_transmit()) else {
                break;
            };
            match self.outbound.try_reserve() {
                Ok(permit) => {
                    self.trace_sent(&body);
                    permit.send(body);
                }
                Err(TrySendError::Full(())) => {
                    self.unsent = Some(body);
                    break;
                }
                // The writer is gone, and its end says why.
                Err(TrySendError::Closed(())) => break,
            }
        }
    }

    fn trace_sent(&self, body: &Bytes) {
        if self.trace {
            self.emit(Event::FrameSent(body.clone()));
        }
    }

    fn emit(&self, event: Event) {
        // No receiver is not an error: nobody is listening.
        let _ = self.events.send(event);
    }
}

/// Resolves with its call once the caller's future has ended.
struct Gone {
    call: CallId,
    gone: oneshot::Receiver<()>,
}

impl Future for Gone {
    type Output = CallId;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CallId> {
        let this = self.get_mut();
        Pin::new(&mut this.gone).poll(cx).map(|_| this.call)
    }
}

/// Writes queued frame bodies, batching what is ready into one flush, until told to stop.
async fn write_loop(
    mut writer: FrameWriter,
    mut queued: mpsc::Receiver<Bytes>,
    stop: CancellationToken,
) -> Result<(), TransportError> {
    loop {
        let body = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            body = queued.recv() => match body {
                Some(body) => body,
                None => break,
            },
        };
        writer.feed(body).await?;
        while let Ok(body) = queued.try_recv() {
            writer.feed(body).await?;
        }
        writer.flush().await?;
    }
    // Closing can fail when the peer is already gone; there is nothing left to tell. On TCP it
    // sends a FIN, on WebSocket a close message (1000).
    let _ = writer.close().await;
    Ok(())
}
