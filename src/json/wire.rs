//! The proto3 JSON of a message written straight from its protobuf bytes, without decoding it
//! into a [`DynamicMessage`](prost_reflect::DynamicMessage) first.
//!
//! The output is exactly what decoding the bytes with prost-reflect and writing the message
//! with [`super::ser`] gives, and the writer follows the decoder's rules to get there:
//!
//! * fields are written in number order, whatever order the bytes hold them in;
//! * a repeated field collects its elements from every occurrence, packed or not, in order;
//! * a singular scalar takes its last occurrence (every occurrence is still checked);
//! * a singular message merges all its occurrences: merging messages is decoding their bytes one
//!   after the other, so the occurrences are read as one message made of several pieces;
//! * a member of a oneof clears the other members: only the member that occurs last is written,
//!   made of its occurrences after the last occurrence of any other member;
//! * a map entry replaces any earlier entry with the same key, and entries are written in key
//!   order;
//! * a field without presence is written unless it holds its default (a plain `float` or
//!   `double` holding `-0.0` is written, as [`super::ser`] writes it); a field with presence is
//!   written whenever it occurs;
//! * unknown fields are checked as the decoder skips them, and not written.
//!
//! Anything the writer does not handle itself gives up, and the caller decodes the message
//! instead: every error (a broken varint, a wrong wire type, a string that is not UTF-8, a
//! length past the end, …), which the full decode then reports in its own words; groups;
//! nesting deeper than [`MAX_DEPTH`]; the well-known types, which have mappings of their own;
//! and message types that have extensions. So whenever this writer succeeds, the full decode
//! succeeds too and the JSON is the same, byte for byte; the property tests compare the two on
//! random messages and on their bytes shuffled, split, repeated and corrupted.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use base64::prelude::{Engine, BASE64_STANDARD};
use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor, Value};
use serde_json::ser::{CompactFormatter, Formatter};

use super::descriptor_pool;

/// Nesting the writer handles itself, in messages below the root; deeper messages are left to
/// the full decode and its limit ([`super::RECURSION_LIMIT`]).
const MAX_DEPTH: u32 = 64;

/// No oneof (or a synthetic one, which has a single member: nothing to clear).
const NO_ONEOF: u16 = u16::MAX;

/// Field numbers up to this are looked up in a table; larger ones by binary search.
const MAX_TABLE_NUMBER: u32 = 4096;

/// The index of a message type's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct MessageIndex(u32);

/// What the writer knows of every message type of the schema, built once.
struct Plans {
    messages: Vec<MessagePlan>,
    enums: Vec<EnumPlan>,
    by_name: HashMap<Box<str>, u32>,
}

struct MessagePlan {
    /// The fields, in number order.
    fields: Box<[FieldPlan]>,
    /// For numbers below its length: the field's index + 1, or 0 for none.
    by_number: Box<[u16]>,
    /// Whether the writer handles this type at all (not a well-known type, no extensions).
    supported: bool,
}

struct FieldPlan {
    number: u32,
    /// `"name":`, as serde_json writes the key.
    key: Box<[u8]>,
    kind: Scalar,
    shape: Shape,
    /// The real oneof it belongs to, or [`NO_ONEOF`].
    oneof: u16,
}

/// A field's (or a map key's or value's) type, as the writer handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    Bool,
    Int32,
    Sint32,
    Sfixed32,
    Int64,
    Sint64,
    Sfixed64,
    Uint32,
    Fixed32,
    Uint64,
    Fixed64,
    Float,
    Double,
    String,
    Bytes,
    /// An enum: its plan and the field's default number.
    Enum(u32, i32),
    Message(u32),
    /// Left to the full decode: groups, well-known types, `google.protobuf.NullValue`.
    Unsupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Singular, without presence: written unless it holds the default.
    Plain,
    /// Singular with presence (a message, a oneof member, `optional`): written when it occurs.
    Present,
    /// Repeated, not a map.
    List,
    /// A map.
    Map { key: Scalar, value: Scalar },
}

struct EnumPlan {
    /// (number, `"NAME"`) for every number the enum names, in number order.
    names: Box<[(i32, Box<[u8]>)]>,
}

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const DELIMITED: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

impl Scalar {
    fn wire_type(self) -> u8 {
        match self {
            Scalar::Bool
            | Scalar::Int32
            | Scalar::Sint32
            | Scalar::Int64
            | Scalar::Sint64
            | Scalar::Uint32
            | Scalar::Uint64
            | Scalar::Enum(..) => VARINT,
            Scalar::Sfixed32 | Scalar::Fixed32 | Scalar::Float => FIXED32,
            Scalar::Sfixed64 | Scalar::Fixed64 | Scalar::Double => FIXED64,
            Scalar::String | Scalar::Bytes | Scalar::Message(_) => DELIMITED,
            // No wire type matches: any occurrence gives up.
            Scalar::Unsupported => u8::MAX,
        }
    }

