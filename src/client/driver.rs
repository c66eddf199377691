//! The background side of a client: the state every handle shares, the task that reads
//! frames and routes them (the event loop), and the task that writes.
//!
//! One task reads: it classifies each frame, completes the request or heartbeat waiting for
//! it, reports everything else as an [`Event`], sends heartbeats when the connection is idle,
//! and ends the session. Another task writes whatever the handles and the reader queue, so a
//! peer that stops reading can stall writes but never the reading of responses. Callers hold
//! the request table for a moment to register themselves and then wait on their own channel.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::error::ClientError;
use super::event::{CloseInfo, CloseOrigin, Event, PushEvent};
use super::heartbeat::{HeartbeatSchedule, HeartbeatWaiters};
use super::request::{PendingRequests, Purpose};
use super::Config;
use crate::frame::{MalformedFrame, ServerFrame, SessionInfo};
use crate::role;
use crate::transport::{Connection, ServerAddr, TransportError};

/// The receiving half of the connection.
type FrameReader = SplitStream<Connection<role::Client>>;
/// The sending half of the connection.
type FrameWriter = SplitSink<Connection<role::Client>, Bytes>;

/// Where the session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phase {
    Connected,
    LoggingIn,
    Open,
    LoggingOut,
    Closed(CloseInfo),
}

/// Everything the handles and the tasks share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) server: ServerAddr,
    state: Mutex<State>,
    /// The session info of the current login (reset when a login starts).
    pub(crate) session: watch::Sender<Option<SessionInfo>>,
    /// Set once, when the session ends.
    pub(crate) closed: watch::Sender<Option<CloseInfo>>,
}

pub(crate) struct State {
    pub(crate) phase: Phase,
    pub(crate) pending: PendingRequests,
    pub(crate) heartbeats: HeartbeatWaiters,
    pub(crate) logouts: Vec<oneshot::Sender<CloseInfo>>,
    pub(crate) schedule: HeartbeatSchedule,
    /// `None` once the connection is gone: receivers then see the end of the stream.
    events: Option<broadcast::Sender<Event>>,
}

