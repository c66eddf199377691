//! `turms-wire gateway`: run the in-memory mock gateway until Ctrl-C.

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args};
use turms_wire::gateway::{GatewayBuilder, GatewayEvent, GatewayHandle};
use turms_wire::inspect::{OutputFormat, Record, RecordWriter};

/// Serve the gateway's side of the protocol for testing IM clients: logins, heartbeats,
/// timeouts, the close sequence, messages stored and relayed between sessions, and NO_CONTENT
/// for everything else. State is in memory only; there is no rate limiting or IP blocking.
///
/// Prints one line on stdout once listening, then one line per session event on stderr.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("listen").required(true).multiple(true).args(["tcp", "ws"])),
    after_help = "Examples:\n  \
        turms-wire gateway --tcp 127.0.0.1:11510 --ws 127.0.0.1:10510\n  \
        turms-wire gateway --tcp 127.0.0.1:0 --password 123 --group 100=1,2,3 --json\n  \
        turms-wire gateway --ws 0.0.0.0:10510 --idle-timeout 5 --login-timeout 2"
)]
pub struct GatewayArgs {
    /// Listen for varint32-framed TCP on ADDR (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    tcp: Option<SocketAddr>,

    /// Listen for WebSocket on ADDR (port 0 picks a free port; any path is accepted).
    #[arg(long, value_name = "ADDR")]
    ws: Option<SocketAddr>,

    /// Every user must log in with this password (default: any password is accepted).
    #[arg(long, value_name = "PW")]
    password: Option<String>,

    /// A group and its members, for group messages (repeatable).
    #[arg(long = "group", value_name = "ID=USER,USER,...", value_parser = parse_group)]
    groups: Vec<(i64, Vec<i64>)>,

    /// Close sessions silent for this long with HEARTBEAT_TIMEOUT (110); 0 disables.
    #[arg(long, value_name = "SECS", default_value = "180", value_parser = parse_secs)]
    idle_timeout: Duration,

    /// Close connections without a session after this long with LOGIN_TIMEOUT (111); 0
    /// disables.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_secs)]
    login_timeout: Duration,

    /// After a close notification, wait this long for the client to close first (the real
    /// gateway waits 120).
    #[arg(long, value_name = "SECS", default_value = "0", value_parser = parse_secs)]
    close_timeout: Duration,

    /// The largest inbound frame (TCP body or WebSocket message).
    #[arg(long, value_name = "BYTES", default_value_t = turms_wire::codec::DEFAULT_MAX_REQUEST_FRAME)]
    max_frame: usize,

    /// The node id sent in the session-info push.
    #[arg(long, value_name = "ID", default_value = turms_wire::gateway::DEFAULT_SERVER_ID)]
    server_id: String,

    /// Print the ready line and the events as JSON objects, one per line.
    #[arg(long)]
    json: bool,
}

