//! The benchmark corpora, built from `tests/data/conformance` the same way on every run.
//!
//! * **Session mix** (`session_mix`, about 50 MB): frames drawn in a seeded random order from
//!   15 % heartbeats, 55 % small responses (the `response_code` vectors), 25 % pushes relaying
//!   a `create_message_request` (the `push` vectors of that kind) and 5 % large data responses
//!   of 3–7 KB (the lists of several `messages` or `user_infos_with_version` data vectors,
//!   decoded with prost, merged into one message and re-encoded).
//! * **Notification vectors** (`notif_vectors`, about 50 MB): `stream/all.bin`, every
//!   non-empty notification vector but the 2 MiB one, repeated.
//!
//! Each corpus is a pool of distinct frame bodies and the order in which they occur; the
//! length-prefixed TCP stream and the WebSocket byte stream are made from those.
#![allow(dead_code)]

use bytes::Bytes;
use prost::Message;
use turms_wire::codec::write_length_prefix;
use turms_wire::proto::turms_notification::data::Kind as DataKind;
use turms_wire::proto::{TurmsNotification, TurmsRequest};
use turms_wire_test_support::data;
use turms_wire_test_support::rng::SplitMix64;

/// Size the corpora are grown to.
pub const TARGET_BYTES: usize = 50_000_000;

/// The seed of every random choice.
const SEED: u64 = 0x5eed_2026_be7c_0001;

/// Size range of the large data responses in the session mix.
const LARGE_MIN: usize = 3 * 1024;
const LARGE_MAX: usize = 7 * 1024;
/// How many distinct large responses the mix draws from.
const LARGE_POOL: usize = 64;

/// A corpus: distinct frame bodies and the order they occur in.
pub struct Corpus {
    /// Short name, used in benchmark ids.
    pub name: &'static str,
    /// Distinct frame bodies (an empty body is a heartbeat).
    pub pool: Vec<Bytes>,
    /// Indices into `pool`, in stream order.
    pub order: Vec<u32>,
    /// The varint32 length-prefixed TCP byte stream of every frame in order.
    pub wire: Vec<u8>,
}

impl Corpus {
    /// Frames in the stream.
    pub fn frames(&self) -> usize {
        self.order.len()
    }

    /// Bytes of the TCP stream (prefixes and bodies).
    pub fn wire_bytes(&self) -> usize {
        self.wire.len()
    }

    /// Bytes of the frame bodies alone.
    pub fn body_bytes(&self) -> usize {
        self.order
            .iter()
            .map(|&i| self.pool[i as usize].len())
            .sum()
    }

    /// Every frame body in stream order (cheap: `Bytes` clones of the pool).
    pub fn bodies(&self) -> impl Iterator<Item = &Bytes> + '_ {
        self.order.iter().map(|&i| &self.pool[i as usize])
    }

    /// The pool decoded as notifications (for the encoding benchmarks).
    pub fn decoded_pool(&self) -> Vec<TurmsNotification> {
        self.pool
            .iter()
            .map(|b| TurmsNotification::decode(b.clone()).expect("corpus frames decode"))
            .collect()
    }

    /// The same frames as server-to-client WebSocket binary messages (unmasked), one message
    /// per frame (an empty message is a heartbeat ack), then a close message.
    pub fn websocket_stream(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.wire.len() + self.frames() * 4);
        for body in self.bodies() {
            out.push(0x82); // FIN, binary
            let len = body.len();
            if len < 126 {
                out.push(len as u8);
            } else if len <= usize::from(u16::MAX) {
                out.push(126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            } else {
                out.push(127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
            out.extend_from_slice(body);
        }
        // The gateway's close (1000, no reason) ends the stream.
        out.extend_from_slice(&[0x88, 0x02, 0x03, 0xe8]);
        out
    }

    /// One line describing the corpus.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} frames ({} distinct), {} wire bytes, {} body bytes, {:.1} bytes/frame",
            self.name,
            self.frames(),
            self.pool.len(),
            self.wire_bytes(),
            self.body_bytes(),
            self.wire_bytes() as f64 / self.frames() as f64
        )
    }
}