    fn is_packable(self) -> bool {
        !matches!(
            self,
            Scalar::String | Scalar::Bytes | Scalar::Message(_) | Scalar::Unsupported
        )
    }
}

fn plans() -> &'static Plans {
    static PLANS: OnceLock<Plans> = OnceLock::new();
    PLANS.get_or_init(|| Plans::build(descriptor_pool()))
}

/// The plan of a message type of the schema's pool, or `None` for a type of another pool.
pub(super) fn message_index(descriptor: &MessageDescriptor) -> Option<MessageIndex> {
    if descriptor.parent_pool() != descriptor_pool() {
        return None;
    }
    plans()
        .by_name
        .get(descriptor.full_name())
        .map(|&index| MessageIndex(index))
}

impl Plans {
    fn build(pool: &prost_reflect::DescriptorPool) -> Plans {
        let messages: Vec<MessageDescriptor> = pool.all_messages().collect();
        let by_name: HashMap<Box<str>, u32> = messages
            .iter()
            .enumerate()
            .map(|(index, message)| (message.full_name().into(), index as u32))
            .collect();
        let mut enums = Vec::new();
        let mut enum_index: HashMap<String, u32> = HashMap::new();
        let with_extensions: Vec<String> = pool
            .all_extensions()
            .map(|extension| extension.containing_message().full_name().to_owned())
            .collect();
        let mut scalar = |field: &FieldDescriptor, kind: Kind| -> Scalar {
            if field.is_group() {
                return Scalar::Unsupported;
            }
            match kind {
                Kind::Bool => Scalar::Bool,
                Kind::Int32 => Scalar::Int32,
                Kind::Sint32 => Scalar::Sint32,
                Kind::Sfixed32 => Scalar::Sfixed32,
                Kind::Int64 => Scalar::Int64,
                Kind::Sint64 => Scalar::Sint64,
                Kind::Sfixed64 => Scalar::Sfixed64,
                Kind::Uint32 => Scalar::Uint32,
                Kind::Fixed32 => Scalar::Fixed32,
                Kind::Uint64 => Scalar::Uint64,
                Kind::Fixed64 => Scalar::Fixed64,
                Kind::Float => Scalar::Float,
                Kind::Double => Scalar::Double,
                Kind::String => Scalar::String,
                Kind::Bytes => Scalar::Bytes,
                Kind::Message(message) => {
                    if message.full_name().starts_with("google.protobuf.") {
                        Scalar::Unsupported
                    } else {
                        Scalar::Message(by_name[message.full_name()])
                    }
                }
                Kind::Enum(enum_type) => {
                    if enum_type.full_name() == "google.protobuf.NullValue" {
                        return Scalar::Unsupported;
                    }
                    let index = *enum_index
                        .entry(enum_type.full_name().to_owned())
                        .or_insert_with(|| {
                            enums.push(EnumPlan::build(&enum_type));
                            (enums.len() - 1) as u32
                        });
                    let default = match field.default_value() {
                        Value::EnumNumber(number) => number,
                        _ => enum_type.default_value().number(),
                    };
                    Scalar::Enum(index, default)
                }
            }
        };
        let plans = messages
            .iter()
            .map(|message| {
                let mut fields: Vec<FieldDescriptor> = message.fields().collect();
                fields.sort_by_key(FieldDescriptor::number);
                let fields: Box<[FieldPlan]> = fields
                    .iter()
                    .map(|field| {
                        let shape = if field.is_map() {
                            let Kind::Message(entry) = field.kind() else {
                                unreachable!("a map field's type is its entry message")
                            };
                            let key_field = entry.map_entry_key_field();
                            let value_field = entry.map_entry_value_field();
                            Shape::Map {
                                key: scalar(&key_field, key_field.kind()),
                                value: scalar(&value_field, value_field.kind()),
                            }
                        } else if field.is_list() {
                            Shape::List
                        } else if field.supports_presence() {
                            Shape::Present
                        } else {
                            Shape::Plain
                        };
                        let kind = match shape {
                            Shape::Map { .. } => Scalar::Unsupported,
                            _ => scalar(field, field.kind()),
                        };
                        let oneof = match field.containing_oneof() {
                            Some(oneof) if !oneof.is_synthetic() => message
                                .oneofs()
                                .position(|o| o.name() == oneof.name())
                                .map_or(NO_ONEOF, |index| index as u16),
                            _ => NO_ONEOF,
                        };
                        let mut key =
                            serde_json::to_vec(field.name()).expect("a field name serializes");
                        key.push(b':');
                        FieldPlan {
                            number: field.number(),
                            key: key.into(),
                            kind,
                            shape,
                            oneof,
                        }
                    })
                    .collect();
                let table_len = fields
                    .iter()
                    .map(|field| field.number)
                    .filter(|&number| number <= MAX_TABLE_NUMBER)
                    .max()
                    .map_or(0, |max| max as usize + 1);
                let mut by_number = vec![0u16; table_len];
                for (index, field) in fields.iter().enumerate() {
                    if let Some(slot) = by_number.get_mut(field.number as usize) {
                        *slot = index as u16 + 1;
                    }
                }
                let supported = !message.full_name().starts_with("google.protobuf.")
                    && !with_extensions
                        .iter()
                        .any(|name| name == message.full_name())
                    && fields.len() < usize::from(u16::MAX);
                MessagePlan {
                    fields,
                    by_number: by_number.into(),
                    supported,
                }
            })
            .collect();
        Plans {
            messages: plans,
            enums,
            by_name,
        }
    }
}

