//! [`Events`]: a bounded receiver of a client's [`Event`]s.

use tokio::sync::broadcast;

use super::Event;

/// A receiver of a client's [`Event`]s.
///
/// Bounded: a receiver that falls more than the configured capacity behind loses the oldest
/// events and is told how many with [`Event::Lagged`], so a peer flooding the connection can
/// neither stall the client nor make it buffer without limit. After
/// [`Event::Disconnected`], [`recv`](Events::recv) returns `None`.
#[derive(Debug)]
pub struct Events {
    receiver: broadcast::Receiver<Event>,
}

impl Events {
    pub(crate) fn new(receiver: broadcast::Receiver<Event>) -> Events {
        Events { receiver }
    }

    /// The next event, waiting for it; `None` once the connection is gone and every event has
    /// been received.
    pub async fn recv(&mut self) -> Option<Event> {
        match self.receiver.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Event::Lagged { missed }),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        match self.receiver.try_recv() {
            Ok(event) => Some(event),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Event::Lagged { missed }),
            Err(_) => None,
        }
    }
}
