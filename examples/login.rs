//! Log in to a Turms gateway, print what it pushes for a few seconds, and log out.
//!
//! ```console
//! $ cargo run --example login -- tcp://127.0.0.1:11510 1 123
//! $ cargo run --example login -- ws://127.0.0.1:10510 1 123
//! ```

use std::time::Duration;

use turms_wire::client::{Client, Event, LoginRequest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let server = args
        .next()
        .unwrap_or_else(|| "tcp://127.0.0.1:11510".to_owned());
    let user: i64 = args.next().map_or(Ok(1), |id| id.parse())?;
    let password = args.next().unwrap_or_else(|| "123".to_owned());

    let (client, mut events) = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Duration::from_secs(10))
        .connect(&server)
        .await?;
    let logged_in = match client
        .login(LoginRequest::new(user).password(password))
        .await
    {
        Ok(logged_in) => logged_in,
        Err(error) => {
            // Every failure has a status code: the server's (2011 for a wrong password) or a
            // client-local one (1 connect timeout, 102 request timeout, …).
            eprintln!("login failed with {}: {error}", error.code());
            return Ok(());
        }
    };
    match &logged_in.session {
        Some(session) => println!(
            "logged in: session {:?} on {:?}",
            session.session_id(),
            session.server_id()
        ),
        None => println!("logged in (the gateway sent no session info)"),
    }

    let listen = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(listen);
    loop {
        tokio::select! {
            () = &mut listen => break,
            event = events.recv() => match event {
                Some(Event::Push(push)) => {
                    println!("push from {:?}: {:?}", push.requester_id, push.kind);
                }
                Some(Event::SessionClosed(close)) => {
                    println!("closed by the server: {close}; next: {:?}", close.recommendation());
                    return Ok(());
                }
                Some(_) => {}
                None => return Ok(()),
            },
        }
    }
    let close = client.logout().await?;
    println!("logged out: {close}");
    Ok(())
}
