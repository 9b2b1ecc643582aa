//! Connections: the accept loop, its caps and timeouts, and the shutdown deadline.
//!
//! What the ecosystem does, it does here: hyper's HTTP/1 builder closes a connection whose
//! request head does not arrive within [`ServerConfig::header_timeout`] — counted from the
//! moment the connection opens and again from the end of each response, so the one timer is
//! both the slow-header (slowloris) and the idle keep-alive timeout (hyper 1.12 has no
//! separate idle timer); tower-http's timeout layers (in [`super::app`]) bound the request
//! body and the handling. Written by hand, because none of them does it: the graceful
//! drain of upgradeable connections (see [`serve_connections`]), the connection caps (a tokio
//! [`Semaphore`] for the global one, a map of counts for the per-address one: tower's
//! `ConcurrencyLimit` counts requests inside one connection's service, not connections, and
//! waits instead of refusing), the refusal, and closing what is left at the deadline.
//!
//! Refusals: past the global cap a connection gets a fixed `503` with `Retry-After` and is
//! closed; past the per-address cap it is closed without an answer (no bytes for whoever
//! holds that many sockets open). Both are logged, at most once per
//! [`REFUSAL_LOG_EVERY`] per kind, with the count since the last line.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::Service;

use super::ServerConfig;

/// File descriptors kept free of connections: the database, its WAL, the listener, logs.
const RESERVED_FDS: u64 = 64;
/// Refusal lines in the log, at most one per kind this often.
pub const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);
/// hyper's read buffer per connection at most (its default is ~400 KB): a request head and
/// the body arrive through it, so this bounds what a connection can make the server hold.
const MAX_CONNECTION_BUFFER: usize = 64 * 1024;
/// The answer past the global cap.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
retry-after: 5\r\n\
connection: close\r\n\
content-length: 46\r\n\
\r\n\
the server has too many connections; retry.\r\n";

/// The connection cap that fits the process's file-descriptor limit: `wanted`, or less if
/// `RLIMIT_NOFILE` (raised to its hard limit first) leaves less room.
pub fn connection_cap(wanted: usize) -> usize {
    let room = fd_limit().saturating_sub(RESERVED_FDS).max(1);
    wanted
        .min(usize::try_from(room).unwrap_or(usize::MAX))
        .max(1)
}

#[cfg(unix)]
fn fd_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum) {
        if current < maximum {
            let raised = Rlimit {
                current: Some(maximum),
                maximum: Some(maximum),
            };
            if setrlimit(Resource::Nofile, raised).is_ok() {
                return maximum;
            }
        }
    }
    limit.current.unwrap_or(u64::MAX)
}

#[cfg(not(unix))]
fn fd_limit() -> u64 {
    u64::MAX
}

/// Open connections per client address. IPv6 clients are counted per /64, the block one
/// host is usually given (one host could otherwise open each socket from a new address).
struct PerAddress {
    limit: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection's places under the caps (the global permit and its address's slot), shared
/// with an upgraded WebSocket: the connection's task ends at the upgrade, the socket lives
/// on in the handler's task (`server::rooms`), and the places are given back only when both
/// are gone — so WebSockets count against `--max-connections` and the per-address cap too.
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<(OwnedSemaphorePermit, AddressSlot)>);

/// One connection's place in [`PerAddress`]; gives it back when dropped.
struct AddressSlot {
    table: Arc<PerAddress>,
    key: IpAddr,
}

fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
        v4 => v4,
    }
}

