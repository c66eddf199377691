//! `turms-wire demo`: a mock gateway and two clients on loopback, every frame on the wire
//! decoded.

use std::fmt::Display;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use turms_wire::client::{Client, ClientError, Event, Events, LoginRequest};
use turms_wire::gateway::{GatewayBuilder, GatewayHandle, ScriptedResponse, Session};
use turms_wire::inspect::{inspect_notification, inspect_request};
use turms_wire::proto::turms_request::Kind;
use turms_wire::proto::TurmsRequest;
use turms_wire::ResponseStatusCode;

/// Run a short story on loopback and show every frame: a mock gateway starts in this
/// process, alice connects over TCP and bob over WebSocket, both log in, alice sends bob a
/// message, bob makes a request the gateway refuses, bob sends a heartbeat, and both log out.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The address the mock gateway listens on for TCP (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    tcp: SocketAddr,

    /// The address it listens on for WebSocket.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    ws: SocketAddr,
}

const PASSWORD: &str = "123";
const STEP_DEADLINE: Duration = Duration::from_secs(5);

pub fn run(args: &DemoArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("turms-wire demo: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(story(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("turms-wire demo failed: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// The two users of the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Alice,
    Bob,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Alice => "alice",
            Who::Bob => "bob  ",
        }
    }
}

/// Prints what both clients see, numbering frames per client and direction as `decode` does.
struct Wire {
    alice: Events,
    bob: Events,
    /// (sent, received) frame counts of alice and bob.
    counts: [(u64, u64); 2],
}

impl Wire {
    fn events(&mut self, who: Who) -> &mut Events {
        match who {
            Who::Alice => &mut self.alice,
            Who::Bob => &mut self.bob,
        }
    }

    /// Prints everything already reported by `who`.
    fn drain(&mut self, who: Who) {
        while let Some(event) = self.events(who).try_recv() {
            self.print(who, &event);
        }
    }

    /// Prints `who`'s events until one satisfies `done` (printed too).
    async fn until(&mut self, who: Who, done: impl Fn(&Event) -> bool) -> Result<(), String> {
        let waiting = async {
            loop {
                let Some(event) = self.events(who).recv().await else {
                    return Err(format!("{} stopped reporting events", who.name().trim()));
                };
                self.print(who, &event);
                if done(&event) {
                    return Ok(());
                }
            }
        };
        tokio::time::timeout(STEP_DEADLINE, waiting)
            .await
            .map_err(|_| format!("{} waited too long", who.name().trim()))?
    }

    fn print(&mut self, who: Who, event: &Event) {
        let slot = &mut self.counts[who as usize];
        let name = who.name();
        match event {
            Event::FrameSent(body) => {
                println!("  {name} → {}", inspect_request(slot.0, body.clone()));
                slot.0 += 1;
            }
            Event::FrameReceived(frame) => {
                println!(
                    "  {name} ← {}",
                    inspect_notification(slot.1, frame.bytes().clone())
                );
                slot.1 += 1;
            }
            Event::Push(push) => {
                if let Some(Kind::CreateMessageRequest(message)) = &push.request.kind {
                    println!(
                        "  {name}: message {} from user {}: {:?}",
                        message.message_id.unwrap_or_default(),
                        push.requester_id.unwrap_or_default(),
                        message.text.as_deref().unwrap_or_default()
                    );
                }
            }
            Event::SessionClosed(info) => println!("  {name}: session closed: {info}"),
            Event::Disconnected => println!("  {name}: disconnected"),
            Event::InvalidFrame(invalid) => println!("  {name}: {invalid}"),
            Event::TransportError(error) => println!("  {name}: connection failed: {error}"),
            Event::Lagged { missed } => println!("  {name}: {missed} events not shown"),
            // Session info, heartbeats and responses are visible as frames already.
            _ => {}
        }
    }

    fn frames(&self) -> u64 {
        self.counts
            .iter()
            .map(|(sent, received)| sent + received)
            .sum()
    }
}

fn step(title: impl Display) {
    println!("\n── {title}");
}

fn fail(what: &str, error: ClientError) -> String {
    format!("{what}: {error}")
}

