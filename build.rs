//! Compiles `proto/` with protox (a protobuf compiler written in Rust, so no system `protoc`
//! is needed) and hands the descriptor set to prost-build. The same descriptor set is written to
//! `OUT_DIR/turms.fds` for runtime reflection (proto3 JSON, generic property tests).
//!
//! It also generates the tables that must agree with the schema, so that each fact is written
//! once:
//!
//! - from the custom options on the values of `turms.wire.ResponseStatusCode`,
//!   `turms.wire.SessionCloseStatus` and `turms.wire.Category` (declared in
//!   `proto/turms/wire/options.proto`), the status-code tables of `src/status/`;
//! - from the `kind` oneofs of `TurmsRequest` and `TurmsNotification.Data`, the rows of
//!   `RequestKind` and `DataKind` (`src/frame/kind.rs`).
//!
//! prost's `FileDescriptorSet` drops extension values, so the options are read from protox's
//! descriptor pool, as `prost-reflect` dynamic messages.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, EnumDescriptor, ReflectMessage, Value};

/// The file that declares the options: the build reads it, the crate does not embed it.
const OPTIONS_FILE: &str = "turms/wire/options.proto";
/// What `OPTIONS_FILE` imports, likewise left out of the embedded set.
const DESCRIPTOR_FILE: &str = "google/protobuf/descriptor.proto";

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() -> Result<()> {
    let root = PathBuf::from("proto");
    let mut files: Vec<PathBuf> = Vec::new();
    collect(&root, &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed=proto");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let relative: Vec<PathBuf> = files
        .iter()
        .map(|f| f.strip_prefix(&root).map(PathBuf::from))
        .collect::<Result<_, _>>()?;

    let mut compiler = protox::Compiler::new([&root])?;
    compiler.include_source_info(true).include_imports(true);
    compiler.open_files(&relative)?;
    let pool = compiler.descriptor_pool();
    let out = PathBuf::from(std::env::var("OUT_DIR")?);

    let status = StatusTables::read(&pool)?;
    std::fs::write(out.join("status_categories.rs"), status.categories())?;
    std::fs::write(
        out.join("status_response_entries.rs"),
        status.response_entries(),
    )?;
    std::fs::write(
        out.join("status_response_constants.rs"),
        status.response_constants(),
    )?;
    std::fs::write(out.join("status_close_entries.rs"), status.close_entries())?;
    std::fs::write(
        out.join("status_close_constants.rs"),
        status.close_constants(),
    )?;
    std::fs::write(out.join("frame_kinds.rs"), kind_rows(&pool)?)?;

    // The schema without the build's annotations: prost generates no Rust for the options, and
    // the embedded set is the wire schema alone (as prost's types decode it, without options).
    let mut fds = compiler.file_descriptor_set();
    let dropped = [OPTIONS_FILE, DESCRIPTOR_FILE];
    fds.file.retain(|f| !dropped.contains(&f.name()));
    for file in &mut fds.file {
        if file
            .dependency
            .iter()
            .any(|d| dropped.contains(&d.as_str()))
        {
            if !file.public_dependency.is_empty() || !file.weak_dependency.is_empty() {
                return Err(
                    format!("{}: public or weak imports next to options", file.name()).into(),
                );
            }
            file.dependency.retain(|d| !dropped.contains(&d.as_str()));
        }
    }
    std::fs::write(out.join("turms.fds"), fds.encode_to_vec())?;

    let mut config = prost_build::Config::new();
    // `bytes` fields share the frame's buffer instead of copying it.
    config.bytes(["."]);
    // Map fields as `BTreeMap`: a message re-encodes to the same bytes every time (keys in
    // order), and a small map costs one node allocation and no hashing when it is decoded.
    config.btree_map(["."]);
    // `prost::Name` on every message: the typed JSON helpers find the schema type by it.
    config.enable_type_names();
    config.compile_fds(fds)?;
    Ok(())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            files.push(path);
        }
    }
    Ok(())
}

/// One value of `ResponseStatusCode`, with its facts.
struct ResponseCode {
    number: i32,
    constant: String,
    name: String,
    category: String,
    source: Source,
    meaning_en: String,
    meaning_zh: String,
}

enum Source {
    Server {
        http_status: u32,
        default_reason: String,
    },
    Local(String),
}

/// One value of `SessionCloseStatus`, with its facts.
struct CloseStatus {
    number: i32,
    name: String,
    sent_by_gateway: bool,
    recommendation: String,
    meaning_en: String,
    meaning_zh: String,
}

