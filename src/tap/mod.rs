//! A transparent proxy that prints every Turms frame passing through it.
//!
//! Clients connect to the tap instead of the gateway; each connection is copied byte for byte
//! to and from the upstream gateway, and a display thread decodes both directions and prints
//! one line per frame (the records of [`crate::inspect`], with the time, the connection number
//! and the direction), pairs responses with their requests, and prints a summary at the end.
//!
//! Forwarding never waits on the display. Each read is written on at once; then a reference to
//! the same bytes goes to the display through a bounded queue with `try_send`. When the queue is
//! full the chunk is not shown, only counted, and since the frame boundaries of that direction
//! are then unknown, the display reports the gap once and stops decoding that direction of
//! that connection (it never prints frames it would have to guess at). A slow terminal costs
//! lines, never latency.
//!
//! ```no_run
//! use turms_wire::tap::{OutputFormat, Tap, TapConfig};
//!
//! # async fn run() -> std::io::Result<()> {
//! let config = TapConfig {
//!     format: OutputFormat::Json,
//!     ..TapConfig::new("gateway.example:11510")
//! };
//! let tap = Tap::bind("127.0.0.1:11511", config).await?;
//! let summary = tap
//!     .run(std::io::stdout(), async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await?;
//! println!("{} connections", summary.connections);
//! # Ok(())
//! # }
//! ```

mod display;
mod summary;

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::mpsc::{self, error::TrySendError, Sender};

pub use summary::{DirectionTotals, NotShown, TapSummary};

// How lines are printed: the record writer's formats.
pub use crate::inspect::OutputFormat;

use crate::codec::Limits;
use crate::role::RoleKind;
// The tap's connections are TCP or WebSocket, as everywhere in the crate.
pub use crate::transport::TransportKind;
use display::{Display, Event};
use summary::Counters;

/// How much is read from a socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// The former name of [`TransportKind`].
#[deprecated(since = "0.2.0", note = "use `turms_wire::transport::TransportKind`")]
pub type Transport = TransportKind;

/// Where a direction's counts and decoding state are kept: `c2s` (what the gateway receives)
/// first, then `s2c`, the order records and summaries print them in.
pub(crate) const fn slot(receiver: RoleKind) -> usize {
    match receiver {
        RoleKind::Gateway => 0,
        RoleKind::Client => 1,
    }
}

/// What a [`Tap`] connects to and how it prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapConfig {
    /// The gateway's address (`host:port`), resolved for each connection.
    pub upstream: String,
    /// What the connections carry.
    pub transport: TransportKind,
    /// How lines are printed.
    pub format: OutputFormat,
    /// The client's limits: its inbound limit is the largest notification the display decodes
    /// (a larger one ends the decoding of that direction; it is still forwarded).
    pub client_limits: Limits,
    /// The gateway's limits: its inbound limit is the largest request the display decodes.
    pub gateway_limits: Limits,
    /// How many chunks of copied bytes may wait for the display before chunks are dropped
    /// from it.
    pub queue_capacity: usize,
}

impl TapConfig {
    /// TCP, text output, the gateway's and clients' default limits, a queue of 1024 chunks.
    pub fn new(upstream: impl Into<String>) -> TapConfig {
        TapConfig {
            upstream: upstream.into(),
            transport: TransportKind::Tcp,
            format: OutputFormat::Text,
            client_limits: RoleKind::Client.limits(),
            gateway_limits: RoleKind::Gateway.limits(),
            queue_capacity: 1024,
        }
    }
}

impl TapConfig {
    /// The limits of one end of the tapped connections.
    pub fn limits_of(&self, role: RoleKind) -> Limits {
        match role {
            RoleKind::Client => self.client_limits,
            RoleKind::Gateway => self.gateway_limits,
        }
    }
}

/// A bound tap, ready to [`run`](Tap::run).
#[derive(Debug)]
pub struct Tap {
    listener: TcpListener,
    config: TapConfig,
}

impl Tap {
    /// Binds the listening socket (port 0 picks a free port; see [`local_addr`](Tap::local_addr)).
    pub async fn bind(listen: impl ToSocketAddrs, config: TapConfig) -> io::Result<Tap> {
        if config.transport == TransportKind::Udp {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the tap forwards TCP connections (plain or WebSocket), not UDP datagrams",
            ));
        }
        Ok(Tap {
            listener: TcpListener::bind(listen).await?,
            config,
        })
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts and forwards connections, printing to `out` (first line: the address it
    /// listens on), until `shutdown` completes; then prints the summary and returns it.
    ///
    /// Connections still open at shutdown are left to the caller's runtime.
    pub async fn run<W: Write + Send + 'static>(
        self,
        out: W,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<TapSummary> {
        let Tap { listener, config } = self;
        let counters = Arc::new(Counters::default());
        let (events, queue) = mpsc::channel(config.queue_capacity.max(1));
        let display = Display::new(out, &config, Arc::clone(&counters));
        let display = std::thread::Builder::new()
            .name("turms-wire-tap-display".into())
            .spawn(move || {
                lower_priority();
                display.run(queue)
            })?;
        let _ = events
            .send(Event::Listening {
                addr: listener.local_addr()?,
            })
            .await;
        let upstream: Arc<str> = config.upstream.into();
        let accept = async {
            let mut next_conn = 1;
            loop {
                let (client, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of file descriptors and the like: give it a moment.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let conn = next_conn;
                next_conn += 1;
                counters.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(connection(
                    Connection {
                        conn,
                        peer,
                        events: events.clone(),
                        counters: Arc::clone(&counters),
                    },
                    client,
                    Arc::clone(&upstream),
                ));
            }
        };
        tokio::select! {
            () = accept => {}
            () = shutdown => {}
        }
        let _ = events.send(Event::Finish).await;
        tokio::task::spawn_blocking(move || display.join())
            .await
            .map_err(io::Error::other)?
            .map_err(|_| io::Error::other("the display thread panicked"))
    }
}

/// Makes the calling thread yield the CPU to every ordinary thread: on a busy machine the
/// display then only gets the time forwarding does not need, and falls behind rather than
/// slowing the connections down.
///
/// On Linux the thread goes to `SCHED_IDLE`, which runs only when no ordinary thread wants
/// the CPU (a nice value, even 19, still takes a share from running threads); where that is
/// refused, it falls back to nice 19.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `sched_setscheduler` reads the `sched_param` we pass for the duration of the call;
    // with pid 0 it applies to the calling thread alone, as does `setpriority` with the id of a
    // thread (from `gettid`). A failure leaves the policy or priority as it was.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, 19);
        }
    }
}

