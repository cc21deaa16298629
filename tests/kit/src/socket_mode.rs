//! Slack Socket Mode's WebSocket end: the HTTP [`crate::Fake`] hands its URL
//! out from `apps.connections.open` ([`crate::Fake::use_socket_mode`]); each
//! connection the bot opens is handed to the test, which speaks the
//! protocol on it (`hello`, envelopes, `disconnect`) and reads the acks.

use futures::StreamExt;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// A server-side Socket Mode connection.
pub type SocketModeConnection = WebSocketStream<TcpStream>;

/// The WebSocket listener.
pub struct SocketModeFake {
    /// `ws://127.0.0.1:<port>/link/?ticket=…`, as Slack's URLs look.
    pub url: String,
    connections: Mutex<mpsc::UnboundedReceiver<SocketModeConnection>>,
}

impl SocketModeFake {
    /// Starts listening on 127.0.0.1 (inside a tokio runtime).
    pub async fn start() -> SocketModeFake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/link/?ticket=t1", listener.local_addr().unwrap());
        let (tx, connections) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                    let _ = tx.send(ws);
                }
            }
        });
        SocketModeFake {
            url,
            connections: Mutex::new(connections),
        }
    }

    /// The next connection the bot opens; panics after
    /// [`crate::wait::PATIENCE`].
    pub async fn accept(&self) -> SocketModeConnection {
        tokio::time::timeout(crate::wait::PATIENCE, self.connections.lock().await.recv())
            .await
            .expect("the bot connects within the patience")
            .expect("listener running")
    }
}

/// The next JSON text frame on `ws` (the bot's acks); panics after
/// [`crate::wait::PATIENCE`].
pub async fn next_json(ws: &mut SocketModeConnection) -> Value {
    loop {
        let msg = tokio::time::timeout(crate::wait::PATIENCE, ws.next())
            .await
            .expect("a frame within the patience")
            .expect("socket open")
            .expect("a WebSocket frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).expect("a JSON frame");
        }
    }
}
