//! `turms-wire code`: everything known about a response status code or session close status.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use turms_wire::status::{ResponseStatusCode, SessionCloseStatus, StatusClass};

/// Look up a code by number or name; a number or name can match codes in both tables (100 is
/// a client-local code and a close status) and a name can match two numbers
/// (INVALID_REQUEST is 1100 and 100): all of them are shown.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    turms-wire code 1100\n  \
    turms-wire code invalid_request\n  \
    turms-wire code HEARTBEAT_TIMEOUT --json\n  \
    turms-wire code -1\n  \
    turms-wire code --list")]
pub struct CodeArgs {
    /// A number (e.g. 3403, -1) or a name (e.g. INVALID_REQUEST, LOCAL_INVALID_REQUEST,
    /// HEARTBEAT_TIMEOUT; case does not matter).
    #[arg(
        value_name = "NUMBER|NAME",
        allow_negative_numbers = true,
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    query: Option<String>,

    /// List every known response status code and session close status.
    #[arg(long)]
    list: bool,

    /// Print one JSON object per line.
    #[arg(long)]
    json: bool,
}

/// An English and a Chinese text.
#[derive(Debug, Serialize)]
struct Bilingual {
    en: &'static str,
    zh: &'static str,
}

/// What is printed about one code, in text or as one JSON object.
#[derive(Debug, Serialize)]
struct Record {
    /// `"response"` or `"close"`.
    table: &'static str,
    number: i32,
    name: &'static str,
    /// The Rust constant, e.g. `ResponseStatusCode::LOCAL_INVALID_REQUEST`.
    constant: String,
    /// The response code's class, or the close status's group.
    class: &'static str,
    category: Bilingual,
    meaning: Bilingual,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    official_clients: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retired: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sent_by_gateway: Option<bool>,
}

impl Record {
    /// `None` for unknown codes.
    fn response(code: ResponseStatusCode) -> Option<Record> {
        let category = code.category()?;
        Some(Record {
            table: "response",
            number: code.as_i32(),
            name: code.name()?,
            constant: format!("ResponseStatusCode::{}", code.constant_name()?),
            class: code.class().as_str(),
            category: Bilingual {
                en: category.en(),
                zh: category.zh(),
            },
            meaning: Bilingual {
                en: code.meaning_en()?,
                zh: code.meaning_zh()?,
            },
            default_reason: code.default_reason(),
            http_status: code.http_status(),
            official_clients: Some(code.official_clients().iter().map(|c| c.as_str()).collect()),
            retired: Some(code.is_retired()),
            recommendation: None,
            sent_by_gateway: None,
        })
    }

    /// `None` for unknown statuses.
    fn close(status: SessionCloseStatus) -> Option<Record> {
        let group = status.group();
        Some(Record {
            table: "close",
            number: status.as_i32(),
            name: status.name()?,
            constant: format!("SessionCloseStatus::{}", status.name()?),
            class: group.as_str(),
            category: Bilingual {
                en: group.en(),
                zh: group.zh(),
            },
            meaning: Bilingual {
                en: status.meaning_en()?,
                zh: status.meaning_zh()?,
            },
            default_reason: None,
            http_status: None,
            official_clients: None,
            retired: None,
            recommendation: Some(status.recommendation()?.as_str()),
            sent_by_gateway: Some(status.sent_by_gateway()),
        })
    }

    fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let title = match self.table {
            "response" => "response status code",
            _ => "session close status",
        };
        writeln!(out, "{title} {} {}", self.number, self.name)?;
        let field = |out: &mut dyn Write, label: &str, value: &dyn std::fmt::Display| {
            writeln!(out, "  {label:<17} {value}")
        };
        let class_label = if self.table == "response" {
            "class"
        } else {
            "group"
        };
        field(out, class_label, &self.class)?;
        field(
            out,
            "category",
            &format_args!("{} / {}", self.category.en, self.category.zh),
        )?;
        field(out, "meaning", &self.meaning.en)?;
        field(out, "", &self.meaning.zh)?;
        if let Some(reason) = self.default_reason {
            field(out, "default reason", &reason)?;
        }
        if let Some(http) = self.http_status {
            field(out, "HTTP status", &http)?;
        }
        if let Some(clients) = &self.official_clients {
            let clients = if clients.is_empty() {
                "none".to_owned()
            } else {
                clients.join(", ")
            };
            field(out, "official clients", &clients)?;
        }
        if self.retired == Some(true) {
            field(
                out,
                "retired",
                &"yes: no official client defines it any more",
            )?;
        }
        if let Some(sent) = self.sent_by_gateway {
            field(out, "sent by gateway", &if sent { "yes" } else { "no" })?;
        }
        if let Some(recommendation) = self.recommendation {
            field(
                out,
                "recommendation",
                &format_args!("{recommendation} (our reading; no official client encodes one)"),
            )?;
        }
        field(out, "constant", &self.constant)
    }

    fn write_line(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(
            out,
            "{:<8} {:>5}  {}  ({}; {})",
            self.table, self.number, self.name, self.class, self.category.en
        )
    }
}

/// Every record matching `query`: a number in either table, or a name in either table.
fn lookup(query: &str) -> Vec<Record> {
    let query = query.trim();
    if let Ok(number) = query.parse::<i32>() {
        return Record::response(ResponseStatusCode::from_i32(number))
            .into_iter()
            .chain(Record::close(SessionCloseStatus::from_i32(number)))
            .collect();
    }
    ResponseStatusCode::all_with_name(query)
        .filter_map(Record::response)
        .chain(SessionCloseStatus::from_name(query).and_then(Record::close))
        .collect()
}

fn every_record() -> impl Iterator<Item = Record> {
    ResponseStatusCode::all()
        .filter_map(Record::response)
        .chain(SessionCloseStatus::all().filter_map(Record::close))
}

/// Why nothing matched, worded for the number or name the user gave.
fn not_found(query: &str) -> String {
    let query = query.trim();
    match query.parse::<i32>() {
        Ok(number) => {
            let range = match ResponseStatusCode::from_i32(number).class() {
                StatusClass::Success => {
                    " As a response code it falls in the success range (1000-1099)."
                }
                StatusClass::ClientRequestError => {
                    " As a response code it falls in the client request error range (1100-1199)."
                }
                StatusClass::ServerError => {
                    " As a response code it falls in the server error range (1200-1299)."
                }
                StatusClass::AdminApi => {
                    " As a response code it falls in the admin API range (1300-1999)."
                }
                StatusClass::BusinessError => {
                    " As a response code it falls in the business error range (2000 and above)."
                }
                StatusClass::ClientLocal | StatusClass::Unknown => "",
            };
            format!(
                "{number} is not a known code: no response status code or session close status \
                 has this number.{range}"
            )
        }
        Err(_) if looks_numeric(query) => format!(
            "{query} is not a known code: codes travel as 32-bit integers and this number does \
             not fit in one."
        ),
        Err(_) => format!(
            "{query:?} is not a known code: no response status code or session close status \
             has this name (see `turms-wire code --list`)."
        ),
    }
}

/// An optional sign followed by digits only: a number, even if too large for `i32`.
fn looks_numeric(query: &str) -> bool {
    let digits = query.strip_prefix(['-', '+']).unwrap_or(query);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn write_records(
    records: impl Iterator<Item = Record>,
    json: bool,
    list: bool,
    out: &mut impl Write,
) -> io::Result<usize> {
    let mut count = 0;
    for record in records {
        if json {
            serde_json::to_writer(&mut *out, &record)?;
            writeln!(out)?;
        } else if list {
            record.write_line(out)?;
        } else {
            if count > 0 {
                writeln!(out)?;
            }
            record.write_text(out)?;
        }
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

/// Runs `turms-wire code`; exit status 1 when nothing matches.
pub fn run(args: &CodeArgs) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match (&args.query, args.list) {
        (Some(query), false) => {
            let records = lookup(query);
            if records.is_empty() {
                eprintln!("turms-wire: {}", not_found(query));
                return ExitCode::FAILURE;
            }
            write_records(records.into_iter(), args.json, false, &mut out)
        }
        _ => write_records(every_record(), args.json, true, &mut out),
    };
    match written {
        Ok(_) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("turms-wire: cannot write output: {e}");
            ExitCode::FAILURE
        }
    }
}