impl State {
    pub(crate) fn emit(&self, event: Event) {
        if let Some(events) = &self.events {
            // No receiver is not an error: nobody is listening.
            let _ = events.send(event);
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        match &self.events {
            Some(events) => events.subscribe(),
            // A receiver of a channel that has already ended.
            None => broadcast::channel(1).1,
        }
    }
}

impl Shared {
    pub(crate) fn new(
        config: Config,
        server: ServerAddr,
    ) -> (Arc<Shared>, broadcast::Receiver<Event>) {
        let (events, receiver) = broadcast::channel(config.event_capacity.max(1));
        let schedule = HeartbeatSchedule::new(
            config.heartbeat_interval.unwrap_or(Duration::MAX),
            Instant::now(),
        );
        let shared = Shared {
            config,
            server,
            state: Mutex::new(State {
                phase: Phase::Connected,
                pending: PendingRequests::default(),
                heartbeats: HeartbeatWaiters::default(),
                logouts: Vec::new(),
                schedule,
                events: Some(events),
            }),
            session: watch::Sender::new(None),
            closed: watch::Sender::new(None),
        };
        (Arc::new(shared), receiver)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than losing the client; keep going with what is there.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Ends the session with `info`, once: every waiting call fails with 301 (logouts
    /// complete), and [`Event::SessionClosed`] goes out. `false` if it had already ended.
    pub(crate) fn finish(&self, state: &mut State, info: CloseInfo) -> bool {
        if matches!(state.phase, Phase::Closed(_)) {
            return false;
        }
        state.phase = Phase::Closed(info.clone());
        for pending in state.pending.drain() {
            let _ = pending
                .reply
                .send(Err(ClientError::SessionClosed(info.clone())));
        }
        state
            .heartbeats
            .complete_all(|| Err(ClientError::SessionClosed(info.clone())));
        for logout in state.logouts.drain(..) {
            let _ = logout.send(info.clone());
        }
        state.emit(Event::SessionClosed(info.clone()));
        self.closed.send_replace(Some(info));
        true
    }

    /// The error for a call that finds the session over.
    pub(crate) fn closed_error(&self) -> ClientError {
        match &self.lock().phase {
            Phase::Closed(info) => ClientError::SessionClosed(info.clone()),
            _ => ClientError::SessionClosed(CloseInfo::connection_closed(CloseOrigin::Local)),
        }
    }
}

/// Starts the reading and the writing task of a fresh connection.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    connection: Connection<role::Client>,
    outbound: mpsc::Sender<Bytes>,
    queued: mpsc::Receiver<Bytes>,
    shutdown: CancellationToken,
) {
    let (writer, reader) = connection.split();
    let stop_writing = CancellationToken::new();
    let writing = tokio::spawn(write_loop(
        writer,
        queued,
        Arc::clone(&shared),
        stop_writing.clone(),
    ));
    let driver = Driver {
        shared,
        outbound,
        shutdown,
        stop_writing,
    };
    tokio::spawn(driver.run(reader, writing));
}

/// How the reading loop ended.
enum Ending {
    /// The server's close notification arrived (already reported).
    ClosedByServer,
    /// Every handle is gone, or `close` was called.
    ClosedLocally,
    /// The peer ended the connection without a close notification.
    Eof,
    /// The connection failed.
    Failed(TransportError),
}

struct Driver {
    shared: Arc<Shared>,
    outbound: mpsc::Sender<Bytes>,
    shutdown: CancellationToken,
    stop_writing: CancellationToken,
}

impl Driver {
    async fn run(
        self,
        mut reader: FrameReader,
        mut writing: JoinHandle<Result<(), TransportError>>,
    ) {
        let heartbeats = self.shared.config.heartbeat_interval.is_some();
        // Without heartbeats the tick only forgets abandoned waiters.
        let period = match heartbeats {
            true => self.shared.lock().schedule.check_period(),
            false => Duration::from_secs(1),
        }
        .min(Duration::from_secs(3600));
        let mut tick = tokio::time::interval_at(Instant::now() + period, period);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut writer_done = false;

        let ending = loop {
            tokio::select! {
                biased;
                () = self.shutdown.cancelled() => break Ending::ClosedLocally,
                result = &mut writing, if !writer_done => {
                    writer_done = true;
                    match result {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => break Ending::Failed(error),
                        Err(join) => break Ending::Failed(TransportError::Io(
                            std::io::Error::other(join.to_string()),
                        )),
                    }
                }
                // Before reading: a peer that keeps the read side busy must not keep our
                // heartbeats from going out.
                _ = tick.tick() => self.on_tick(heartbeats),
                item = reader.next() => match item {
                    None => break Ending::Eof,
                    Some(Err(error)) => break Ending::Failed(error),
                    Some(Ok(inbound)) => {
                        if self.on_frame(inbound) {
                            break Ending::ClosedByServer;
                        }
                    }
                },
            }
        };

        let graceful = match ending {
            Ending::ClosedByServer => true,
            Ending::ClosedLocally => {
                let mut state = self.shared.lock();
                self.shared
                    .finish(&mut state, CloseInfo::connection_closed(CloseOrigin::Local));
                true
            }
            Ending::Eof => {
                let mut state = self.shared.lock();
                self.shared.finish(
                    &mut state,
                    CloseInfo::connection_closed(CloseOrigin::Transport),
                );
                false
            }
            Ending::Failed(error) => {
                let mut state = self.shared.lock();
                if !matches!(state.phase, Phase::Closed(_)) {
                    state.emit(Event::TransportError(Arc::new(error)));
                }
                self.shared.finish(
                    &mut state,
                    CloseInfo::connection_closed(CloseOrigin::Transport),
                );
                false
            }
        };

        self.stop_writing.cancel();
        let deadline = Instant::now() + self.shared.config.close_timeout;
        if graceful {
            // Close our side and let the peer finish: on TCP our FIN, then its reset; on
            // WebSocket the closing handshake. Whatever arrives meanwhile belongs to no
            // session any more.
            let _ = tokio::time::timeout_at(deadline, async {
                while let Some(Ok(_)) = reader.next().await {}
            })
            .await;
        }
        if !writer_done
            && tokio::time::timeout_at(deadline, &mut writing)
                .await
                .is_err()
        {
            writing.abort();
        }
        drop(reader);
        let mut state = self.shared.lock();
        state.emit(Event::Disconnected);
        state.events = None;
    }

