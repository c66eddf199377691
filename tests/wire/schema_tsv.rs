//! The compiled schema (`proto/`, package `im.turms.proto`) matches the machine-readable table of
//! the upstream schema, `turms-proto-fields.tsv`, row for row: every message, field, number, type
//! and label, every enum value, and nothing more.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};

const TSV: &str = include_str!("../data/turms-proto-fields.tsv");
const HEADER: &str = "file\tpackage\tmessage\tfield_or_enum_value\tnumber\ttype\tlabel";
const PACKAGE: &str = "im.turms.proto";

/// One row of the table: a field of a message, or a value of an enum.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    file: String,
    package: String,
    /// The message or enum; dotted when nested (`TurmsNotification.Data`).
    scope: String,
    name: String,
    number: i32,
    /// A scalar name, the short name of a message or enum, `map<K,V>` or `enum_value`.
    ty: String,
    /// `optional`, `repeated`, `map`, `oneof:<name>` or `plain`.
    label: String,
}

impl Row {
    fn to_tsv(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.file, self.package, self.scope, self.name, self.number, self.ty, self.label
        )
    }
}

fn parse_tsv(text: &str) -> Result<Vec<Row>, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some(HEADER) => {}
        other => return Err(format!("unexpected header: {other:?}")),
    }
    lines
        .enumerate()
        .map(|(index, line)| {
            let cells: Vec<&str> = line.split('\t').collect();
            let [file, package, scope, name, number, ty, label] = cells[..] else {
                return Err(format!(
                    "line {}: {} cells: {line:?}",
                    index + 2,
                    cells.len()
                ));
            };
            let number = number
                .parse()
                .map_err(|e| format!("line {}: number {number:?}: {e}", index + 2))?;
            Ok(Row {
                file: file.into(),
                package: package.into(),
                scope: scope.into(),
                name: name.into(),
                number,
                ty: ty.into(),
                label: label.into(),
            })
        })
        .collect()
}

/// The last component of a fully qualified type name, as the `.proto` source writes it.
fn short_name(type_name: &str) -> &str {
    type_name.rsplit('.').next().unwrap_or(type_name)
}

fn scalar_name(ty: Type) -> Option<&'static str> {
    Some(match ty {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
        Type::Group | Type::Message | Type::Enum => return None,
    })
}

fn type_name(field: &FieldDescriptorProto) -> String {
    match scalar_name(field.r#type()) {
        Some(scalar) => scalar.to_owned(),
        None => short_name(field.type_name()).to_owned(),
    }
}

/// Every map field's entry message, by fully qualified name (`.im.turms.proto.X.YEntry`).
fn map_entries(
    prefix: &str,
    message: &DescriptorProto,
    out: &mut BTreeMap<String, DescriptorProto>,
) {
    let name = format!("{prefix}.{}", message.name());
    for nested in &message.nested_type {
        if nested.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
            out.insert(format!("{name}.{}", nested.name()), nested.clone());
        }
        map_entries(&name, nested, out);
    }
}

fn message_rows(
    file: &str,
    package: &str,
    scope: &str,
    message: &DescriptorProto,
    entries: &BTreeMap<String, DescriptorProto>,
    rows: &mut Vec<Row>,
) {
    for field in &message.field {
        let map_entry = entries.get(field.type_name());
        let (ty, label) = if let Some(entry) = map_entry {
            let key = entry.field.iter().find(|f| f.number() == 1);
            let value = entry.field.iter().find(|f| f.number() == 2);
            let (Some(key), Some(value)) = (key, value) else {
                panic!("map entry {} lacks key or value", field.type_name());
            };
            (
                format!("map<{},{}>", type_name(key), type_name(value)),
                "map".to_owned(),
            )
        } else {
            let label = if field.proto3_optional() {
                "optional".to_owned()
            } else if let Some(index) = field.oneof_index {
                let oneof = usize::try_from(index)
                    .ok()
                    .and_then(|i| message.oneof_decl.get(i))
                    .unwrap_or_else(|| panic!("{scope}.{}: bad oneof index", field.name()));
                format!("oneof:{}", oneof.name())
            } else if field.label() == Label::Repeated {
                "repeated".to_owned()
            } else {
                "plain".to_owned()
            };
            (type_name(field), label)
        };
        rows.push(Row {
            file: file.into(),
            package: package.into(),
            scope: scope.into(),
            name: field.name().into(),
            number: field.number(),
            ty,
            label,
        });
    }
    for nested in &message.nested_type {
        if nested.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
            continue;
        }
        let nested_scope = format!("{scope}.{}", nested.name());
        message_rows(file, package, &nested_scope, nested, entries, rows);
    }
    for enumeration in &message.enum_type {
        let enum_scope = format!("{scope}.{}", enumeration.name());
        enum_rows(file, package, &enum_scope, enumeration, rows);
    }
}

