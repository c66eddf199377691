//! Matching responses with the requests they answer, and heartbeat acks with heartbeats, on one
//! connection.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::frame::FrameClass;
use crate::inspect::Outcome;

/// Requests awaiting a response, per connection; the oldest are forgotten beyond this.
pub(super) const MAX_PENDING_REQUESTS: usize = 4096;
/// Heartbeats awaiting an ack, per connection; the oldest are forgotten beyond this.
pub(super) const MAX_PENDING_HEARTBEATS: usize = 256;

/// What a response answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Paired {
    /// The request's kind (`heartbeat` for a heartbeat); `None` for a request without a kind.
    pub(super) request_kind: Option<&'static str>,
    /// From the request to its response.
    pub(super) latency: Duration,
}

/// The requests and heartbeats of a connection that await an answer.
#[derive(Debug, Default)]
pub(super) struct Pairing {
    /// By request id: the kind, and when the request was seen.
    pending: HashMap<i64, (Option<&'static str>, Instant)>,
    /// When each unanswered heartbeat was seen, oldest first.
    heartbeats: VecDeque<Instant>,
}

impl Pairing {
    /// Takes note of a frame seen at `at`: a request (or heartbeat) now awaits an answer; a
    /// response (or heartbeat ack or failure) is matched with what it answers, if that was
    /// seen and not yet answered. Nothing else, errors included, changes anything.
    pub(super) fn frame(&mut self, outcome: &Outcome, at: Instant) -> Option<Paired> {
        let (request_kind, sent) = match outcome {
            Outcome::Request(request) if request.is_heartbeat() => {
                if self.heartbeats.len() == MAX_PENDING_HEARTBEATS {
                    self.heartbeats.pop_front();
                }
                self.heartbeats.push_back(at);
                return None;
            }
            Outcome::Request(request) => {
                if let Some(id) = request.request_id {
                    if self.pending.len() >= MAX_PENDING_REQUESTS {
                        self.forget_oldest_request();
                    }
                    self.pending
                        .insert(id, (request.kind.and_then(|kind| kind.name()), at));
                }
                return None;
            }
            Outcome::Notification(notification) => match notification.class {
                FrameClass::Heartbeat | FrameClass::HeartbeatFailure => {
                    (Some("heartbeat"), self.heartbeats.pop_front()?)
                }
                FrameClass::Response => self.pending.remove(&notification.request_id?)?,
                _ => return None,
            },
            Outcome::Error(_) => return None,
        };
        Some(Paired {
            request_kind,
            latency: at.saturating_duration_since(sent),
        })
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
    use bytes::Bytes;
    use prost::Message;

    use super::*;
    use crate::inspect::{inspect_notification, inspect_request, FrameError};
    use crate::proto::{turms_request, CreateMessageRequest, TurmsNotification, TurmsRequest};

    fn request(id: Option<i64>) -> Outcome {
        let request = TurmsRequest {
            request_id: id,
            kind: Some(turms_request::Kind::CreateMessageRequest(
                CreateMessageRequest::default(),
            )),
            ..Default::default()
        };
        inspect_request(0, Bytes::from(request.encode_to_vec())).outcome
    }

    fn request_without_kind(id: i64) -> Outcome {
        let request = TurmsRequest {
            request_id: Some(id),
            ..Default::default()
        };
        inspect_request(0, Bytes::from(request.encode_to_vec())).outcome
    }

    fn notification(notification: TurmsNotification) -> Outcome {
        inspect_notification(0, Bytes::from(notification.encode_to_vec())).outcome
    }

    fn response(id: i64) -> Outcome {
        notification(TurmsNotification {
            request_id: Some(id),
            code: Some(1000),
            ..Default::default()
        })
    }

    fn heartbeat() -> Outcome {
        inspect_request(0, Bytes::new()).outcome
    }

    fn ack() -> Outcome {
        inspect_notification(0, Bytes::new()).outcome
    }

    fn heartbeat_failure() -> Outcome {
        notification(TurmsNotification {
            request_id: Some(-100),
            code: Some(1100),
            ..Default::default()
        })
    }

    fn after(start: Instant, micros: u64) -> Instant {
        start + Duration::from_micros(micros)
    }

    #[test]
    fn a_response_is_paired_with_its_request_and_latency() {
        let start = Instant::now();
        let mut pairing = Pairing::default();
        assert_eq!(pairing.frame(&request(Some(1)), start), None);
        assert_eq!(pairing.frame(&request(Some(2)), after(start, 100)), None);
        assert_eq!(pairing.waiting(), (2, 0));

        // Answered out of order, each by its own id.
        let second = pairing.frame(&response(2), after(start, 1_600)).unwrap();
        assert_eq!(second.request_kind, Some("create_message_request"));
        assert_eq!(second.latency, Duration::from_micros(1_500));
        let first = pairing.frame(&response(1), after(start, 2_000)).unwrap();
        assert_eq!(first.latency, Duration::from_millis(2));
        assert_eq!(pairing.waiting(), (0, 0));

        // A request without a kind pairs too, with no kind to name.
        pairing.frame(&request_without_kind(3), start);
        let paired = pairing.frame(&response(3), after(start, 1)).unwrap();
        assert_eq!(paired.request_kind, None);
        assert_eq!(paired.latency, Duration::from_micros(1));
    }

    #[test]
    fn orphan_responses_pair_with_nothing() {
        let start = Instant::now();
        let mut pairing = Pairing::default();
        // Never requested.
        assert_eq!(pairing.frame(&response(9), start), None);
        // Answered twice: the second answer is an orphan.
        pairing.frame(&request(Some(1)), start);
        assert!(pairing.frame(&response(1), start).is_some());
        assert_eq!(pairing.frame(&response(1), start), None);
        // A request without an id cannot be answered.
        pairing.frame(&request(None), start);
        assert_eq!(pairing.waiting(), (0, 0));
        // A response without a request id, a push, a close, an error: nothing to pair.
        pairing.frame(&request(Some(5)), start);
        let no_id = notification(TurmsNotification {
            code: Some(1000),
            ..Default::default()
        });
        let close = notification(TurmsNotification {
            request_id: Some(5),
            close_status: Some(500),
            ..Default::default()
        });
        let error = Outcome::Error(FrameError {
            layer: crate::inspect::ErrorLayer::Message,
            kind: "invalid_wire_type",
            detail: String::new(),
        });
        for outcome in [no_id, close, error] {
            assert_eq!(pairing.frame(&outcome, start), None, "{outcome:?}");
        }
        assert_eq!(
            pairing.waiting(),
            (1, 0),
            "request 5 still awaits its response"
        );
        // An ack without a heartbeat.
        assert_eq!(pairing.frame(&ack(), start), None);
    }

    #[test]
    fn heartbeat_acks_and_failures_answer_the_oldest_heartbeat() {
        let start = Instant::now();
        let mut pairing = Pairing::default();
        pairing.frame(&heartbeat(), start);
        pairing.frame(&heartbeat(), after(start, 1_000));
        pairing.frame(&heartbeat(), after(start, 2_000));
        assert_eq!(pairing.waiting(), (0, 3));

        let ack = pairing.frame(&ack(), after(start, 2_500)).unwrap();
        assert_eq!(
            ack,
            Paired {
                request_kind: Some("heartbeat"),
                latency: Duration::from_micros(2_500),
            }
        );
        let failure = pairing
            .frame(&heartbeat_failure(), after(start, 3_000))
            .unwrap();
        assert_eq!(failure.request_kind, Some("heartbeat"));
        assert_eq!(failure.latency, Duration::from_millis(2));
        // Heartbeats and requests are matched apart: a response is no ack.
        pairing.frame(&request(Some(7)), start);
        assert_eq!(pairing.waiting(), (1, 1));
        assert_eq!(
            pairing
                .frame(&response(7), after(start, 4_000))
                .unwrap()
                .request_kind,
            Some("create_message_request")
        );
        assert_eq!(pairing.waiting(), (0, 1));
    }

    #[test]
    fn an_answer_before_its_request_has_no_negative_latency() {
        let start = Instant::now();
        let mut pairing = Pairing::default();
        pairing.frame(&request(Some(1)), after(start, 500));
        let paired = pairing.frame(&response(1), start).unwrap();
        assert_eq!(paired.latency, Duration::ZERO);
    }

    #[test]
    fn pending_requests_are_capped_by_forgetting_the_oldest() {
        let start = Instant::now();
        let mut pairing = Pairing::default();
        let ids = 0..MAX_PENDING_REQUESTS as i64;
        for id in ids.clone() {
            pairing.frame(&request(Some(id)), after(start, id as u64));
        }
        assert_eq!(pairing.waiting(), (MAX_PENDING_REQUESTS, 0));
        // One more: request 0, the oldest, is forgotten.
        let newest = MAX_PENDING_REQUESTS as i64;
        pairing.frame(&request(Some(newest)), after(start, newest as u64));
        assert_eq!(pairing.waiting(), (MAX_PENDING_REQUESTS, 0));
        assert_eq!(pairing.frame(&response(0), after(start, 10_000)), None);
        for id in [1, newest / 2, newest] {
            let paired = pairing.frame(&response(id), after(start, 10_000)).unwrap();
            assert_eq!(paired.latency, Duration::from_micros(10_000 - id as u64));
        }
    }

    #[test]
    fn pending_heartbeats_are_capped_by_forgetting_the_oldest() {
        let start = Instant::now();
        let mut pairing = Pairing::default();
        for i in 0..=MAX_PENDING_HEARTBEATS as u64 {
            pairing.frame(&heartbeat(), after(start, i));
        }
        assert_eq!(pairing.waiting(), (0, MAX_PENDING_HEARTBEATS));
        // The first ack answers the second heartbeat: the first was forgotten.
        let end = after(start, 1_000);
        assert_eq!(
            pairing.frame(&ack(), end).unwrap().latency,
            Duration::from_micros(999)
        );
        for _ in 1..MAX_PENDING_HEARTBEATS {
            assert!(pairing.frame(&ack(), end).is_some());
        }
        assert_eq!(pairing.frame(&ack(), end), None);
    }
}
