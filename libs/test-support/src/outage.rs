//! Outages on demand: a TCP forwarder in front of a real server that a test
//! can cut (every open connection dropped, new ones refused) and restore.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// Forwards `127.0.0.1:<port>` to a server while up.
pub struct Outage {
    port: u16,
    up: watch::Sender<bool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Outage {
    /// Starts forwarding to `target` (`host:port`), up.
    pub async fn in_front_of(target: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the forwarder")?;
        let port = listener.local_addr()?.port();
        let (up, up_rx) = watch::channel(true);
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn(serve(
            listener,
            port,
            target.to_owned(),
            up_rx,
            connections.clone(),
        ))
        .abort_handle();
        Ok(Self {
            port,
            up,
            connections,
            accept,
        })
    }

    /// The port clients connect to instead of the server's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server goes away: open connections drop, new ones are refused.
    pub fn cut(&self) {
        self.up.send_replace(false);
        for connection in self.connections.lock().expect("not poisoned").drain(..) {
            connection.abort();
        }
    }

    /// The server is back on the same port.
    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

async fn serve(
    mut listener: TcpListener,
    port: u16,
    target: String,
    mut up: watch::Receiver<bool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = up.changed() => {
                if *up.borrow() {
                    continue;
                }
                // Down: no listener, so connecting is refused, until up again.
                drop(listener);
                if up.wait_for(|up| *up).await.is_err() {
                    return;
                }
                listener = match rebind(port).await {
                    Some(listener) => listener,
                    None => return,
                };
                continue;
            }
        };
        let Ok((mut client, _)) = accepted else {
            continue;
        };
        let target = target.clone();
        let connection = tokio::spawn(async move {
            if let Ok(mut server) = TcpStream::connect(&target).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
        connections
            .lock()
            .expect("not poisoned")
            .push(connection.abort_handle());
    }
}

async fn rebind(port: u16) -> Option<TcpListener> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // The old socket may linger a moment.
    for _ in 0..50 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return Some(listener);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}