fn enum_rows(
    file: &str,
    package: &str,
    scope: &str,
    enumeration: &prost_types::EnumDescriptorProto,
    rows: &mut Vec<Row>,
) {
    for value in &enumeration.value {
        rows.push(Row {
            file: file.into(),
            package: package.into(),
            scope: scope.into(),
            name: value.name().into(),
            number: value.number(),
            ty: "enum_value".into(),
            label: "plain".into(),
        });
    }
}

/// The table's rows for every file of `package` in a descriptor set.
fn descriptor_rows(set: &FileDescriptorSet, package: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for file in set.file.iter().filter(|f| f.package() == package) {
        let mut entries = BTreeMap::new();
        for message in &file.message_type {
            map_entries(&format!(".{package}"), message, &mut entries);
        }
        for message in &file.message_type {
            message_rows(
                file.name(),
                package,
                message.name(),
                message,
                &entries,
                &mut rows,
            );
        }
        for enumeration in &file.enum_type {
            enum_rows(
                file.name(),
                package,
                enumeration.name(),
                enumeration,
                &mut rows,
            );
        }
    }
    rows
}

/// Compares two tables as multisets of rows; the error is a readable diff.
fn compare(expected: &[Row], actual: &[Row]) -> Result<(), String> {
    let mut expected_sorted = expected.to_vec();
    let mut actual_sorted = actual.to_vec();
    expected_sorted.sort();
    actual_sorted.sort();
    if expected_sorted == actual_sorted {
        return Ok(());
    }
    let count = |rows: &[Row]| {
        let mut counts: BTreeMap<Row, usize> = BTreeMap::new();
        for row in rows {
            *counts.entry(row.clone()).or_default() += 1;
        }
        counts
    };
    let (expected_counts, actual_counts) = (count(expected), count(actual));
    let mut diff = format!(
        "schema differs from the table ({} rows expected, {} found):\n",
        expected.len(),
        actual.len()
    );
    let all: BTreeSet<&Row> = expected_counts.keys().chain(actual_counts.keys()).collect();
    for row in all {
        let want = expected_counts.get(row).copied().unwrap_or(0);
        let have = actual_counts.get(row).copied().unwrap_or(0);
        if want > have {
            diff.push_str(&format!("- {} (table only)\n", row.to_tsv()));
        } else if have > want {
            diff.push_str(&format!("+ {} (schema only)\n", row.to_tsv()));
        }
    }
    Err(diff)
}

fn compiled_set() -> FileDescriptorSet {
    FileDescriptorSet::decode(turms_wire::proto::FILE_DESCRIPTOR_SET)
        .expect("FILE_DESCRIPTOR_SET decodes")
}

fn table() -> Vec<Row> {
    parse_tsv(TSV).unwrap_or_else(|e| panic!("turms-proto-fields.tsv: {e}"))
}

fn files_and_scopes(rows: &[Row]) -> (usize, usize) {
    let files: BTreeSet<&str> = rows.iter().map(|r| r.file.as_str()).collect();
    let scopes: BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r.file.as_str(), r.scope.as_str()))
        .collect();
    (files.len(), scopes.len())
}

#[test]
fn table_has_the_published_counts() {
    let rows = table();
    assert_eq!(rows.len(), 681, "data rows in turms-proto-fields.tsv");
    assert_eq!(files_and_scopes(&rows), (129, 134), "files and scopes");
    assert!(rows.iter().all(|r| r.package == PACKAGE));
}

#[test]
fn schema_matches_the_table_row_for_row() {
    let set = compiled_set();
    let rows = descriptor_rows(&set, PACKAGE);
    let table = table();
    if let Err(diff) = compare(&table, &rows) {
        panic!("{diff}");
    }
    // Sets and counts separately, so a duplicate row cannot hide behind an equal sort.
    let table_set: BTreeSet<&Row> = table.iter().collect();
    let schema_set: BTreeSet<&Row> = rows.iter().collect();
    assert_eq!(table_set, schema_set);
    assert_eq!(rows.len(), 681, "rows from the descriptor set");
    assert_eq!(
        schema_set.len(),
        681,
        "distinct rows from the descriptor set"
    );
    assert_eq!(files_and_scopes(&rows), (129, 134), "files and scopes");
    let files = set.file.iter().filter(|f| f.package() == PACKAGE).count();
    assert_eq!(
        files, 129,
        "files of package {PACKAGE} in the descriptor set"
    );
}