/// One tapped connection.
struct Connection {
    conn: u64,
    peer: SocketAddr,
    events: Sender<Event>,
    counters: Arc<Counters>,
}

/// Bytes of one direction: forwarded, and forwarded since the display last got a chunk.
#[derive(Default)]
struct Copied {
    forwarded: AtomicU64,
    undelivered: AtomicU64,
}

async fn connection(this: Connection, client: TcpStream, upstream: Arc<str>) {
    let Connection {
        conn,
        peer,
        ref events,
        ref counters,
    } = this;
    let accepted = Instant::now();
    // The open event names the gateway's address, so it goes once the upstream is connected
    // (or could not be), still before anything else of the connection.
    let open = |server: String| {
        if events
            .try_send(Event::Open {
                conn,
                at: accepted,
                peer,
                server,
            })
            .is_err()
        {
            counters.dropped_events.fetch_add(1, Ordering::Relaxed);
        }
    };
    let server = match TcpStream::connect(&*upstream).await {
        Ok(server) => {
            open(
                server
                    .peer_addr()
                    .map_or_else(|_| upstream.to_string(), |a| a.to_string()),
            );
            server
        }
        Err(error) => {
            open(upstream.to_string());
            let _ = events
                .send(Event::UpstreamFailed {
                    conn,
                    at: Instant::now(),
                    error: error.to_string(),
                })
                .await;
            // Every open has its close; the client is disconnected as `client` drops.
            let _ = events
                .send(Event::Close {
                    conn,
                    at: Instant::now(),
                    peer,
                    bytes: [0, 0],
                    undelivered: [0, 0],
                })
                .await;
            return;
        }
    };
    // Frames are small and interactive; don't let the tap add Nagle delays.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let copied = [Copied::default(), Copied::default()];
    let pump = |from, to, dir: RoleKind| {
        Pump {
            conn,
            dir,
            events,
            counters,
            copied: &copied[slot(dir)],
        }
        .run(from, to)
    };
    let c2s = pump(client_read, server_write, RoleKind::Gateway);
    let s2c = pump(server_read, client_write, RoleKind::Client);
    tokio::pin!(c2s, s2c);
    let (mut c2s_done, mut s2c_done) = (false, false);
    // A direction that ends cleanly half-closes the other side and the other direction goes
    // on; an error in either ends both.
    while !(c2s_done && s2c_done) {
        let result = tokio::select! {
            result = &mut c2s, if !c2s_done => { c2s_done = true; result }
            result = &mut s2c, if !s2c_done => { s2c_done = true; result }
        };
        if result.is_err() {
            break;
        }
    }
    let load = |dir: usize, counter: fn(&Copied) -> &AtomicU64| {
        counter(&copied[dir]).load(Ordering::Relaxed)
    };
    let _ = events
        .send(Event::Close {
            conn,
            at: Instant::now(),
            peer,
            bytes: [load(0, |c| &c.forwarded), load(1, |c| &c.forwarded)],
            undelivered: [load(0, |c| &c.undelivered), load(1, |c| &c.undelivered)],
        })
        .await;
}

/// The copy loop of one direction.
struct Pump<'a> {
    conn: u64,
    dir: RoleKind,
    events: &'a Sender<Event>,
    counters: &'a Counters,
    copied: &'a Copied,
}

impl Pump<'_> {
    async fn run(self, mut from: OwnedReadHalf, mut to: OwnedWriteHalf) -> io::Result<()> {
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        loop {
            if buf.capacity() < READ_CHUNK / 4 {
                buf.reserve(READ_CHUNK);
            }
            let read = from.read_buf(&mut buf).await?;
            if read == 0 {
                let _ = to.shutdown().await;
                return Ok(());
            }
            let at = Instant::now();
            let chunk = buf.split().freeze();
            // Forwarded first: handing the chunk over may wake the display thread, which
            // is none of the connection's business.
            to.write_all(&chunk).await?;
            let len = read as u64;
            self.copied.forwarded.fetch_add(len, Ordering::Relaxed);
            self.counters.bytes[slot(self.dir)].fetch_add(len, Ordering::Relaxed);
            let undelivered = self.copied.undelivered.load(Ordering::Relaxed);
            match self.events.try_send(Event::Data {
                conn: self.conn,
                dir: self.dir,
                at,
                bytes: chunk,
                dropped_before: undelivered,
            }) {
                Ok(()) => self.copied.undelivered.store(0, Ordering::Relaxed),
                Err(TrySendError::Full(_)) => {
                    self.copied.undelivered.fetch_add(len, Ordering::Relaxed);
                    self.counters.dropped_chunks.fetch_add(1, Ordering::Relaxed);
                    self.counters
                        .dropped_bytes
                        .fetch_add(len, Ordering::Relaxed);
                }
                // The display has stopped: forwarding goes on regardless.
                Err(TrySendError::Closed(_)) => {}
            }
        }
    }
}