impl EnumPlan {
    fn build(enum_type: &prost_reflect::EnumDescriptor) -> EnumPlan {
        let mut numbers: Vec<i32> = enum_type.values().map(|value| value.number()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        // The name prost-reflect's lookup gives for each number (the same one when the enum
        // allows aliases).
        let names = numbers
            .into_iter()
            .filter_map(|number| {
                let value = enum_type.get_value(number)?;
                let name = serde_json::to_vec(value.name()).expect("a name serializes");
                Some((number, name.into_boxed_slice()))
            })
            .collect();
        EnumPlan { names }
    }

    fn name(&self, number: i32) -> Option<&[u8]> {
        if let Ok(index) = usize::try_from(number) {
            // Numbered from 0 without gaps, as most enums are.
            if let Some((n, name)) = self.names.get(index) {
                if *n == number {
                    return Some(name);
                }
            }
        }
        self.names
            .binary_search_by_key(&number, |(n, _)| *n)
            .ok()
            .map(|index| &*self.names[index].1)
    }
}

impl MessagePlan {
    #[inline]
    fn field(&self, number: u32) -> Option<usize> {
        match self.by_number.get(number as usize) {
            Some(&slot) => (slot as usize).checked_sub(1),
            None if number <= MAX_TABLE_NUMBER => None,
            None => self
                .fields
                .binary_search_by_key(&number, |field| field.number)
                .ok(),
        }
    }
}

/// Where a value lies in the root bytes.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    end: u32,
}

/// One occurrence of a known field.
#[derive(Clone, Copy, Debug)]
struct Occurrence {
    field: u16,
    wire_type: u8,
    /// The value: a varint's bytes, a fixed value's bytes, or a delimited field's contents.
    value: Span,
}

/// One entry of a map field.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// A numeric key as its order (signed keys with their sign bit flipped), or 0.
    number: u64,
    /// A string key's bytes.
    text: Span,
    /// The value's last occurrence, if any.
    value: Option<Span>,
    /// Where the entry starts: later entries replace earlier ones with the same key.
    at: u32,
}

/// Buffers reused from call to call.
#[derive(Default)]
struct Scratch {
    occurrences: Vec<Occurrence>,
    pieces: Vec<Span>,
    entries: Vec<Entry>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Appends the proto3 JSON of the message of type `message` held in `bytes` to `out`, or
/// returns `false` (with `out` as it was) when the full decode must do it.
pub(super) fn write(message: MessageIndex, bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(len) = u32::try_from(bytes.len()) else {
        return false;
    };
    let start = out.len();
    let written = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => write_with(&mut scratch, message, bytes, len, out),
        Err(_) => write_with(&mut Scratch::default(), message, bytes, len, out),
    });
    if written.is_none() {
        out.truncate(start);
    }
    written.is_some()
}

fn write_with(
    scratch: &mut Scratch,
    message: MessageIndex,
    bytes: &[u8],
    len: u32,
    out: &mut Vec<u8>,
) -> Option<()> {
    let Scratch {
        occurrences,
        pieces,
        entries,
    } = scratch;
    occurrences.clear();
    pieces.clear();
    entries.clear();
    pieces.push(Span { start: 0, end: len });
    let mut writer = Writer {
        plans: plans(),
        bytes,
        out,
        occurrences,
        pieces,
        entries,
    };
    writer.message(message.0, 0, 1, 0)
}

struct Writer<'a> {
    plans: &'a Plans,
    bytes: &'a [u8],
    out: &'a mut Vec<u8>,
    occurrences: &'a mut Vec<Occurrence>,
    /// The pieces of the messages being written, a stack: a message is `pieces[from..to]`.
    pieces: &'a mut Vec<Span>,
    entries: &'a mut Vec<Entry>,
}