async fn start_gateway(args: &DemoArgs) -> Result<GatewayHandle, String> {
    GatewayBuilder::new()
        .tcp(args.tcp)
        .ws(args.ws)
        .password(PASSWORD)
        // The gateway's own log would interleave with the frames; the frames tell it all.
        .on_event(|_| {})
        // A refusal to show: the mock answers profile queries as a real deployment does for
        // users who are not friends.
        .script(|_: &Session, request: &TurmsRequest| match request.kind {
            Some(Kind::QueryUserProfilesRequest(_)) => Some(
                ScriptedResponse::new(ResponseStatusCode::NOT_FRIEND_TO_QUERY_USER_PROFILE)
                    .reason("alice and bob are not friends yet")
                    .into(),
            ),
            _ => None,
        })
        .start()
        .await
        .map_err(|e| e.to_string())
}

async fn story(args: &DemoArgs) -> Result<(), String> {
    let gateway = start_gateway(args).await?;
    let tcp = format!("tcp://{}", gateway.tcp_addr().ok_or("no TCP listener")?);
    let ws = gateway.ws_url().ok_or("no WebSocket listener")?;
    println!("turms-wire demo: a mock Turms gateway and two clients, every frame decoded");
    println!("mock gateway (in memory) on {tcp} and {ws}, password {PASSWORD:?}");

    let client = || {
        Client::builder()
            .trace_frames(true)
            .connect_timeout(STEP_DEADLINE)
            .request_timeout(STEP_DEADLINE)
            .close_timeout(Duration::from_secs(1))
    };

    step("alice (user 1) connects over TCP and bob (user 2) over WebSocket; alice logs in");
    let (alice, alice_events) = client()
        .connect(&tcp)
        .await
        .map_err(|e| fail("alice cannot connect", e))?;
    let (bob, bob_events) = client()
        .connect(&ws)
        .await
        .map_err(|e| fail("bob cannot connect", e))?;
    let mut wire = Wire {
        alice: alice_events,
        bob: bob_events,
        counts: [(0, 0); 2],
    };
    let session = alice
        .login(LoginRequest::new(1).password(PASSWORD))
        .await
        .map_err(|e| fail("alice cannot log in", e))?
        .session;
    wire.drain(Who::Alice);
    println!(
        "  alice: logged in, session {} on {}",
        session.as_ref().and_then(|s| s.session_id()).unwrap_or("?"),
        session.as_ref().and_then(|s| s.server_id()).unwrap_or("?")
    );

    step("bob logs in over WebSocket");
    let session = bob
        .login(LoginRequest::new(2).password(PASSWORD))
        .await
        .map_err(|e| fail("bob cannot log in", e))?
        .session;
    wire.drain(Who::Bob);
    println!(
        "  bob  : logged in, session {} on {}",
        session.as_ref().and_then(|s| s.session_id()).unwrap_or("?"),
        session.as_ref().and_then(|s| s.server_id()).unwrap_or("?")
    );

    step("alice sends bob a private message; the gateway relays it to bob as a push");
    let message_id = alice
        .send_private_message(2, "hello, bob")
        .await
        .map_err(|e| fail("alice's message failed", e))?;
    wire.drain(Who::Alice);
    println!("  alice: message {message_id} accepted (its id is data.long of the response)");
    wire.until(Who::Bob, |e| matches!(e, Event::Push(_)))
        .await?;

    step("bob asks for alice's profile; the gateway refuses");
    match bob.query_user_profiles([1]).await {
        Ok(profiles) => {
            return Err(format!(
                "the profile query should have been refused, got {profiles:?}"
            ))
        }
        Err(error) => {
            wire.drain(Who::Bob);
            let code = error.code();
            println!(
                "  bob  : refused with {code} ({}): {}",
                error.reason().unwrap_or("no reason"),
                code.meaning_en().unwrap_or("unknown code")
            );
        }
    }

    step("bob checks that his session is alive: a heartbeat is an empty frame both ways");
    bob.heartbeat()
        .await
        .map_err(|e| fail("bob's heartbeat failed", e))?;
    wire.drain(Who::Bob);

    step("both log out: the gateway answers DeleteSessionRequest by closing the session");
    for (who, client) in [(Who::Alice, &alice), (Who::Bob, &bob)] {
        let info = client
            .logout()
            .await
            .map_err(|e| fail("logout failed", e))?;
        if !info.is_from_server() {
            return Err(format!("expected the gateway's close, got {info}"));
        }
        wire.until(who, |e| matches!(e, Event::Disconnected))
            .await?;
    }

    gateway.shutdown().await;
    println!(
        "\ndone: 2 sessions, {} frames on the wire, 1 message delivered",
        wire.frames()
    );
    Ok(())
}