/// One value of `Category`, with its labels.
struct Category {
    variant: String,
    en: String,
    zh: String,
    from_reference: bool,
}

struct StatusTables {
    categories: Vec<Category>,
    response: Vec<ResponseCode>,
    close: Vec<CloseStatus>,
}

impl StatusTables {
    fn read(pool: &DescriptorPool) -> Result<Self> {
        let categories = values(pool, "turms.wire.Category", "turms.wire.category_labels")?
            .into_iter()
            .map(|(value, labels)| {
                Ok(Category {
                    variant: variant(&value.name, "CATEGORY_")?,
                    en: string(&labels, "en", &value)?,
                    zh: string(&labels, "zh", &value)?,
                    from_reference: boolean(&labels, "from_reference", &value)?,
                })
            })
            .collect::<Result<_>>()?;

        let prefix = "RESPONSE_STATUS_CODE_";
        let response = values(
            pool,
            "turms.wire.ResponseStatusCode",
            "turms.wire.response_code",
        )?
        .into_iter()
        .map(|(value, facts)| {
            let constant = strip(&value.name, prefix)?.to_owned();
            let name = facts
                .get_field_by_name("name")
                .and_then(|v| v.as_str().map(str::to_owned));
            let source = if let Some(server) = present(&facts, "server") {
                let server = server.as_message().expect("a message field");
                let http_status = server
                    .get_field_by_name("http_status")
                    .and_then(|v| v.as_u32())
                    .filter(|s| (100..=599).contains(s))
                    .ok_or_else(|| {
                        format!("{}: server.http_status is not an HTTP status", value.name)
                    })?;
                Source::Server {
                    http_status,
                    default_reason: string(server, "default_reason", &value)?,
                }
            } else if let Some(local) = present(&facts, "local") {
                let number = local.as_enum_number().expect("an enum field");
                Source::Local(enum_variant(
                    &facts,
                    "local",
                    number,
                    "LOCAL_SUPPORT_",
                    &value,
                )?)
            } else {
                return Err(format!("{}: neither server nor local is set", value.name).into());
            };
            let server = matches!(source, Source::Server { .. });
            if value.number < 1 || server != (value.number >= 1000) {
                return Err(format!(
                    "{}: server codes are 1000 and above, client-local codes 1 to 999",
                    value.name
                )
                .into());
            }
            let category = facts
                .get_field_by_name("category")
                .and_then(|v| v.as_enum_number())
                .unwrap_or(0);
            Ok(ResponseCode {
                number: value.number,
                name: name
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| constant.clone()),
                constant,
                category: enum_variant(&facts, "category", category, "CATEGORY_", &value)?,
                source,
                meaning_en: string(&facts, "meaning_en", &value)?,
                meaning_zh: string(&facts, "meaning_zh", &value)?,
            })
        })
        .collect::<Result<_>>()?;

        let close = values(
            pool,
            "turms.wire.SessionCloseStatus",
            "turms.wire.close_status",
        )?
        .into_iter()
        .map(|(value, facts)| {
            let recommendation = facts
                .get_field_by_name("recommendation")
                .and_then(|v| v.as_enum_number())
                .unwrap_or(0);
            Ok(CloseStatus {
                number: value.number,
                name: strip(&value.name, "SESSION_CLOSE_STATUS_")?.to_owned(),
                sent_by_gateway: boolean(&facts, "sent_by_gateway", &value)?,
                recommendation: enum_variant(
                    &facts,
                    "recommendation",
                    recommendation,
                    "RECOMMENDATION_",
                    &value,
                )?,
                meaning_en: string(&facts, "meaning_en", &value)?,
                meaning_zh: string(&facts, "meaning_zh", &value)?,
            })
        })
        .collect::<Result<_>>()?;