impl Writer<'_> {
    /// Writes the message of plan `message` made of `pieces[from..to]`, `depth` levels below
    /// the root.
    fn message(&mut self, message: u32, from: usize, to: usize, depth: u32) -> Option<()> {
        let plans = self.plans;
        let plan = &plans.messages[message as usize];
        if !plan.supported || depth > MAX_DEPTH {
            return None;
        }
        let base = self.occurrences.len();
        let mut in_order = true;
        let mut last_field = 0u16;
        for piece in from..to {
            let Span { start, end } = self.pieces[piece];
            let mut at = start as usize;
            let end = end as usize;
            while at < end {
                let key = varint(self.bytes, &mut at, end)?;
                let wire_type = (key & 7) as u8;
                let number = u32::try_from(key >> 3).ok()?;
                if number == 0 || key > u64::from(u32::MAX) {
                    return None;
                }
                let index = plan.field(number);
                if wire_type == START_GROUP && index.is_none() {
                    skip_group(self.bytes, &mut at, end, number, depth + 1)?;
                    continue;
                }
                let value = extent(self.bytes, &mut at, end, wire_type)?;
                let Some(index) = index else {
                    continue;
                };
                let field = &plan.fields[index];
                let expected = match field.shape {
                    Shape::Map { .. } => DELIMITED,
                    _ => field.kind.wire_type(),
                };
                let packed = field.shape == Shape::List
                    && wire_type == DELIMITED
                    && field.kind.is_packable();
                if wire_type != expected && !packed {
                    return None;
                }
                let index = index as u16;
                in_order &= index >= last_field;
                last_field = index;
                self.occurrences.push(Occurrence {
                    field: index,
                    wire_type,
                    value,
                });
            }
        }
        let end = self.occurrences.len();
        if !in_order {
            // By field, and within a field in the order of the bytes.
            self.occurrences[base..end].sort_unstable_by_key(|o| (o.field, o.value.start));
        }
        self.out.push(b'{');
        let mut first = true;
        let mut group = base;
        while group < end {
            let field = self.occurrences[group].field;
            let mut next = group + 1;
            while next < end && self.occurrences[next].field == field {
                next += 1;
            }
            self.field(plan, base, end, group, next, &mut first, depth)?;
            group = next;
        }
        self.out.push(b'}');
        self.occurrences.truncate(base);
        Some(())
    }

    /// Writes the field whose occurrences are `occurrences[group..next]`, of a message whose
    /// occurrences are `occurrences[base..end]`.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        plan: &MessagePlan,
        base: usize,
        end: usize,
        group: usize,
        next: usize,
        first: &mut bool,
        depth: u32,
    ) -> Option<()> {
        let index = self.occurrences[group].field;
        let field = &plan.fields[index as usize];
        let mut from = group;
        if field.oneof != NO_ONEOF {
            // Each occurrence of another member cleared this one.
            let cleared_before = self.occurrences[base..end]
                .iter()
                .filter(|o| o.field != index && plan.fields[o.field as usize].oneof == field.oneof)
                .map(|o| o.value.start)
                .max();
            if let Some(cleared_before) = cleared_before {
                while from < next && self.occurrences[from].value.start < cleared_before {
                    from += 1;
                }
                // What was cleared was still decoded, and must be valid.
                for dropped in group..from {
                    let value = self.occurrences[dropped].value;
                    self.check_single(field.kind, value, depth)?;
                }
                if from == next {
                    return Some(());
                }
            }
        }
        match field.shape {
            Shape::Plain | Shape::Present => {
                if let Scalar::Message(message) = field.kind {
                    self.begin(field, first);
                    let pieces = self.pieces.len();
                    for occurrence in &self.occurrences[from..next] {
                        self.pieces.push(occurrence.value);
                    }
                    let written = self.message(message, pieces, self.pieces.len(), depth + 1);
                    self.pieces.truncate(pieces);
                    return written;
                }
                // The last occurrence wins; the earlier ones must be valid.
                for earlier in from..next - 1 {
                    let value = self.occurrences[earlier].value;
                    self.check_single(field.kind, value, depth)?;
                }
                let value = self.occurrences[next - 1].value;
                if field.shape == Shape::Plain && self.is_default(field.kind, value) {
                    return self.check_single(field.kind, value, depth);
                }
                self.begin(field, first);
                self.single(field.kind, value, depth)
            }
            Shape::List => {
                let rollback = self.out.len();
                let was_first = *first;
                self.begin(field, first);
                self.out.push(b'[');
                let mut elements = 0usize;
                for occurrence in from..next {
                    let Occurrence {
                        wire_type, value, ..
                    } = self.occurrences[occurrence];
                    if wire_type == DELIMITED && field.kind.is_packable() {
                        elements += self.packed(field.kind, value, elements)?;
                    } else {
                        if elements > 0 {
                            self.out.push(b',');
                        }
                        self.single(field.kind, value, depth)?;
                        elements += 1;
                    }
                }
                if elements == 0 {
                    // Only empty packed runs: the list is empty, and not written.
                    self.out.truncate(rollback);
                    *first = was_first;
                    return Some(());
                }
                self.out.push(b']');
                Some(())
            }
            Shape::Map { key, value } => {
                self.begin(field, first);
                self.map(key, value, from, next, depth)
            }
        }
    }

    /// The key of a field and what goes before it.
    #[inline]
    fn begin(&mut self, field: &FieldPlan, first: &mut bool) {
        if !*first {
            self.out.push(b',');
        }
        *first = false;
        self.out.extend_from_slice(&field.key);
    }

    /// Whether a singular field's value is its type's default (strings and bytes: empty).
    fn is_default(&self, kind: Scalar, value: Span) -> bool {
        let bytes = &self.bytes[value.start as usize..value.end as usize];
        match kind {
            Scalar::Bool | Scalar::Int64 | Scalar::Sint64 | Scalar::Uint64 => {
                read_varint(bytes) == 0
            }
            // 32-bit types keep the low 32 bits of the varint.
            Scalar::Int32 | Scalar::Sint32 | Scalar::Uint32 => read_varint(bytes) as u32 == 0,
            Scalar::Enum(_, default) => read_varint(bytes) as i32 == default,
            // Only +0.0 is the default: a plain `-0.0` is written.
            Scalar::Sfixed32
            | Scalar::Fixed32
            | Scalar::Float
            | Scalar::Sfixed64
            | Scalar::Fixed64
            | Scalar::Double => bytes.iter().all(|&b| b == 0),
            Scalar::String | Scalar::Bytes => bytes.is_empty(),
            Scalar::Message(_) | Scalar::Unsupported => false,
        }
    }

    /// Checks a value that is decoded but not written.
    fn check_single(&mut self, kind: Scalar, value: Span, depth: u32) -> Option<()> {
        match kind {
            Scalar::String => std::str::from_utf8(self.span(value)).ok().map(drop),
            Scalar::Message(_) => {
                let rollback = self.out.len();
                let checked = self.single(kind, value, depth);
                self.out.truncate(rollback);
                checked
            }
            Scalar::Unsupported => None,
            // The scan checked the rest.
            _ => Some(()),
        }
    }

    fn span(&self, value: Span) -> &[u8] {
        &self.bytes[value.start as usize..value.end as usize]
    }

    /// Writes one value (a singular field's, or one element of a list that is not packed).
    fn single(&mut self, kind: Scalar, value: Span, depth: u32) -> Option<()> {
        let bytes = self.bytes;
        let raw = &bytes[value.start as usize..value.end as usize];
        match kind {
            Scalar::String => {
                let text = std::str::from_utf8(raw).ok()?;
                write_str(self.out, text);
            }
            Scalar::Bytes => write_base64(self.out, raw),
            Scalar::Message(message) => {
                let pieces = self.pieces.len();
                self.pieces.push(value);
                let written = self.message(message, pieces, pieces + 1, depth + 1);
                self.pieces.truncate(pieces);
                written?;
            }
            Scalar::Unsupported => return None,
            _ => self.number(kind, raw),
        }
        Some(())
    }

    /// Writes a packed run of `kind` values, after `before` elements of the same list; returns
    /// how many it held.
    fn packed(&mut self, kind: Scalar, value: Span, before: usize) -> Option<usize> {
        let bytes = self.bytes;
        let mut at = value.start as usize;
        let end = value.end as usize;
        let width = match kind.wire_type() {
            FIXED32 => 4,
            FIXED64 => 8,
            _ => 0,
        };
        if width > 0 && (end - at) % width != 0 {
            return None;
        }
        let mut count = 0;
        while at < end {
            let start = at;
            if width == 0 {
                varint(bytes, &mut at, end)?;
            } else {
                at += width;
            }
            if before + count > 0 {
                self.out.push(b',');
            }
            self.number(kind, &bytes[start..at]);
            count += 1;
        }
        Some(count)
    }

    /// Writes a number, a bool or an enum from its checked wire bytes.
    fn number(&mut self, kind: Scalar, raw: &[u8]) {
        let out = &mut *self.out;
        let mut f = CompactFormatter;
        // Writing to a `Vec` does not fail.
        let _ = match kind {
            Scalar::Bool => f.write_bool(out, read_varint(raw) != 0),
            Scalar::Int32 => f.write_i32(out, read_varint(raw) as i32),
            Scalar::Uint32 => f.write_u32(out, read_varint(raw) as u32),
            Scalar::Sint32 => f.write_i32(out, zigzag32(read_varint(raw) as u32)),
            Scalar::Sfixed32 => f.write_i32(out, i32::from_le_bytes(fixed(raw))),
            Scalar::Fixed32 => f.write_u32(out, u32::from_le_bytes(fixed(raw))),
            Scalar::Int64 => quoted(out, |out| f.write_i64(out, read_varint(raw) as i64)),
            Scalar::Uint64 => quoted(out, |out| f.write_u64(out, read_varint(raw))),
            Scalar::Sint64 => quoted(out, |out| f.write_i64(out, zigzag64(read_varint(raw)))),
            Scalar::Sfixed64 => quoted(out, |out| f.write_i64(out, i64::from_le_bytes(fixed(raw)))),
            Scalar::Fixed64 => quoted(out, |out| f.write_u64(out, u64::from_le_bytes(fixed(raw)))),
            Scalar::Float => {
                let value = f32::from_le_bytes(fixed(raw));
                if value.is_finite() {
                    f.write_f32(out, value)
                } else {
                    write_non_finite(out, f64::from(value))
                }
            }
            Scalar::Double => {
                let value = f64::from_le_bytes(fixed(raw));
                if value.is_finite() {
                    f.write_f64(out, value)
                } else {
                    write_non_finite(out, value)
                }
            }
            Scalar::Enum(index, _) => {
                let number = read_varint(raw) as i32;
                match self.plans.enums[index as usize].name(number) {
                    Some(name) => {
                        out.extend_from_slice(name);
                        Ok(())
                    }
                    // Numbers the schema does not know stay numbers.
                    None => f.write_i32(out, number),
                }
            }
            Scalar::String | Scalar::Bytes | Scalar::Message(_) | Scalar::Unsupported => {
                unreachable!("not a number")
            }
        };
    }

    /// Writes a map from its entries `occurrences[from..next]`: in key order, the last entry
    /// of each key.
    fn map(
        &mut self,
        key: Scalar,
        value: Scalar,
        from: usize,
        next: usize,
        depth: u32,
    ) -> Option<()> {
        if matches!(
            key,
            Scalar::Unsupported | Scalar::Message(_) | Scalar::Bytes
        ) || value == Scalar::Unsupported
        {
            return None;
        }
        let base = self.entries.len();
        for occurrence in from..next {
            let entry = self.entry(key, value, self.occurrences[occurrence].value, depth)?;
            self.entries.push(entry);
        }
        let bytes = self.bytes;
        let text = |span: Span| &bytes[span.start as usize..span.end as usize];
        let end = self.entries.len();
        self.entries[base..end].sort_unstable_by(|a, b| {
            a.number
                .cmp(&b.number)
                .then_with(|| text(a.text).cmp(text(b.text)))
                .then(a.at.cmp(&b.at))
        });
        self.out.push(b'{');
        let mut index = base;
        let mut first = true;
        while index < end {
            let entry = self.entries[index];
            let replaced = index + 1 < end && {
                let later = self.entries[index + 1];
                later.number == entry.number && text(later.text) == text(entry.text)
            };
            index += 1;
            if replaced {
                // Decoded, then replaced by the later entry with the same key.
                if let Some(span) = entry.value {
                    self.check_single(value, span, depth)?;
                }
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.map_key(key, &entry);
            self.out.push(b':');
            match entry.value {
                Some(span) => self.single(value, span, depth)?,
                None => self.default_value(value),
            }
        }
        self.out.push(b'}');
        self.entries.truncate(base);
        Some(())
    }

    /// Reads one map entry (a message with the key as field 1 and the value as field 2).
    fn entry(&mut self, key: Scalar, value: Scalar, contents: Span, depth: u32) -> Option<Entry> {
        let bytes = self.bytes;
        let mut at = contents.start as usize;
        let end = contents.end as usize;
        let mut entry = Entry {
            // The key's default, in case the entry leaves it out.
            number: key_order(key, &[0; 8][..fixed_width(key)]),
            text: Span { start: 0, end: 0 },
            value: None,
            at: contents.start,
        };
        while at < end {
            let tag = varint(bytes, &mut at, end)?;
            let wire_type = (tag & 7) as u8;
            if tag >> 3 == 0 || tag > u64::from(u32::MAX) {
                return None;
            }
            if wire_type == START_GROUP && !matches!(tag >> 3, 1 | 2) {
                skip_group(bytes, &mut at, end, (tag >> 3) as u32, depth + 1)?;
                continue;
            }
            let span = extent(bytes, &mut at, end, wire_type)?;
            match tag >> 3 {
                1 => {
                    if wire_type != key.wire_type() {
                        return None;
                    }
                    let raw = &bytes[span.start as usize..span.end as usize];
                    if key == Scalar::String {
                        std::str::from_utf8(raw).ok()?;
                        entry.text = span;
                        entry.number = 0;
                    } else {
                        entry.number = key_order(key, raw);
                    }
                }
                2 => {
                    if wire_type != value.wire_type() {
                        return None;
                    }
                    match value {
                        // Two values of a message type would merge: left to the full decode.
                        Scalar::Message(_) if entry.value.is_some() => return None,
                        Scalar::String => {
                            std::str::from_utf8(&bytes[span.start as usize..span.end as usize])
                                .ok()?;
                        }
                        _ => {}
                    }
                    entry.value = Some(span);
                }
                // Skipped, as the decoder skips it (`extent` checked it).
                _ => {}
            }
        }
        Some(entry)
    }

    fn map_key(&mut self, key: Scalar, entry: &Entry) {
        let out = &mut *self.out;
        let mut f = CompactFormatter;
        let _ = match key {
            Scalar::String => {
                let text = &self.bytes[entry.text.start as usize..entry.text.end as usize];
                // Checked when the entry was read.
                write_str(out, std::str::from_utf8(text).unwrap_or_default());
                Ok(())
            }
            Scalar::Bool => {
                out.extend_from_slice(if entry.number != 0 {
                    b"\"true\""
                } else {
                    b"\"false\""
                });
                Ok(())
            }
            Scalar::Int32
            | Scalar::Sint32
            | Scalar::Sfixed32
            | Scalar::Int64
            | Scalar::Sint64
            | Scalar::Sfixed64 => quoted(out, |out| f.write_i64(out, (entry.number ^ SIGN) as i64)),
            _ => quoted(out, |out| f.write_u64(out, entry.number)),
        };
    }

    /// A map value that its entry leaves out: its type's default.
    fn default_value(&mut self, kind: Scalar) {
        let out = &mut *self.out;
        match kind {
            Scalar::String | Scalar::Bytes => out.extend_from_slice(b"\"\""),
            Scalar::Message(_) => out.extend_from_slice(b"{}"),
            Scalar::Enum(_, default) => {
                let mut raw = Vec::new();
                prost::encoding::encode_varint(default as i64 as u64, &mut raw);
                self.number(kind, &raw);
            }
            Scalar::Unsupported => {}
            _ => self.number(kind, &[0; 8][..fixed_width(kind)]),
        }
    }
}