fn parse_group(text: &str) -> Result<(i64, Vec<i64>), String> {
    let (id, members) = text
        .split_once('=')
        .ok_or_else(|| format!("expected ID=USER,USER,..., got {text:?}"))?;
    let id = id
        .trim()
        .parse()
        .map_err(|e| format!("bad group id {id:?}: {e}"))?;
    let members = members
        .split(',')
        .filter(|m| !m.trim().is_empty())
        .map(|m| {
            m.trim()
                .parse()
                .map_err(|e| format!("bad user id {m:?}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    Ok((id, members))
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.parse().map_err(|e| format!("{e}"))?;
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{e}"))
}

pub fn run(args: GatewayArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("turms-wire gateway: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: GatewayArgs) -> ExitCode {
    let format = if args.json {
        OutputFormat::Json
    } else {
        OutputFormat::Text
    };
    let mut builder = GatewayBuilder::new()
        .idle_timeout(args.idle_timeout)
        .login_timeout(args.login_timeout)
        .close_timeout(args.close_timeout)
        .max_frame(args.max_frame)
        .server_id(args.server_id)
        .on_event(move |event| log(event, format));
    if let Some(addr) = args.tcp {
        builder = builder.tcp(addr);
    }
    if let Some(addr) = args.ws {
        builder = builder.ws(addr);
    }
    if let Some(password) = args.password {
        builder = builder.password(password);
    }
    for (id, members) in args.groups {
        builder = builder.group(id, members);
    }
    let gateway = match builder.start().await {
        Ok(gateway) => gateway,
        Err(e) => {
            eprintln!("turms-wire gateway: {e}");
            return ExitCode::FAILURE;
        }
    };
    if ready_line(&gateway, format).is_err() {
        return ExitCode::FAILURE;
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("turms-wire gateway: cannot wait for Ctrl-C: {e}");
    }
    gateway.shutdown().await;
    ExitCode::SUCCESS
}

fn ready_line(gateway: &GatewayHandle, format: OutputFormat) -> io::Result<()> {
    let tcp = gateway.tcp_addr().map(|addr| addr.to_string());
    let ws = gateway.ws_addr().map(|addr| addr.to_string());
    let mut text = "turms-wire mock gateway (in-memory test double) listening:".to_owned();
    if let Some(addr) = &tcp {
        text.push_str(&format!(" tcp={addr}"));
    }
    if let Some(addr) = &ws {
        text.push_str(&format!(" ws={addr}"));
    }
    let mut out = RecordWriter::new(io::stdout().lock(), format);
    out.write(
        &Record::event("ready", &text)
            .field("tcp", tcp.as_deref())
            .field("ws", ws.as_deref()),
    )?;
    out.flush()
}

/// One line per event on standard error; the lock keeps lines from concurrent sessions whole.
fn log(event: &GatewayEvent, format: OutputFormat) {
    let mut out = RecordWriter::new(io::stderr().lock(), format);
    let _ = out.write(&event_record(event));
}

/// The event's line: its `Display` form as text, and in JSON its fields.
fn event_record(event: &GatewayEvent) -> Record<'_> {
    match event {
        GatewayEvent::ConnectionOpened {
            connection,
            transport,
            peer,
        } => Record::event("connection_opened", event)
            .field("connection", *connection)
            .field("transport", transport.as_str())
            .field("peer", peer.to_string()),
        GatewayEvent::LoginSucceeded {
            connection,
            session,
        } => Record::event("login_ok", event)
            .field("connection", *connection)
            .field("user_id", session.user_id)
            .field("device_type", session.device_type.as_str_name())
            .field("session_id", session.session_id),
        GatewayEvent::LoginFailed {
            connection,
            user_id,
            device_type,
            code,
        } => Record::event("login_failed", event)
            .field("connection", *connection)
            .field("user_id", *user_id)
            .field("device_type", device_type.as_str_name())
            .field("code", code.as_i32()),
        GatewayEvent::RequestRejected {
            connection,
            request_id,
            code,
            reason,
        } => Record::event("request_refused", event)
            .field("connection", *connection)
            .field("request_id", *request_id)
            .field("code", code.as_i32())
            .field("reason", reason.as_deref()),
        GatewayEvent::SessionClosed {
            connection,
            session_id,
            user_id,
            reason,
            notified,
        } => Record::event("session_closed", event)
            .field("connection", *connection)
            .field("session_id", *session_id)
            .field("user_id", *user_id)
            .field("close_status", reason.status.as_i32())
            .field("code", reason.code.map(|c| c.as_i32()))
            .field("reason", reason.reason.as_deref())
            .field("notified", *notified),
        GatewayEvent::ConnectionClosed {
            connection,
            end,
            notified,
        } => Record::event("connection_closed", event)
            .field("connection", *connection)
            .field("how", end.to_string())
            .field(
                "close_status",
                notified.as_ref().map(|close| close.status.as_i32()),
            ),
        other => Record::event("other", other).field("text", other.to_string()),
    }
}