#[test]
fn every_schema_file_is_proto3_without_extras() {
    let set = compiled_set();
    for file in set.file.iter().filter(|f| f.package() == PACKAGE) {
        assert_eq!(file.syntax(), "proto3", "{}", file.name());
        assert!(
            file.service.is_empty(),
            "{} declares a service",
            file.name()
        );
        assert!(
            file.extension.is_empty(),
            "{} declares an extension",
            file.name()
        );
        for message in &file.message_type {
            assert!(message.reserved_range.is_empty(), "{}", message.name());
            assert!(message.reserved_name.is_empty(), "{}", message.name());
        }
    }
}

#[test]
fn only_our_own_package_is_added() {
    let set = compiled_set();
    let others: BTreeSet<&str> = set
        .file
        .iter()
        .map(|f| f.package())
        .filter(|p| *p != PACKAGE)
        .collect();
    assert_eq!(others, BTreeSet::from(["turms.wire"]));
}

#[test]
fn comparison_reports_every_kind_of_difference() {
    let rows = descriptor_rows(&compiled_set(), PACKAGE);
    assert_eq!(compare(&rows, &rows), Ok(()));

    // A changed field number.
    let mut mutated = rows.clone();
    let index = mutated
        .iter()
        .position(|r| r.scope == "TurmsNotification" && r.name == "close_status")
        .expect("close_status row");
    mutated[index].number = 13;
    let diff = compare(&rows, &mutated).expect_err("a changed number is a difference");
    assert!(diff.contains("+ notification/turms_notification.proto\tim.turms.proto\tTurmsNotification\tclose_status\t13\tint32\toptional (schema only)"), "{diff}");
    assert!(diff.contains("- notification/turms_notification.proto\tim.turms.proto\tTurmsNotification\tclose_status\t11\tint32\toptional (table only)"), "{diff}");

    // A changed label, a missing row, an extra row, a duplicated row.
    let mut mutated = rows.clone();
    mutated[index].label = "plain".into();
    assert!(compare(&rows, &mutated).is_err());
    let mut mutated = rows.clone();
    let removed = mutated.remove(0);
    let diff = compare(&rows, &mutated).expect_err("a missing row is a difference");
    assert!(
        diff.contains(&format!("- {} (table only)", removed.to_tsv())),
        "{diff}"
    );
    let mut mutated = rows.clone();
    mutated.push(Row {
        name: "extra".into(),
        number: 99,
        ..rows[0].clone()
    });
    assert!(compare(&rows, &mutated)
        .expect_err("an extra row is a difference")
        .contains("extra\t99"));
    let mut mutated = rows.clone();
    mutated.push(rows[0].clone());
    assert!(compare(&rows, &mutated).is_err(), "a duplicated row");

    // The table itself, mutated in its text form.
    let table_text = TSV.replacen(
        "\tTurmsRequest\trequest_id\t1\t",
        "\tTurmsRequest\trequest_id\t2\t",
        1,
    );
    assert_ne!(table_text, TSV, "the mutation applies");
    let mutated_table = parse_tsv(&table_text).expect("still parses");
    assert!(compare(&mutated_table, &rows).is_err());
}

#[test]
fn descriptor_rows_follow_the_table_vocabulary() {
    let rows = descriptor_rows(&compiled_set(), PACKAGE);
    let find = |scope: &str, name: &str| {
        rows.iter()
            .find(|r| r.scope == scope && r.name == name)
            .unwrap_or_else(|| panic!("{scope}.{name}"))
    };
    let row = find("TurmsNotification", "data");
    assert_eq!((row.ty.as_str(), row.label.as_str()), ("Data", "plain"));
    let row = find("TurmsNotification", "request_id");
    assert_eq!((row.ty.as_str(), row.label.as_str()), ("int64", "optional"));
    let row = find("TurmsNotification.Data", "long");
    assert_eq!(
        (row.ty.as_str(), row.label.as_str()),
        ("int64", "oneof:kind")
    );
    let row = find("AudioFile", "description");
    assert_eq!(
        (row.ty.as_str(), row.label.as_str()),
        ("Description", "optional")
    );
    let row = find("ConversationSettings", "settings");
    assert_eq!(
        (row.ty.as_str(), row.label.as_str()),
        ("map<string,Value>", "map")
    );
    let row = find("DeviceType", "ANDROID");
    assert_eq!(
        (row.ty.as_str(), row.label.as_str(), row.number),
        ("enum_value", "plain", 3)
    );
}
