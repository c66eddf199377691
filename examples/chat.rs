//! Two users chat through a mock gateway started in this process: alice over TCP, bob over
//! WebSocket.
//!
//! ```console
//! $ cargo run --example chat
//! ```

use turms_wire::client::{Client, Event, LoginRequest};
use turms_wire::gateway::GatewayBuilder;
use turms_wire::proto::turms_request::Kind;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gateway = GatewayBuilder::new()
        .tcp("127.0.0.1:0".parse()?)
        .ws("127.0.0.1:0".parse()?)
        .password("123")
        .on_event(|_| {})
        .start()
        .await?;
    let tcp = format!("tcp://{}", gateway.tcp_addr().expect("TCP listener"));
    let ws = gateway.ws_url().expect("WebSocket listener");

    let (alice, _) = Client::connect(&tcp).await?;
    let (bob, mut bob_events) = Client::connect(&ws).await?;
    alice.login(LoginRequest::new(1).password("123")).await?;
    bob.login(LoginRequest::new(2).password("123")).await?;

    let id = alice
        .send_private_message(2, "hi bob, this is alice")
        .await?;
    println!("alice sent message {id}");

    while let Some(event) = bob_events.recv().await {
        if let Event::Push(push) = event {
            if let Some(Kind::CreateMessageRequest(message)) = &push.request.kind {
                println!(
                    "bob received message {:?} from user {:?}: {:?}",
                    message.message_id, push.requester_id, message.text
                );
                break;
            }
        }
    }

    for client in [&alice, &bob] {
        let close = client.logout().await?;
        println!("{}: session closed with {close}", client.server());
    }
    gateway.shutdown().await;
    Ok(())
}