        Ok(StatusTables {
            categories,
            response,
            close,
        })
    }

    /// The rows of the `categories!` macro of `src/status/category.rs`.
    fn categories(&self) -> String {
        let mut out = header("turms.wire.Category and its `category_labels` options");
        out.push_str("categories! {\n");
        for c in &self.categories {
            let origin = if c.from_reference {
                "reference"
            } else {
                "ours"
            };
            let _ = writeln!(
                out,
                "    {} => {:?}, {:?}, {origin};",
                c.variant, c.en, c.zh
            );
        }
        out.push_str("}\n");
        out
    }

    /// The `ENTRIES` rows of `src/status/response_table.rs`, as an expression.
    fn response_entries(&self) -> String {
        let mut out = header("turms.wire.ResponseStatusCode and its `response_code` options");
        out.push_str("&[\n");
        for c in &self.response {
            let source = match &c.source {
                Source::Server {
                    http_status,
                    default_reason,
                } => {
                    format!("Source::Server {{ http_status: {http_status}, default_reason: {default_reason:?} }}")
                }
                Source::Local(support) => format!("Source::Local(LocalSupport::{support})"),
            };
            let _ = writeln!(
                out,
                "    Entry {{ number: {}, constant: {:?}, name: {:?}, category: Category::{}, source: {source}, \
                 meaning_en: {:?}, meaning_zh: {:?} }},",
                c.number, c.constant, c.name, c.category, c.meaning_en, c.meaning_zh
            );
        }
        out.push_str("]\n");
        out
    }

    /// The constants of `ResponseStatusCode`, as an `impl` block.
    fn response_constants(&self) -> String {
        let mut out = header("turms.wire.ResponseStatusCode and its `response_code` options");
        out.push_str("/// Every known code as a named constant, usable in `match`.\nimpl ResponseStatusCode {\n");
        for c in &self.response {
            let doc = match &c.source {
                Source::Server { http_status, default_reason } => format!(
                    "`{}`: {}\n\n{}\n\nServer default reason: \"{default_reason}\" (HTTP {http_status}).",
                    c.number, c.meaning_en, c.meaning_zh
                ),
                Source::Local(_) => format!("`{}`, client-local: {}\n\n{}", c.number, c.meaning_en, c.meaning_zh),
            };
            let _ = writeln!(
                out,
                "    #[doc = {doc:?}]\n    pub const {}: Self = Self::from_i32({});",
                c.constant, c.number
            );
        }
        out.push_str("}\n");
        out
    }

    /// The `ENTRIES` rows of `src/status/close.rs`, as an expression.
    fn close_entries(&self) -> String {
        let mut out = header("turms.wire.SessionCloseStatus and its `close_status` options");
        out.push_str("&[\n");
        for s in &self.close {
            let _ = writeln!(
                out,
                "    Entry {{ number: {}, name: {:?}, sent_by_gateway: {}, recommendation: Recommendation::{}, \
                 meaning_en: {:?}, meaning_zh: {:?} }},",
                s.number, s.name, s.sent_by_gateway, s.recommendation, s.meaning_en, s.meaning_zh
            );
        }
        out.push_str("]\n");
        out
    }

    /// The constants of `SessionCloseStatus`, as an `impl` block.
    fn close_constants(&self) -> String {
        let mut out = header("turms.wire.SessionCloseStatus and its `close_status` options");
        out.push_str("/// Every known status as a named constant, usable in `match`.\nimpl SessionCloseStatus {\n");
        for s in &self.close {
            let doc = format!("`{}`: {}\n\n{}", s.number, s.meaning_en, s.meaning_zh);
            let _ = writeln!(
                out,
                "    #[doc = {doc:?}]\n    pub const {}: Self = Self::from_i32({});",
                s.name, s.number
            );
        }
        out.push_str("}\n");
        out
    }
}

/// One enum value, as read from the pool.
struct EnumValue {
    name: String,
    number: i32,
}

/// Every value of `enum_name` but the zero one, each with its `extension` option (required),
/// ascending by number, the order the file must declare them in.
fn values(
    pool: &DescriptorPool,
    enum_name: &str,
    extension: &str,
) -> Result<Vec<(EnumValue, DynamicMessage)>> {
    let descriptor = enum_descriptor(pool, enum_name)?;
    let extension = pool
        .get_extension_by_name(extension)
        .ok_or_else(|| format!("no extension {extension} in proto/"))?;
    let mut rows = Vec::new();
    // prost-reflect iterates by number; the file must list them that way too, for its readers.
    let declared = &descriptor.enum_descriptor_proto().value;
    if let Some(pair) = declared.windows(2).find(|w| w[0].number() >= w[1].number()) {
        return Err(format!(
            "{enum_name}.{}: values must be listed in ascending order",
            pair[1].name()
        )
        .into());
    }
    for value in descriptor.values() {
        let options = value.options();
        let has = options.has_extension(&extension);
        let value_name = value.name().to_owned();
        if value.number() == 0 {
            if has {
                return Err(format!(
                    "{enum_name}.{value_name}: the zero value is no code and takes no options"
                )
                .into());
            }
            continue;
        }
        if !has {
            return Err(format!(
                "{enum_name}.{value_name}: no ({}) option",
                extension.full_name()
            )
            .into());
        }
        let facts = match options.get_extension(&extension).as_ref() {
            Value::Message(message) => message.clone(),
            other => return Err(format!("{enum_name}.{value_name}: option is {other:?}").into()),
        };
        rows.push((
            EnumValue {
                name: value_name,
                number: value.number(),
            },
            facts,
        ));
    }
    Ok(rows)
}