const SIGN: u64 = 1 << 63;

/// A map key's place in key order: unsigned keys as they are, signed keys with the sign bit
/// flipped (so that unsigned comparison orders them), bools as 0 and 1.
fn key_order(key: Scalar, raw: &[u8]) -> u64 {
    let signed = |value: i64| (value as u64) ^ SIGN;
    match key {
        Scalar::Bool => u64::from(read_varint(raw) != 0),
        Scalar::Int32 => signed(i64::from(read_varint(raw) as i32)),
        Scalar::Sint32 => signed(i64::from(zigzag32(read_varint(raw) as u32))),
        Scalar::Sfixed32 => signed(i64::from(i32::from_le_bytes(fixed(raw)))),
        Scalar::Int64 => signed(read_varint(raw) as i64),
        Scalar::Sint64 => signed(zigzag64(read_varint(raw))),
        Scalar::Sfixed64 => signed(i64::from_le_bytes(fixed(raw))),
        Scalar::Uint32 => u64::from(read_varint(raw) as u32),
        Scalar::Fixed32 => u64::from(u32::from_le_bytes(fixed(raw))),
        Scalar::Uint64 => read_varint(raw),
        Scalar::Fixed64 => u64::from_le_bytes(fixed(raw)),
        _ => 0,
    }
}

