//! `turms-wire tap`: a transparent proxy that prints the Turms traffic passing through it.

use std::io;
use std::process::ExitCode;

use clap::Args;
use turms_wire::codec::{DEFAULT_MAX_NOTIFICATION_FRAME, DEFAULT_MAX_REQUEST_FRAME};
use turms_wire::role::RoleKind;
use turms_wire::tap::{OutputFormat, Tap, TapConfig};
use turms_wire::transport::TransportKind;

/// Forward connections to a gateway unchanged and print every frame, both ways.
///
/// Point clients at --listen instead of the gateway. The first line printed is the address
/// listened on (useful with port 0). Ctrl-C prints a summary and exits.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    turms-wire tap --listen 127.0.0.1:11511 --upstream gateway.example:11510\n  \
    turms-wire tap --listen 127.0.0.1:0 --upstream 127.0.0.1:10510 --ws --json")]
pub struct TapArgs {
    /// The address clients connect to (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    listen: String,

    /// The gateway's address (host:port).
    #[arg(long, value_name = "ADDR")]
    upstream: String,

    /// The connections are WebSocket (the gateway's WebSocket port) rather than TCP.
    #[arg(long)]
    ws: bool,

    /// Print one JSON object per line.
    #[arg(long)]
    json: bool,

    /// The largest request decoded; larger ones are forwarded but end the decoding of that
    /// connection's requests.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_REQUEST_FRAME)]
    max_request: usize,

    /// The largest notification decoded.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_NOTIFICATION_FRAME)]
    max_notification: usize,

    /// How many chunks of traffic may wait to be printed; beyond that they are forwarded but
    /// not shown (and counted).
    #[arg(long, value_name = "CHUNKS", default_value_t = 1024)]
    queue: usize,
}

pub fn run(args: &TapArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("turms-wire tap: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tap(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("turms-wire tap: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn tap(args: &TapArgs) -> io::Result<()> {
    let config = TapConfig {
        transport: if args.ws {
            TransportKind::WebSocket
        } else {
            TransportKind::Tcp
        },
        format: if args.json {
            OutputFormat::Json
        } else {
            OutputFormat::Text
        },
        client_limits: RoleKind::Client
            .limits()
            .with_max_inbound_frame(args.max_notification),
        gateway_limits: RoleKind::Gateway
            .limits()
            .with_max_inbound_frame(args.max_request),
        queue_capacity: args.queue,
        ..TapConfig::new(args.upstream.clone())
    };
    let interrupted = interrupt()?;
    let tap = Tap::bind(&args.listen, config).await?;
    tap.run(io::stdout(), interrupted).await?;
    Ok(())
}

/// Completes on Ctrl-C (SIGINT). The handler is installed before this returns, so an
/// interrupt that comes at any time after the listening line is caught. A second Ctrl-C
/// (say, while the summary waits for a blocked terminal) exits at once.
#[cfg(unix)]
fn interrupt() -> io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupts = signal(SignalKind::interrupt())?;
    Ok(async move {
        interrupts.recv().await;
        tokio::spawn(async move {
            interrupts.recv().await;
            std::process::exit(130);
        });
    })
}

#[cfg(not(unix))]
fn interrupt() -> io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