fn enum_descriptor(pool: &DescriptorPool, name: &str) -> Result<EnumDescriptor> {
    Ok(pool
        .get_enum_by_name(name)
        .ok_or_else(|| format!("no enum {name} in proto/"))?)
}

/// The field `name` of `message` if it is set.
fn present(message: &DynamicMessage, name: &str) -> Option<Value> {
    let field = message.descriptor().get_field_by_name(name)?;
    message
        .has_field(&field)
        .then(|| message.get_field(&field).into_owned())
}

/// A required, non-empty string field.
fn string(message: &DynamicMessage, field: &str, value: &EnumValue) -> Result<String> {
    match present(message, field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(format!("{}: {field} is required", value.name).into()),
    }
}

/// A required `optional bool` field.
fn boolean(message: &DynamicMessage, field: &str, value: &EnumValue) -> Result<bool> {
    match present(message, field) {
        Some(Value::Bool(b)) => Ok(b),
        _ => Err(format!("{}: {field} is required", value.name).into()),
    }
}

/// The Rust variant for the value `number` of the enum field `field` (required: not zero).
fn enum_variant(
    message: &DynamicMessage,
    field: &str,
    number: i32,
    prefix: &str,
    value: &EnumValue,
) -> Result<String> {
    let kind = message
        .descriptor()
        .get_field_by_name(field)
        .map(|f| f.kind());
    let Some(prost_reflect::Kind::Enum(descriptor)) = kind else {
        return Err(format!("{field} is not an enum field").into());
    };
    match descriptor.get_value(number) {
        Some(v) if number != 0 => variant(v.name(), prefix),
        _ => Err(format!("{}: {field} is required", value.name).into()),
    }
}

fn strip<'a>(name: &'a str, prefix: &str) -> Result<&'a str> {
    Ok(name
        .strip_prefix(prefix)
        .ok_or_else(|| format!("{name} does not start with {prefix}"))?)
}

/// `CATEGORY_CLIENT_REQUEST_ERROR` → `ClientRequestError`.
fn variant(value: &str, prefix: &str) -> Result<String> {
    Ok(upper_camel(&strip(value, prefix)?.to_ascii_lowercase()))
}

/// `client_request_error` → `ClientRequestError`, as prost names oneof variants.
fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// The two row macros of `src/frame/kind.rs`: the members of the `kind` oneofs of
/// `TurmsRequest` and `TurmsNotification.Data`, in field-number order.
fn kind_rows(pool: &DescriptorPool) -> Result<String> {
    let mut out =
        header("the `kind` oneofs of im.turms.proto.TurmsRequest and TurmsNotification.Data");
    for (macro_name, message) in [
        ("request_kind_rows", "im.turms.proto.TurmsRequest"),
        ("data_kind_rows", "im.turms.proto.TurmsNotification.Data"),
    ] {
        let descriptor = pool
            .get_message_by_name(message)
            .ok_or_else(|| format!("no message {message} in proto/"))?;
        let oneof = descriptor
            .oneofs()
            .find(|o| o.name() == "kind")
            .ok_or_else(|| format!("{message} has no `kind` oneof"))?;
        let mut members: Vec<(u32, String)> = oneof
            .fields()
            .map(|f| (f.number(), f.name().to_owned()))
            .collect();
        members.sort();
        let names: BTreeSet<&str> = members.iter().map(|(_, n)| n.as_str()).collect();
        if names.len() != members.len() {
            return Err(format!("{message}.kind: duplicate member names").into());
        }
        let _ = writeln!(
            out,
            "/// Calls `$table!` with the tokens given, then one row per member of the `kind` oneof of\n\
             /// `{message}`, in field-number order: `number => CONSTANT, \"name\", Variant;`.\n\
             macro_rules! {macro_name} {{\n    ($table:ident! {{ $($head:tt)* }}) => {{\n        $table! {{\n            $($head)*"
        );
        for (number, name) in &members {
            let _ = writeln!(
                out,
                "            {number} => {}, {name:?}, {};",
                name.to_ascii_uppercase(),
                upper_camel(name)
            );
        }
        out.push_str("        }\n    };\n}\n\n");
    }
    Ok(out)
}

fn header(source: &str) -> String {
    format!("// Generated by build.rs from {source}: edit the .proto, not this file.\n\n")
}