/// The width of a scalar's default on the wire, for [`Writer::number`]: one zero byte for a
/// varint, four or eight for fixed values.
fn fixed_width(kind: Scalar) -> usize {
    match kind.wire_type() {
        FIXED32 => 4,
        FIXED64 => 8,
        _ => 1,
    }
}

fn zigzag32(value: u32) -> i32 {
    ((value >> 1) as i32) ^ -((value & 1) as i32)
}

fn zigzag64(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

fn fixed<const N: usize>(raw: &[u8]) -> [u8; N] {
    raw.try_into().unwrap_or([0; N])
}

fn quoted(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    out.push(b'"');
    write(out)?;
    out.push(b'"');
    Ok(())
}

fn write_non_finite(out: &mut Vec<u8>, value: f64) -> std::io::Result<()> {
    out.extend_from_slice(if value.is_nan() {
        b"\"NaN\""
    } else if value > 0.0 {
        b"\"Infinity\""
    } else {
        b"\"-Infinity\""
    });
    Ok(())
}

/// A varint from `bytes[*at..end]`, as prost reads it: at most ten bytes, the tenth at most 1.
#[inline]
fn varint(bytes: &[u8], at: &mut usize, end: usize) -> Option<u64> {
    let rest = bytes.get(*at..end)?;
    let (&first, _) = rest.split_first()?;
    if first < 0x80 {
        *at += 1;
        return Some(u64::from(first));
    }
    varint_long(rest, at)
}

#[inline(never)]
fn varint_long(rest: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0;
    for (i, &byte) in rest.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            if i == 9 && byte > 1 {
                return None;
            }
            *at += i + 1;
            return Some(value);
        }
    }
    None
}

