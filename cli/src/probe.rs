//! `turms-wire probe`: connect to a gateway, log in, optionally send one message, print
//! everything that happens, and log out.

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::value::RawValue;
use turms_wire::client::{
    Answer, Client, ClientError, CloseInfo, CloseOrigin, Event, Events, LoginRequest, SessionState,
};
use turms_wire::frame::RequestKind;
use turms_wire::inspect::{OutputFormat, Record, RecordWriter};
use turms_wire::json;
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::{turms_notification, CreateMessageRequest, DeviceType};
use turms_wire::status::{ResponseStatusCode, SessionCloseStatus};

/// Log in to a gateway and report every step, frame and event.
///
/// Exit status: 0 when the login and every requested action succeeded and the session ended
/// by our own logout; 1 when the gateway refused the login or a request, or closed the
/// session itself; 2 when it could not be reached or the connection failed (each step has a
/// deadline of --timeout seconds).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    turms-wire probe --server tcp://127.0.0.1:11510 --user 1 --password 123\n  \
    turms-wire probe --server ws://127.0.0.1:10510 --user 1 --password 123 --to 2 --text hi --wait 5 --json")]
pub struct ProbeArgs {
    /// The gateway: tcp://HOST:PORT or ws://HOST:PORT.
    #[arg(long, value_name = "URL")]
    server: String,

    /// The user id to log in as.
    #[arg(long, value_name = "ID", allow_negative_numbers = true)]
    user: i64,

    /// The password.
    #[arg(long, value_name = "PW")]
    password: String,

    /// The device type to log in from.
    #[arg(long, value_enum, default_value_t = Device::Desktop)]
    device: Device,

    /// Send one private message to this user (with --text).
    #[arg(
        long,
        value_name = "ID",
        requires = "text",
        allow_negative_numbers = true
    )]
    to: Option<i64>,

    /// The message text (with --to).
    #[arg(long, value_name = "TEXT", requires = "to")]
    text: Option<String>,

    /// Seconds to keep listening for pushes and notifications before logging out.
    #[arg(long, value_name = "SECS", default_value_t = 0.0, value_parser = seconds)]
    wait: f64,

    /// The deadline of each step (connect, login, the message, logout), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = seconds)]
    timeout: f64,

    /// Print one JSON object per line.
    #[arg(long)]
    json: bool,
}

/// The device types a login can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Device {
    Desktop,
    Browser,
    Ios,
    Android,
    Others,
}

impl From<Device> for DeviceType {
    fn from(device: Device) -> Self {
        match device {
            Device::Desktop => DeviceType::Desktop,
            Device::Browser => DeviceType::Browser,
            Device::Ios => DeviceType::Ios,
            Device::Android => DeviceType::Android,
            Device::Others => DeviceType::Others,
        }
    }
}

fn seconds(text: &str) -> Result<f64, String> {
    let secs: f64 = text.parse().map_err(|_| format!("not a number: {text}"))?;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err("expected 0 to 86400 seconds".into());
    }
    Ok(secs)
}

/// How the probe ended, worst outcome wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Success = 0,
    Refused = 1,
    Unreachable = 2,
}

pub fn run(args: &ProbeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("turms-wire probe: cannot start the runtime: {error}");
            return ExitCode::from(Outcome::Unreachable as u8);
        }
    };
    let outcome = runtime.block_on(probe(args));
    ExitCode::from(outcome as u8)
}

