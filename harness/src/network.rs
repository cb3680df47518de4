//! What can stand between the action and ToolJet: a TLS front signed by a private CA, a
//! forward proxy, a server that closes the connection. All on loopback.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A private certificate authority and a server certificate it signed for 127.0.0.1 and localhost.
pub struct PrivateCa {
    /// The CA's certificate, PEM: what a client must trust.
    pub ca_pem: String,
    server_cert: rustls::pki_types::CertificateDer<'static>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl PrivateCa {
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Fake ToolJet test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server params");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");
        Self {
            ca_pem: ca_cert.pem(),
            server_cert: server_cert.der().clone(),
            server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        }
    }
}

impl PrivateCa {
    /// No CA at all: one self-signed certificate for 127.0.0.1 and localhost that the server
    /// presents and a client must trust itself. `ca` marks it CA:TRUE, as `openssl req -x509`
    /// does by default, which TLS refuses as a server's own certificate.
    pub fn self_signed(ca: bool) -> Self {
        let key = KeyPair::generate().expect("key");
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("params");
        if ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        let cert = params.self_signed(&key).expect("certificate");
        Self {
            ca_pem: cert.pem(),
            server_cert: cert.der().clone(),
            server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        }
    }
}

impl Default for PrivateCa {
    fn default() -> Self {
        Self::new()
    }
}

/// Terminates TLS with the private CA's certificate and passes the bytes on to `backend`.
pub struct TlsFront {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsFront {
    pub async fn start(ca: &PrivateCa, backend: SocketAddr) -> std::io::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![ca.server_cert.clone()], ca.server_key.clone_key())
            .map_err(std::io::Error::other)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A failed handshake (an untrusting client) just ends this connection.
                    let (Ok(mut tls), Ok(mut plain)) = (
                        acceptor.accept(socket).await,
                        TcpStream::connect(backend).await,
                    ) else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        Ok(Self { addr, task })
    }

    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A forward proxy: `CONNECT host:port` tunnels, and absolute-form `GET http://...` requests
/// forwarded in origin form. It records the target of everything it carried.
pub struct ForwardProxy {
    pub addr: SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl ForwardProxy {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(proxy_one(socket, seen.clone()));
            }
        });
        Ok(Self {
            addr,
            targets,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `host:port` of each request or tunnel carried, in order.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("targets").clone()
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn proxy_one(socket: TcpStream, targets: Arc<Mutex<Vec<String>>>) {
    let mut client = BufReader::new(socket);
    let mut request_line = String::new();
    if client.read_line(&mut request_line).await.is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let (authority, path) = if method == "CONNECT" {
        (target.to_owned(), None)
    } else {
        let rest = target.strip_prefix("http://").unwrap_or(target);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        (authority.to_owned(), Some(format!("/{path}")))
    };
    targets.lock().expect("targets").push(authority.clone());
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        return;
    };
    match path {
        None => {
            // Skip the CONNECT request's headers, then tunnel.
            let mut line = String::new();
            while client.read_line(&mut line).await.is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = client
                .get_mut()
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await;
        }
        Some(path) => {
            let head = format!("{method} {path} {version}\r\n");
            if upstream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            // Whatever the reader buffered beyond the request line goes on unchanged.
            if upstream.write_all(client.buffer()).await.is_err() {
                return;
            }
        }
    }
    let mut client = client.into_inner();
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// How a [`HostileServer`] misbehaves on every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// `200 OK` with a JSON content type and a chunked body that never ends.
    EndlessBody,
    /// `400` whose JSON error message is this many bytes long.
    HugeError(usize),
    /// `200 OK` whose body arrives one small chunk every 50 ms, for as long as the client reads.
    Drip,
    /// Accepts the connection and never says anything: a TLS handshake with it never ends.
    Silent,
}

/// A server on loopback that answers every request the same hostile way.
pub struct HostileServer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl HostileServer {
    pub async fn start(misbehaviour: Misbehaviour) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().expect("address"), misbehaviour).await
    }

    pub async fn start_on(addr: SocketAddr, misbehaviour: Misbehaviour) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(misbehave(socket, misbehaviour));
            }
        });
        Ok(Self { addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn misbehave(socket: TcpStream, misbehaviour: Misbehaviour) {
    let mut client = BufReader::new(socket);
    if misbehaviour == Misbehaviour::Silent {
        // Hold the connection open, reading and discarding, until the client gives up.
        let mut sink = tokio::io::sink();
        let _ = tokio::io::copy(&mut client, &mut sink).await;
        return;
    }
    // The request head, then the answer; the request body is never needed.
    let mut line = String::new();
    while client.read_line(&mut line).await.is_ok_and(|n| n > 2) {
        line.clear();
    }
    let mut socket = client.into_inner();
    let (status, chunk, pause) = match misbehaviour {
        Misbehaviour::EndlessBody => ("200 OK", vec![b' '; 64 * 1024], None),
        Misbehaviour::Drip => ("200 OK", vec![b' '; 16], Some(50)),
        Misbehaviour::HugeError(size) => {
            let body = format!(r#"{{"statusCode":400,"message":"{}"}}"#, "x".repeat(size));
            let head = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
            return;
        }
        Misbehaviour::Silent => unreachable!("handled above"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let framed = [
        format!("{:x}\r\n", chunk.len()).into_bytes(),
        chunk,
        b"\r\n".to_vec(),
    ]
    .concat();
    // Ends when the client hangs up.
    while socket.write_all(&framed).await.is_ok() {
        if let Some(ms) = pause {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
    }
}
