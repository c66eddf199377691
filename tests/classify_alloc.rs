//! Classification allocates nothing: a counting global allocator watches it classify every
//! conformance vector and read every envelope field.
//!
//! Its own test binary, with one test, so nothing else allocates on the counted thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use bytes::Bytes;
use turms_wire::frame::{ClientFrame, ServerFrame};
use turms_wire_test_support::data;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: thread-local storage may be gone while a thread shuts down.
    let _ = COUNTING.try_with(|counting| {
        if counting.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.with(Cell::get), out)
}

/// The frames of a conformance directory (`notif`, `req`), by name.
fn frames(dir: &str) -> Vec<(String, Bytes)> {
    data::vectors(dir)
        .into_iter()
        .map(|vector| (vector.name, vector.bytes))
        .collect()
}

/// The inputs of `bad/`, by name.
fn bad_inputs() -> Vec<(String, Bytes)> {
    data::bad_index()
        .entries
        .into_iter()
        .map(|entry| (entry.name, entry.bytes))
        .collect()
}

/// How often each top-level field number occurs, read with prost's own primitives; `None` if
/// the bytes are not well-formed at the top level.
fn occurrences(bytes: &[u8], field: u32) -> Option<usize> {
    use prost::encoding::{decode_key, skip_field, DecodeContext};
    let mut buf = bytes;
    let mut n = 0;
    while !buf.is_empty() {
        let (number, wire_type) = decode_key(&mut buf).ok()?;
        if number == field {
            n += 1;
        }
        skip_field(wire_type, number, &mut buf, DecodeContext::default()).ok()?;
    }
    Some(n)
}

/// Whether a request repeats its kind member in a row (its body is then a merge).
fn repeats_kind(bytes: &[u8]) -> bool {
    use prost::encoding::{decode_key, skip_field, DecodeContext};
    let mut buf = bytes;
    let mut last_kind = 0;
    while !buf.is_empty() {
        let Ok((number, wire_type)) = decode_key(&mut buf) else {
            return false;
        };
        if number > 2 && turms_wire::frame::RequestKind::from_number(number).is_known() {
            if number == last_kind {
                return true;
            }
            last_kind = number;
        }
        if skip_field(wire_type, number, &mut buf, DecodeContext::default()).is_err() {
            return false;
        }
    }
    false
}

/// Classifies and reads every envelope field, keeping each answer alive with `black_box`.
fn classify_and_read(bytes: Bytes) {
    let Ok(frame) = ServerFrame::classify(bytes) else {
        return;
    };
    black_box(frame.class().as_str());
    if let Some(e) = frame.envelope() {
        black_box(e.timestamp());
        black_box(e.request_id());
        black_box(e.code());
        black_box(e.reason());
        black_box(e.data());
        black_box(e.data_kind().and_then(|k| k.name()));
        black_box(e.requester_id());
        black_box(e.close_status());
        black_box(e.relayed_request());
        black_box(e.relayed_kind().and_then(|k| k.name()));
        black_box(e.relayed_request_id());
        black_box(e.session_id());
        black_box(e.server_id());
        black_box(e.custom_attributes_count());
    }
    match &frame {
        ServerFrame::HeartbeatFailure(r) | ServerFrame::Response(r) => {
            black_box((
                r.is_success(),
                r.request_id(),
                r.code(),
                r.reason(),
                r.data(),
            ));
        }
        ServerFrame::Close(c) => {
            black_box((c.status(), c.code(), c.reason()));
        }
        ServerFrame::Push(p) => {
            black_box((p.requester_id(), p.relayed_kind(), p.relayed_request()));
        }
        ServerFrame::SessionInfo(s) => {
            black_box((s.session_id(), s.server_id()));
        }
        ServerFrame::Notification(n) => {
            black_box((n.data(), n.data_kind()));
        }
        ServerFrame::HeartbeatAck => {
            black_box(frame.bytes());
        }
    }
    black_box(frame);
}

fn classify_request_and_read(bytes: Bytes) {
    let Ok(frame) = ClientFrame::classify(bytes) else {
        return;
    };
    black_box(frame.bytes());
    if let ClientFrame::Request(r) = &frame {
        black_box(r.request_id());
        black_box(r.kind().and_then(|k| k.name()));
        black_box(r.body());
        black_box(r.custom_attributes_count());
        // The strict rule allocates only to decode a login body.
        if r.kind() != Some(turms_wire::frame::RequestKind::CREATE_SESSION_REQUEST) {
            black_box(r.gateway_accepts().is_ok());
        }
    }
    black_box(frame);
}

#[test]
fn classification_allocates_nothing() {
    let mut checked = 0;
    let mut fallbacks = 0;

    let mut notifications = frames("notif");
    notifications.extend(bad_inputs());
    for (name, bytes) in notifications {
        let repeats =
            occurrences(&bytes, 7).unwrap_or(0) > 1 || occurrences(&bytes, 12).unwrap_or(0) > 1;
        let (count, ()) = allocations(|| classify_and_read(bytes));
        if repeats {
            // A repeated data or relayed_request merges into a copy: one box, one buffer each.
            assert!(count <= 3, "{name}: {count} allocations");
            fallbacks += 1;
        } else {
            assert_eq!(count, 0, "{name}: classification allocated");
        }
        checked += 1;
    }

    let mut requests = frames("req");
    requests.extend(bad_inputs());
    for (name, bytes) in requests {
        let repeats = repeats_kind(&bytes);
        let (count, ()) = allocations(|| classify_request_and_read(bytes));
        if repeats {
            assert!(count <= 2, "{name}: {count} allocations");
            fallbacks += 1;
        } else {
            assert_eq!(count, 0, "{name}: request classification allocated");
        }
        checked += 1;
    }

    // The counter counts: a decode allocates.
    let frame = ServerFrame::classify(Bytes::from_static(&[0x32, 0x03, 0x41, 0x42, 0x43])).unwrap();
    let (count, _) = allocations(|| frame.decode().unwrap());
    assert!(count > 0, "the counting allocator saw nothing");

    assert_eq!(checked, 516 + 387 + 2 * 70);
    assert!(fallbacks >= 1, "bad/067 repeats data");
}