async fn probe(args: &ProbeArgs) -> Outcome {
    let out = Printer {
        format: if args.json {
            OutputFormat::Json
        } else {
            OutputFormat::Text
        },
    };
    let deadline = Duration::from_secs_f64(args.timeout);
    let connecting = Client::builder()
        .connect_timeout(deadline)
        .request_timeout(deadline)
        .close_timeout(deadline.min(Duration::from_secs(2)))
        .connect(&args.server);
    let (client, events) = match step(deadline, connecting).await {
        Ok(connected) => connected,
        Err(error) => {
            out.error(&error);
            return Outcome::Unreachable;
        }
    };
    out.connected(&client);
    let printer = tokio::spawn(print_events(events, out));

    let mut outcome = Outcome::Success;
    let login = LoginRequest::new(args.user)
        .password(args.password.clone())
        .device_type(args.device.into());
    match step(deadline, client.login(login)).await {
        Ok(logged_in) => out.login(Ok(&logged_in.response)),
        Err(error) if error.is_server_refusal() => {
            out.login(Err(&error));
            outcome = Outcome::Refused;
        }
        Err(error) => {
            out.error(&error);
            outcome = outcome.max(failure_outcome(&error));
        }
    }

    if outcome == Outcome::Success {
        if let (Some(to), Some(text)) = (args.to, &args.text) {
            let message = Kind::CreateMessageRequest(CreateMessageRequest {
                recipient_id: Some(to),
                text: Some(text.clone()),
                ..CreateMessageRequest::default()
            });
            match step(deadline, client.request(message)).await {
                Ok(response) => out.response(RequestKind::CREATE_MESSAGE_REQUEST, Ok(&response)),
                Err(error) if error.is_server_refusal() => {
                    out.response(RequestKind::CREATE_MESSAGE_REQUEST, Err(&error));
                    outcome = Outcome::Refused;
                }
                Err(error) => {
                    out.error(&error);
                    outcome = outcome.max(failure_outcome(&error));
                }
            }
        }
    }

    if args.wait > 0.0 {
        // Listen (the event printer does the printing) until the time is up or the session
        // ends on its own.
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs_f64(args.wait)) => {}
            _ = client.closed() => {}
        }
    }

    match client.close_info() {
        // The session ended without our logout: by the server, or by the connection.
        Some(info) => outcome = outcome.max(close_outcome(&info)),
        None if client.state() != SessionState::Open => client.close(),
        None => match step(deadline, client.logout()).await {
            Ok(info)
                if info.origin == CloseOrigin::Server
                    && info.status() != SessionCloseStatus::DISCONNECTED_BY_CLIENT =>
            {
                outcome = outcome.max(Outcome::Refused);
            }
            Ok(_) => {}
            Err(error) => {
                out.error(&error);
                client.close();
                outcome = outcome.max(failure_outcome(&error));
            }
        },
    }
    drop(client);
    // The printer ends with the connection; closing is bounded by the close timeout.
    let _ = tokio::time::timeout(deadline + Duration::from_secs(1), printer).await;
    outcome
}

/// Runs one step under its deadline (on top of the client's own timeouts, so a peer that
/// trickles bytes cannot stretch a step either).
async fn step<T>(
    deadline: Duration,
    future: impl std::future::Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    match tokio::time::timeout(deadline, future).await {
        Ok(result) => result,
        Err(_) => Err(ClientError::RequestTimeout {
            request_id: 0,
            timeout: deadline,
        }),
    }
}

/// A failure that is not the server's refusal.
fn failure_outcome(error: &ClientError) -> Outcome {
    match error {
        ClientError::SessionClosed(info) => close_outcome(info),
        _ => Outcome::Unreachable,
    }
}

/// A session that ended other than by our logout.
fn close_outcome(info: &CloseInfo) -> Outcome {
    match info.origin {
        CloseOrigin::Server => Outcome::Refused,
        CloseOrigin::Transport | CloseOrigin::Local => Outcome::Unreachable,
    }
}

async fn print_events(mut events: Events, out: Printer) {
    while let Some(event) = events.recv().await {
        out.event(&event);
    }
}

/// Prints steps and events as lines of text or JSON objects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    pub(crate) format: OutputFormat,
}

impl Printer {
    fn emit(&self, record: &Record<'_>) {
        let mut out = RecordWriter::new(io::stdout().lock(), self.format);
        // A closed pipe is not worth failing the probe over.
        let _ = out.write(record);
        let _ = out.flush();
    }

    pub(crate) fn connected(&self, client: &Client) {
        let server = client.server();
        let text = format!("connected to {server} ({})", server.transport());
        self.emit(
            &Record::event("connected", &text)
                .field("server", server.as_str())
                .field("transport", server.scheme()),
        );
    }

    pub(crate) fn login(&self, result: Result<&Answer, &ClientError>) {
        let (code, reason) = match result {
            Ok(response) => (response.code(), response.reason()),
            Err(error) => (error.code(), error.reason()),
        };
        let text = format!("login: {code}{}", reason_text(reason));
        self.emit(
            &Record::event("login", &text)
                .field("code", code.as_i32())
                .field("code_name", code.name())
                .field("reason", reason),
        );
    }

    pub(crate) fn response(&self, kind: RequestKind, result: Result<&Answer, &ClientError>) {
        let (code, reason, data) = match result {
            Ok(response) => (
                response.code(),
                response.reason(),
                response.data_bytes().map(data_json),
            ),
            Err(error) => (error.code(), error.reason(), None),
        };
        let data_text = match &data {
            Some(Some(data)) => format!(" data {data}"),
            Some(None) => " data null".to_owned(),
            None => String::new(),
        };
        let text = format!(
            "response to {kind}: {code}{}{data_text}",
            reason_text(reason)
        );
        self.emit(
            &Record::event("response", &text)
                .field("request_kind", kind.name())
                .field("code", code.as_i32())
                .field("code_name", code.name())
                .field("reason", reason)
                .field("data", data.flatten()),
        );
    }