/// A varint already checked by [`varint`].
#[inline]
fn read_varint(raw: &[u8]) -> u64 {
    if let [byte] = raw {
        return u64::from(*byte);
    }
    raw.iter()
        .take(10)
        .enumerate()
        .fold(0, |value, (i, &byte)| {
            value | (u64::from(byte & 0x7f) << (7 * i))
        })
}

/// The extent of a field's value of `wire_type` at `*at` (after its key), checked as the decoder
/// checks it, and `*at` moved past it. Groups and invalid wire types give up.
#[inline]
fn extent(bytes: &[u8], at: &mut usize, end: usize, wire_type: u8) -> Option<Span> {
    let start = *at;
    match wire_type {
        VARINT => {
            varint(bytes, at, end)?;
        }
        FIXED64 | FIXED32 => {
            let width = if wire_type == FIXED64 { 8 } else { 4 };
            if end - start < width {
                return None;
            }
            *at += width;
        }
        DELIMITED => {
            let len = varint(bytes, at, end)?;
            if len > (end - *at) as u64 {
                return None;
            }
            let contents = *at as u32;
            *at += len as usize;
            return Some(Span {
                start: contents,
                end: *at as u32,
            });
        }
        _ => return None,
    }
    Some(Span {
        start: start as u32,
        end: *at as u32,
    })
}