/// A notification vector: its body and the labels of its JSON.
struct Vector {
    body: Bytes,
    category: String,
    relayed_kind: Option<String>,
    data_kind: Option<String>,
}

fn notif_vectors() -> Vec<Vector> {
    data::vectors("notif")
        .into_iter()
        .map(|vector| {
            let label = |key: &str| {
                vector
                    .json
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            Vector {
                category: label("category").unwrap_or_default(),
                relayed_kind: label("relayed_kind"),
                data_kind: label("data_kind"),
                body: vector.bytes,
            }
        })
        .collect()
}

/// Builds the length-prefixed stream of `order`.
fn wire_of(pool: &[Bytes], order: &[u32]) -> Vec<u8> {
    let mut wire = Vec::new();
    for &i in order {
        let body = &pool[i as usize];
        write_length_prefix(body.len(), &mut wire);
        wire.extend_from_slice(body);
    }
    wire
}

/// The lists a large response is made of: one entry per `messages` or
/// `user_infos_with_version` data vector, with its decoded envelope.
enum Items {
    Messages(Vec<turms_wire::proto::Message>),
    UserInfos(Vec<turms_wire::proto::UserInfo>),
}

fn items_of(n: &TurmsNotification) -> Option<Items> {
    match n.data.as_ref()?.kind.as_ref()? {
        DataKind::Messages(m) if !m.messages.is_empty() => {
            Some(Items::Messages(m.messages.clone()))
        }
        DataKind::UserInfosWithVersion(u) if !u.user_infos.is_empty() => {
            Some(Items::UserInfos(u.user_infos.clone()))
        }
        _ => None,
    }
}

/// One large data response of a random size in `LARGE_MIN..LARGE_MAX`, merging items of
/// vectors of the same data kind (`messages` when `messages` is true, otherwise
/// `user_infos_with_version`).
fn large_response(
    sources: &[(TurmsNotification, Items)],
    messages: bool,
    rng: &mut SplitMix64,
) -> Bytes {
    let of_kind: Vec<&(TurmsNotification, Items)> = sources
        .iter()
        .filter(|(_, items)| matches!(items, Items::Messages(_)) == messages)
        .collect();
    assert!(!of_kind.is_empty(), "no data vectors of the wanted kind");
    let target = LARGE_MIN + rng.below(LARGE_MAX - LARGE_MIN);
    let mut merged = of_kind[rng.below(of_kind.len())].0.clone();
    let data = merged.data.as_mut().expect("data vector");
    match data.kind.as_mut().expect("data kind") {
        DataKind::Messages(m) => m.messages.clear(),
        DataKind::UserInfosWithVersion(u) => u.user_infos.clear(),
        _ => unreachable!("filtered above"),
    }
    let mut attempts = 0;
    while merged.encoded_len() < target {
        attempts += 1;
        assert!(attempts < 10_000, "cannot reach {target} bytes");
        let (_, items) = of_kind[rng.below(of_kind.len())];
        let kind = merged
            .data
            .as_mut()
            .and_then(|d| d.kind.as_mut())
            .expect("data kind");
        match (kind, items) {
            (DataKind::Messages(m), Items::Messages(from)) => {
                m.messages.push(from[rng.below(from.len())].clone());
                if merged.encoded_len() > LARGE_MAX {
                    if let Some(DataKind::Messages(m)) =
                        merged.data.as_mut().and_then(|d| d.kind.as_mut())
                    {
                        m.messages.pop();
                    }
                }
            }
            (DataKind::UserInfosWithVersion(u), Items::UserInfos(from)) => {
                u.user_infos.push(from[rng.below(from.len())].clone());
                if merged.encoded_len() > LARGE_MAX {
                    if let Some(DataKind::UserInfosWithVersion(u)) =
                        merged.data.as_mut().and_then(|d| d.kind.as_mut())
                    {
                        u.user_infos.pop();
                    }
                }
            }
            _ => unreachable!("same kind"),
        }
    }
    let body = Bytes::from(merged.encode_to_vec());
    assert!((LARGE_MIN..=LARGE_MAX).contains(&body.len()));
    body
}

/// Corpus (a): the session mix.
pub fn session_mix() -> Corpus {
    let vectors = notif_vectors();
    let responses: Vec<Bytes> = vectors
        .iter()
        .filter(|v| v.category == "response_code")
        .map(|v| v.body.clone())
        .collect();
    let pushes: Vec<Bytes> = vectors
        .iter()
        .filter(|v| {
            v.category == "push" && v.relayed_kind.as_deref() == Some("create_message_request")
        })
        .map(|v| v.body.clone())
        .collect();
    let sources: Vec<(TurmsNotification, Items)> = vectors
        .iter()
        .filter(|v| {
            v.category == "response_data"
                && matches!(
                    v.data_kind.as_deref(),
                    Some("messages") | Some("user_infos_with_version")
                )
        })
        .filter_map(|v| {
            let n = TurmsNotification::decode(v.body.clone()).expect("data vector decodes");
            let items = items_of(&n)?;
            Some((n, items))
        })
        .collect();
    assert_eq!(responses.len(), 227);
    assert_eq!(pushes.len(), 8);
    assert_eq!(sources.len(), 6);

    let mut rng = SplitMix64(SEED);
    let large: Vec<Bytes> = (0..LARGE_POOL)
        .map(|i| large_response(&sources, i % 2 == 0, &mut rng))
        .collect();

    // Pool layout: [heartbeat, responses…, pushes…, large…].
    let mut pool = vec![Bytes::new()];
    let responses_at = pool.len();
    pool.extend(responses.iter().cloned());
    let pushes_at = pool.len();
    pool.extend(pushes.iter().cloned());
    let large_at = pool.len();
    pool.extend(large.iter().cloned());

    let mut order = Vec::new();
    let mut wire_len = 0;
    while wire_len < TARGET_BYTES {
        let roll = rng.below(100);
        let index = if roll < 15 {
            0
        } else if roll < 70 {
            responses_at + rng.below(responses.len())
        } else if roll < 95 {
            pushes_at + rng.below(pushes.len())
        } else {
            large_at + rng.below(large.len())
        };
        let len = pool[index].len();
        wire_len += prost::encoding::encoded_len_varint(len as u64) + len;
        order.push(index as u32);
    }
    let wire = wire_of(&pool, &order);
    Corpus {
        name: "session_mix",
        pool,
        order,
        wire,
    }
}

/// Corpus (b): `stream/all.bin` repeated.
pub fn notif_vectors_repeated() -> Corpus {
    let all = Bytes::from(data::read(&data::conformance("stream/all.bin")));
    let mut pool = Vec::new();
    let mut rest = &all[..];
    while !rest.is_empty() {
        let prefix = turms_wire::codec::read_length_prefix(rest)
            .expect("valid prefix")
            .expect("whole prefix");
        let start = all.len() - rest.len() + prefix.prefix_len;
        pool.push(all.slice(start..start + prefix.length));
        rest = &rest[prefix.prefix_len + prefix.length..];
    }
    assert!(pool.iter().all(|b| !b.is_empty()));
    let copies = TARGET_BYTES.div_ceil(all.len());
    let order: Vec<u32> = (0..copies).flat_map(|_| 0..pool.len() as u32).collect();
    let wire = wire_of(&pool, &order);
    debug_assert_eq!(wire.len(), all.len() * copies);
    Corpus {
        name: "notif_vectors",
        pool,
        order,
        wire,
    }
}

/// The request vectors (`req/*.bin`, the empty one left out: it would be a heartbeat),
/// decoded, in a seeded order repeated to about `target` encoded bytes.
pub fn requests(target: usize) -> (Vec<TurmsRequest>, Vec<u32>) {
    let pool: Vec<TurmsRequest> = data::vectors("req")
        .into_iter()
        .map(|vector| TurmsRequest::decode(vector.bytes).expect("decodes"))
        .filter(|r| r.encoded_len() > 0)
        .collect();
    let mut rng = SplitMix64(SEED ^ 0x7265_7175_6573_7473);
    let mut order = Vec::new();
    let mut len = 0;
    while len < target {
        let i = rng.below(pool.len());
        len += pool[i].encoded_len() + 2;
        order.push(i as u32);
    }
    (pool, order)
}