    /// Routes one frame; `true` when it closed the session.
    fn on_frame(&self, inbound: Result<ServerFrame, MalformedFrame>) -> bool {
        // The relayed request of a push is decoded before taking the lock, which callers
        // registering requests share.
        let relayed = match &inbound {
            Ok(ServerFrame::Push(push)) => Some(push.decode_relayed()),
            _ => None,
        };
        let mut state = self.shared.lock();
        let frame = match inbound {
            Ok(frame) => frame,
            Err(malformed) => {
                state.emit(Event::InvalidFrame(malformed));
                return false;
            }
        };
        if self.shared.config.trace_frames {
            state.emit(Event::FrameReceived(frame.clone()));
        }
        match frame {
            ServerFrame::HeartbeatAck => {
                state.heartbeats.complete_all(|| Ok(()));
                state.emit(Event::HeartbeatAck);
            }
            ServerFrame::HeartbeatFailure(failure) => {
                let code = failure.code();
                let reason = failure
                    .reason()
                    .map(|r| r.map(str::to_owned).unwrap_or_default());
                state.heartbeats.complete_all(|| {
                    Err(ClientError::HeartbeatRefused {
                        code,
                        reason: reason.clone(),
                    })
                });
                state.emit(Event::HeartbeatFailure { code, reason });
            }
            ServerFrame::Close(close) => {
                let info = CloseInfo::from_server(&close);
                return self.shared.finish(&mut state, info);
            }
            ServerFrame::Push(push) => match relayed.unwrap_or_else(|| push.decode_relayed()) {
                Ok(request) => state.emit(Event::Push(PushEvent {
                    requester_id: push.requester_id(),
                    kind: push.relayed_kind(),
                    request: Arc::new(request),
                    frame: push,
                })),
                Err(error) => state.emit(Event::UndecodablePush { frame: push, error }),
            },
            ServerFrame::Response(response) => match state.pending.remove(response.request_id()) {
                Some(pending) => {
                    if pending.purpose == Purpose::Login && state.phase == Phase::LoggingIn {
                        if response.is_success() {
                            state.phase = Phase::Open;
                            state.schedule.heartbeat_sent(Instant::now());
                        } else {
                            state.phase = Phase::Connected;
                        }
                    }
                    if let Err(Ok(response)) = pending.reply.send(Ok(response)) {
                        // The caller stopped waiting in the meantime.
                        state.emit(Event::OrphanResponse(response));
                    }
                }
                None => state.emit(Event::OrphanResponse(response)),
            },
            ServerFrame::SessionInfo(info) => {
                self.shared.session.send_replace(Some(info.clone()));
                state.emit(Event::SessionInfo(info));
            }
            ServerFrame::Notification(notification) => {
                state.emit(Event::Notification(notification))
            }
        }
        false
    }

    /// Sends a heartbeat if one is due, and forgets callers that stopped waiting.
    fn on_tick(&self, heartbeats: bool) {
        let now = Instant::now();
        let mut state = self.shared.lock();
        sweep(&mut state);
        if heartbeats
            && state.phase == Phase::Open
            && state.schedule.is_due(now)
            && self.outbound.try_send(Bytes::new()).is_ok()
        {
            state.schedule.heartbeat_sent(now);
        }
    }
}

fn sweep(state: &mut State) {
    state.pending.sweep();
    state.heartbeats.sweep();
    state.logouts.retain(|logout| !logout.is_closed());
}

/// Writes queued frame bodies, batching what is ready into one flush, until told to stop.
async fn write_loop(
    mut writer: FrameWriter,
    mut queued: mpsc::Receiver<Bytes>,
    shared: Arc<Shared>,
    stop: CancellationToken,
) -> Result<(), TransportError> {
    let trace = shared.config.trace_frames;
    loop {
        let body = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            body = queued.recv() => match body {
                Some(body) => body,
                None => break,
            },
        };
        if trace {
            shared.lock().emit(Event::FrameSent(body.clone()));
        }
        writer.feed(body).await?;
        while let Ok(body) = queued.try_recv() {
            if trace {
                shared.lock().emit(Event::FrameSent(body.clone()));
            }
            writer.feed(body).await?;
        }
        writer.flush().await?;
    }
    // Closing can fail when the peer is already gone; there is nothing left to tell. On TCP it
    // sends a FIN, on WebSocket a close message (1000).
    let _ = writer.close().await;
    Ok(())
}