/// Moves `*at` past an unknown group (after its start key) and its end key, checking it as the
/// decoder does: every field in it, nested groups, and the end key's number. `depth` counts the
/// group among the levels of nesting.
fn skip_group(bytes: &[u8], at: &mut usize, end: usize, number: u32, depth: u32) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    loop {
        let key = varint(bytes, at, end)?;
        let wire_type = (key & 7) as u8;
        if key >> 3 == 0 || key > u64::from(u32::MAX) {
            return None;
        }
        let inner = (key >> 3) as u32;
        match wire_type {
            END_GROUP if inner == number => return Some(()),
            END_GROUP => return None,
            START_GROUP => skip_group(bytes, at, end, inner, depth + 1)?,
            _ => {
                extent(bytes, at, end, wire_type)?;
            }
        }
    }
}

/// Standard base64 with padding, in quotes.
fn write_base64(out: &mut Vec<u8>, raw: &[u8]) {
    out.push(b'"');
    let start = out.len();
    let len = raw.len().div_ceil(3) * 4;
    out.resize(start + len, 0);
    let written = BASE64_STANDARD
        .encode_slice(raw, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

/// How serde_json escapes each byte of a string: 0 for not at all, else the letter after the
/// backslash (`u` for `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Whether any of the eight bytes of `word` needs escaping: a control character, `"` or `\`.
#[inline]
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    (control | quote | backslash) & HIGH != 0
}

/// A JSON string, escaped as serde_json escapes it: `"` and `\`, and control characters
/// (`\b`, `\t`, `\n`, `\f`, `\r`, else `\u00XX`); nothing else.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // `bytes[run..at]` needs no escape and is not written yet.
    let mut run = 0;
    let mut at = 0;
    while at < bytes.len() {
        while let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if needs_escape(word) {
                break;
            }
            at += 8;
        }
        let stop = bytes.len().min(at + 8);
        while at < stop {
            let byte = bytes[at];
            let escape = ESCAPE[usize::from(byte)];
            if escape != 0 {
                out.extend_from_slice(&bytes[run..at]);
                if escape == b'u' {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(&[
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(byte >> 4)],
                        HEX[usize::from(byte & 0xf)],
                    ]);
                } else {
                    out.extend_from_slice(&[b'\\', escape]);
                }
                run = at + 1;
            }
            at += 1;
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "(\\PC|[\\x00-\\x1f\"\\\\]){0,40}") {
            let mut ours = Vec::new();
            write_str(&mut ours, &text);
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&text).unwrap());
        }
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_escapes_it() {
        for byte in 0..0x80u8 {
            for at in 0..17 {
                let text = format!(
                    "{}{}{}",
                    "a".repeat(at),
                    char::from(byte),
                    "é".repeat(at % 3)
                );
                let mut ours = Vec::new();
                write_str(&mut ours, &text);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&text).unwrap()
                );
            }
        }
    }

    #[test]
    fn varints_are_read_as_prost_reads_them() {
        let cases: &[&[u8]] = &[
            &[0x00],
            &[0x7f],
            &[0x80, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0x0f],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            &[
                0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
            ],
            &[0x80],
            &[],
        ];
        for bytes in cases {
            let mut at = 0;
            let ours = varint(bytes, &mut at, bytes.len());
            let mut buf = *bytes;
            let theirs = prost::encoding::decode_varint(&mut buf).ok();
            assert_eq!(ours, theirs, "{bytes:02x?}");
            if let Some(value) = ours {
                assert_eq!(at, bytes.len() - buf.len());
                assert_eq!(read_varint(&bytes[..at]), value);
            }
        }
    }
}