    pub(crate) fn error(&self, error: &ClientError) {
        let code = error.code();
        let text = format!("error {code}: {error}");
        self.emit(
            &Record::event("error", &text)
                .field("code", code.as_i32())
                .field("code_name", code.name())
                .field("detail", error.to_string()),
        );
    }

    pub(crate) fn event(&self, event: &Event) {
        match event {
            Event::SessionInfo(session) => {
                let text = format!(
                    "session {} on server {}",
                    session.session_id().unwrap_or("?"),
                    session.server_id().unwrap_or("?")
                );
                self.emit(
                    &Record::event("session_info", &text)
                        .field("session_id", session.session_id())
                        .field("server_id", session.server_id()),
                );
            }
            Event::Push(push) => {
                let message = json::REQUEST
                    .bytes_to_raw_json(push.frame.relayed_request())
                    .ok();
                let kind = push.kind.map(|k| k.to_string());
                let text = format!(
                    "push from {}: {} {}",
                    push.requester_id
                        .map_or_else(|| "?".to_owned(), |id| id.to_string()),
                    kind.as_deref().unwrap_or("?"),
                    json_text(message.as_deref()),
                );
                self.emit(
                    &Record::event("push", &text)
                        .field("requester_id", push.requester_id)
                        .field("kind", kind)
                        .field("message", message),
                );
            }
            Event::Notification(notification) => {
                let message = json::NOTIFICATION
                    .bytes_to_raw_json(notification.bytes())
                    .ok();
                let text = format!("notification {}", json_text(message.as_deref()));
                self.emit(&Record::event("notification", &text).field("message", message));
            }
            Event::HeartbeatAck => self.emit(&Record::event("heartbeat_ack", &"heartbeat ack")),
            Event::HeartbeatFailure { code, reason } => {
                let text = format!(
                    "heartbeat refused: {}{}",
                    code.map_or_else(|| "no code".to_owned(), |c| c.to_string()),
                    reason_text(reason.as_deref())
                );
                self.emit(
                    &Record::event("heartbeat_failure", &text)
                        .field("code", code.map(ResponseStatusCode::as_i32))
                        .field("code_name", code.and_then(ResponseStatusCode::name))
                        .field("reason", reason.as_deref()),
                );
            }
            Event::OrphanResponse(response) => {
                let code = response.code();
                let reason = response.reason().and_then(Result::ok);
                let text = format!(
                    "response to no pending request ({}): {}{}",
                    response.request_id(),
                    code.map_or_else(|| "no code".to_owned(), |c| c.to_string()),
                    reason_text(reason)
                );
                self.emit(
                    &Record::event("orphan_response", &text)
                        .field("request_id", response.request_id())
                        .field("code", code.map(ResponseStatusCode::as_i32))
                        .field("code_name", code.and_then(ResponseStatusCode::name))
                        .field("reason", reason),
                );
            }
            Event::InvalidFrame(invalid) => {
                let text = format!("invalid frame: {invalid}");
                self.emit(
                    &Record::event("invalid_frame", &text).field("detail", invalid.to_string()),
                );
            }
            Event::SessionClosed(info) => self.closed(info),
            Event::TransportError(error) => {
                let text = format!("connection failed: {error}");
                self.emit(
                    &Record::event("transport_error", &text).field("detail", error.to_string()),
                );
            }
            Event::Disconnected => self.emit(&Record::event("disconnected", &"disconnected")),
            Event::Lagged { missed } => {
                let text = format!("{missed} events missed");
                self.emit(&Record::event("lagged", &text).field("missed", *missed));
            }
            // Only with frame tracing, which the probe does not turn on.
            _ => {}
        }
    }

    pub(crate) fn closed(&self, info: &CloseInfo) {
        let origin = match info.origin {
            CloseOrigin::Server => "server",
            CloseOrigin::Transport => "transport",
            CloseOrigin::Local => "local",
        };
        let text = format!("session closed: {info}");
        self.emit(
            &Record::event("closed", &text)
                .field("close_status", info.status().as_i32())
                .field("close_status_name", info.status().name())
                .field("code", info.code().map(ResponseStatusCode::as_i32))
                .field("reason", info.reason())
                .field("origin", origin),
        );
    }
}

/// `data` in the proto3 JSON mapping, `None` if it does not decode.
pub(crate) fn data_json(data: &[u8]) -> Option<Box<RawValue>> {
    json::MessageType::of::<turms_notification::Data>()
        .and_then(|data_type| data_type.bytes_to_raw_json(data))
        .ok()
}

/// JSON text, or `null` for none.
fn json_text(json: Option<&RawValue>) -> &str {
    json.map_or("null", RawValue::get)
}

fn reason_text(reason: Option<&str>) -> String {
    reason.map(|r| format!(" ({r})")).unwrap_or_default()
}