impl PerAddress {
    fn enter(table: &Arc<PerAddress>, ip: IpAddr) -> Option<AddressSlot> {
        let key = address_key(ip);
        let mut open = table.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= table.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            table: table.clone(),
            key,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Counts refusals of one kind and logs them at most once per [`REFUSAL_LOG_EVERY`].
struct RefusalLog {
    what: &'static str,
    started: Instant,
    /// Milliseconds since `started` of the last line, and refusals since.
    last_ms: AtomicU64,
    since: AtomicU64,
}

impl RefusalLog {
    fn new(what: &'static str) -> RefusalLog {
        RefusalLog {
            what,
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
            since: AtomicU64::new(0),
        }
    }

    fn note(&self, detail: impl std::fmt::Display) {
        let count = self.since.fetch_add(1, Ordering::Relaxed) + 1;
        let now_ms =
            self.started.elapsed().as_millis() as u64 + REFUSAL_LOG_EVERY.as_millis() as u64;
        let last = self.last_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= REFUSAL_LOG_EVERY.as_millis() as u64
            && self
                .last_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.since.store(0, Ordering::Relaxed);
            tracing::warn!("{} ({count} since the last such line): {detail}", self.what);
        }
    }
}

/// Answers 503 and closes, without waiting: what the client already sent is read and
/// dropped first, so that the close does not turn into a reset that loses the answer.
fn refuse_busy(stream: TcpStream) {
    let mut sink = [0u8; 4096];
    while matches!(stream.try_read(&mut sink), Ok(n) if n > 0) {}
    let _ = stream.try_write(BUSY);
    if let Ok(std) = stream.into_std() {
        let _ = std.shutdown(std::net::Shutdown::Write);
    }
}

/// Serves `router` on `listener` until `shutdown`; then stops accepting, lets open
/// connections finish for at most [`ServerConfig::shutdown_timeout`], and closes the rest.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cap = connection_cap(config.max_connections);
    if cap < config.max_connections {
        tracing::warn!(
            "--max-connections {} does not fit the file-descriptor limit: capped at {cap}",
            config.max_connections
        );
    }
    let slots = Arc::new(Semaphore::new(cap));
    let per_address = Arc::new(PerAddress {
        limit: config.max_connections_per_ip.max(1),
        open: Mutex::new(HashMap::new()),
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_CONNECTION_BUFFER);
    // Graceful shutdown by hand: hyper-util's `GracefulShutdown` (0.1.21) takes hyper's
    // plain HTTP/1 connection or its own `auto` connections, not hyper's upgradeable one
    // that the team drills' WebSockets need; and the `auto` builder reads the protocol
    // preface before hyper's header-read timer starts, so a connection that never sends a
    // byte would stay open (tried: `hardening.rs`'s silent connection then fails). A
    // connection that sees the signal finishes its request in flight and closes.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let busy_log = RefusalLog::new("refused connections: the server is at --max-connections");
    let address_log =
        RefusalLog::new("closed connections: an address is at --max-connections-per-ip");
    let accept_log = RefusalLog::new("accept failed");

    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors (EMFILE/ENFILE) or a connection reset before
                    // it was accepted: say so, and give closing connections time.
                    accept_log.note(&e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(address_slot) = PerAddress::enter(&per_address, peer.ip()) else {
            address_log.note(peer.ip());
            drop(stream);
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            busy_log.note(peer);
            refuse_busy(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let held = ConnectionSlot(Arc::new((slot, address_slot)));
        let service = hyper::service::service_fn({
            let (router, held) = (router.clone(), held.clone());
            move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(held.clone());
                router.clone().call(request)
            }
        });
        let connection = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let _held = held;
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = async { let _ = stop.wait_for(|stop| *stop).await; } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);

    let open = connections.len();
    if open > 0 {
        tracing::info!(
            "shutting down: {open} connection(s) open, waiting up to {} ms",
            config.shutdown_timeout.as_millis()
        );
    }
    let drained = async {
        let _ = stop_tx.send(true);
        while connections.join_next().await.is_some() {}
    };
    if tokio::time::timeout(config.shutdown_timeout, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            "shutdown deadline ({} ms) passed: closing {} connection(s) still open",
            config.shutdown_timeout.as_millis(),
            connections.len()
        );
    }
    connections.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_host_is_counted_per_64_and_a_mapped_ipv4_as_itself() {
        let table = Arc::new(PerAddress {
            limit: 2,
            open: Mutex::new(HashMap::new()),
        });
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let first = PerAddress::enter(&table, a).unwrap();
        let _second = PerAddress::enter(&table, b).unwrap();
        assert!(PerAddress::enter(&table, a).is_none(), "same /64");
        assert!(PerAddress::enter(&table, other).is_some());
        drop(first);
        assert!(PerAddress::enter(&table, b).is_some(), "a slot given back");
        let mapped: IpAddr = "::ffff:127.0.0.9".parse().unwrap();
        assert_eq!(address_key(mapped), "127.0.0.9".parse::<IpAddr>().unwrap());
    }
}
