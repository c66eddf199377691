//! `turms-wire gateway`: run the in-memory mock gateway until Ctrl-C.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args};
use serde_json::{json, Value};
use turms_wire::gateway::{GatewayBuilder, GatewayEvent, GatewayHandle};

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
    let json = args.json;
    let mut builder = GatewayBuilder::new()
        .idle_timeout(args.idle_timeout)
        .login_timeout(args.login_timeout)
        .close_timeout(args.close_timeout)
        .max_frame(args.max_frame)
        .server_id(args.server_id)
        .on_event(move |event| log(event, json));
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
    if ready_line(&gateway, json).is_err() {
        return ExitCode::FAILURE;
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("turms-wire gateway: cannot wait for Ctrl-C: {e}");
    }
    gateway.shutdown().await;
    ExitCode::SUCCESS
}

fn ready_line(gateway: &GatewayHandle, json: bool) -> io::Result<()> {
    let line = if json {
        json!({
            "event": "ready",
            "tcp": gateway.tcp_addr().map(|a| a.to_string()),
            "ws": gateway.ws_addr().map(|a| a.to_string()),
        })
        .to_string()
    } else {
        let mut line = "turms-wire mock gateway (in-memory test double) listening:".to_owned();
        if let Some(addr) = gateway.tcp_addr() {
            line.push_str(&format!(" tcp={addr}"));
        }
        if let Some(addr) = gateway.ws_addr() {
            line.push_str(&format!(" ws={addr}"));
        }
        line
    };
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

fn log(event: &GatewayEvent, json: bool) {
    if json {
        eprintln!("{}", event_json(event));
    } else {
        eprintln!("{event}");
    }
}

fn event_json(event: &GatewayEvent) -> Value {
    match event {
        GatewayEvent::ConnectionOpened {
            connection,
            transport,
            peer,
        } => json!({
            "event": "connection_opened",
            "connection": connection,
            "transport": transport.as_str(),
            "peer": peer.to_string(),
        }),
        GatewayEvent::LoginSucceeded {
            connection,
            session,
        } => json!({
            "event": "login_ok",
            "connection": connection,
            "user_id": session.user_id,
            "device_type": session.device_type.as_str_name(),
            "session_id": session.session_id,
        }),
        GatewayEvent::LoginFailed {
            connection,
            user_id,
            device_type,
            code,
        } => json!({
            "event": "login_failed",
            "connection": connection,
            "user_id": user_id,
            "device_type": device_type.as_str_name(),
            "code": code.as_i32(),
        }),
        GatewayEvent::RequestRejected {
            connection,
            request_id,
            code,
            reason,
        } => json!({
            "event": "request_refused",
            "connection": connection,
            "request_id": request_id,
            "code": code.as_i32(),
            "reason": reason,
        }),
        GatewayEvent::SessionClosed {
            connection,
            session_id,
            user_id,
            reason,
            notified,
        } => json!({
            "event": "session_closed",
            "connection": connection,
            "session_id": session_id,
            "user_id": user_id,
            "close_status": reason.status.as_i32(),
            "code": reason.code.map(|c| c.as_i32()),
            "reason": reason.reason,
            "notified": notified,
        }),
        GatewayEvent::ConnectionClosed {
            connection,
            end,
            notified,
        } => json!({
            "event": "connection_closed",
            "connection": connection,
            "how": end.to_string(),
            "close_status": notified.as_ref().map(|close| close.status.as_i32()),
        }),
        other => json!({ "event": "other", "text": other.to_string() }),
    }
}
