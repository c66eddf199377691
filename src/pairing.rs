//! Matching responses with the requests they answer, and heartbeat acks with heartbeats, on one
//! connection: for the tap (times are `Instant`s) and for captures (capture timestamps).

use std::collections::{HashMap, VecDeque};

/// What a frame is to the pairing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A client's heartbeat (an empty request frame).
    Heartbeat,
    /// A request: its id (a request without one cannot be answered) and kind.
    Request {
        id: Option<i64>,
        kind: Option<&'static str>,
    },
    /// A heartbeat ack or a heartbeat failure: answers the oldest heartbeat.
    HeartbeatAnswer,
    /// A response, by the request id it carries.
    Response { id: Option<i64> },
    /// Anything else (a push, a close, an error): answers nothing.
    Other,
}

/// What an answer answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paired<T> {
    /// The request's kind (`heartbeat` for a heartbeat); `None` for a request without a kind.
    pub(crate) request_kind: Option<&'static str>,
    /// When the request was seen.
    pub(crate) sent: T,
}

/// The requests and heartbeats of a connection that await an answer, at most
/// `max_requests` and `max_heartbeats` (the oldest are forgotten beyond).
#[derive(Debug)]
pub(crate) struct Pairing<T> {
    /// By request id: the kind, and when the request was seen.
    pending: HashMap<i64, (Option<&'static str>, T)>,
    /// When each unanswered heartbeat was seen, oldest first.
    heartbeats: VecDeque<T>,
    max_requests: usize,
    max_heartbeats: usize,
}

impl<T: Copy + Ord> Pairing<T> {
    pub(crate) fn new(max_requests: usize, max_heartbeats: usize) -> Pairing<T> {
        Pairing {
            pending: HashMap::new(),
            heartbeats: VecDeque::new(),
            max_requests: max_requests.max(1),
            max_heartbeats: max_heartbeats.max(1),
        }
    }

    /// Takes note of a frame seen at `at`: a request (or heartbeat) now awaits an answer; a
    /// response (or heartbeat ack or failure) is matched with what it answers, if that was
    /// seen and not yet answered.
    pub(crate) fn frame(&mut self, seen: Seen, at: T) -> Option<Paired<T>> {
        let (request_kind, sent) = match seen {
            Seen::Heartbeat => {
                if self.heartbeats.len() >= self.max_heartbeats {
                    self.heartbeats.pop_front();
                }
                self.heartbeats.push_back(at);
                return None;
            }
            Seen::Request { id, kind } => {
                if let Some(id) = id {
                    if self.pending.len() >= self.max_requests && !self.pending.contains_key(&id) {
                        self.forget_oldest_request();
                    }
                    self.pending.insert(id, (kind, at));
                }
                return None;
            }
            Seen::HeartbeatAnswer => (Some("heartbeat"), self.heartbeats.pop_front()?),
            Seen::Response { id } => self.pending.remove(&id?)?,
            Seen::Other => return None,
        };
        Some(Paired { request_kind, sent })
    }

    /// How many requests and heartbeats await an answer.
    #[cfg(test)]
    fn waiting(&self) -> (usize, usize) {
        (self.pending.len(), self.heartbeats.len())
    }

    fn forget_oldest_request(&mut self) {
        if let Some(oldest) = self
            .pending
            .iter()
            .min_by_key(|(_, (_, sent))| *sent)
            .map(|(id, _)| *id)
        {
            self.pending.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_REQUESTS: usize = 64;
    const MAX_HEARTBEATS: usize = 8;

    fn pairing() -> Pairing<u64> {
        Pairing::new(MAX_REQUESTS, MAX_HEARTBEATS)
    }

    fn request(id: i64) -> Seen {
        Seen::Request {
            id: Some(id),
            kind: Some("create_message_request"),
        }
    }

    fn response(id: i64) -> Seen {
        Seen::Response { id: Some(id) }
    }

    #[test]
    fn a_response_is_paired_with_its_request() {
        let mut pairing = pairing();
        assert_eq!(pairing.frame(request(1), 0), None);
        assert_eq!(pairing.frame(request(2), 100), None);
        assert_eq!(pairing.waiting(), (2, 0));
        // Answered out of order, each by its own id.
        let second = pairing.frame(response(2), 1_600).unwrap();
        assert_eq!(second.request_kind, Some("create_message_request"));
        assert_eq!(second.sent, 100);
        assert_eq!(pairing.frame(response(1), 2_000).unwrap().sent, 0);
        assert_eq!(pairing.waiting(), (0, 0));
        // A request without a kind pairs too, with no kind to name.
        pairing.frame(
            Seen::Request {
                id: Some(3),
                kind: None,
            },
            5,
        );
        let paired = pairing.frame(response(3), 6).unwrap();
        assert_eq!(paired.request_kind, None);
    }

    #[test]
    fn orphan_answers_pair_with_nothing() {
        let mut pairing = pairing();
        assert_eq!(pairing.frame(response(9), 0), None);
        pairing.frame(request(1), 0);
        assert!(pairing.frame(response(1), 0).is_some());
        assert_eq!(pairing.frame(response(1), 0), None, "answered twice");
        pairing.frame(
            Seen::Request {
                id: None,
                kind: None,
            },
            0,
        );
        assert_eq!(pairing.waiting(), (0, 0), "no id: cannot be answered");
        pairing.frame(request(5), 0);
        for seen in [Seen::Response { id: None }, Seen::Other] {
            assert_eq!(pairing.frame(seen, 0), None);
        }
        assert_eq!(pairing.waiting(), (1, 0));
        assert_eq!(pairing.frame(Seen::HeartbeatAnswer, 0), None);
    }

    #[test]
    fn heartbeat_answers_answer_the_oldest_heartbeat() {
        let mut pairing = pairing();
        for at in [0, 1_000, 2_000] {
            pairing.frame(Seen::Heartbeat, at);
        }
        let ack = pairing.frame(Seen::HeartbeatAnswer, 2_500).unwrap();
        assert_eq!(
            ack,
            Paired {
                request_kind: Some("heartbeat"),
                sent: 0
            }
        );
        assert_eq!(
            pairing.frame(Seen::HeartbeatAnswer, 3_000).unwrap().sent,
            1_000
        );
        // Heartbeats and requests are matched apart.
        pairing.frame(request(7), 0);
        assert_eq!(pairing.waiting(), (1, 1));
        assert!(pairing.frame(response(7), 4_000).is_some());
        assert_eq!(pairing.waiting(), (0, 1));
    }

    #[test]
    fn waiting_requests_and_heartbeats_are_capped_by_forgetting_the_oldest() {
        let mut pairing = pairing();
        for id in 0..=MAX_REQUESTS as i64 {
            pairing.frame(request(id), id as u64);
        }
        assert_eq!(pairing.waiting(), (MAX_REQUESTS, 0));
        assert_eq!(pairing.frame(response(0), 10_000), None, "the oldest went");
        assert!(pairing.frame(response(1), 10_000).is_some());
        for at in 0..=MAX_HEARTBEATS as u64 {
            pairing.frame(Seen::Heartbeat, at);
        }
        assert_eq!(pairing.frame(Seen::HeartbeatAnswer, 99).unwrap().sent, 1);
    }
}
