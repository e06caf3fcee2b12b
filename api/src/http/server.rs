//! Serving connections (DESIGN.md section 18): hyper's HTTP/1.1 under deadlines a client
//! cannot stretch, and a cap on connections.
//!
//! poem's `Server` offers only an inactivity timeout, which a client trickling one byte at a
//! time never meets, and hyper's `header_read_timeout` also closes keep-alive connections that
//! are merely idle. So each connection carries a [`Watch`] of its phase, with one deadline:
//!
//! - **head**: from the first byte of a request (or the connection's opening) its headers must
//!   be in within `HEADER_TIMEOUT`, however slowly they trickle;
//! - **body**: from the headers, the whole body within `BODY_TIMEOUT`;
//! - **busy**: the request is being answered; no deadline (the work is the server's own);
//! - **idle**: after an answer, the next request must start (or a slow reader take more of the
//!   answer) within `IDLE_TIMEOUT`.
//!
//! A connection past its deadline is dropped (its socket closed). Past `MAX_CONNECTIONS`, the
//! server stops accepting: new connections wait in the kernel's queue (and are refused when
//! that is full) while the open ones are served.

use std::{
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, ready},
    time::Duration,
};

use bytes::Bytes;
use http_body_util::{BodyExt, combinators::BoxBody};
use hyper::{
    body::{Body as HttpBody, Frame, Incoming, SizeHint},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use poem::{
    Endpoint, Response,
    endpoint::BoxEndpoint,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::Semaphore,
    time::{Instant, Sleep},
};
use tokio_util::sync::CancellationToken;

use crate::config::Limits;

/// What happens on the connections, for the metrics.
pub trait Observer: Send + Sync + 'static {
    /// A connection was accepted (`open` now open, this one included).
    fn opened(&self, open: usize);
    /// A connection ended (`open` still open), or was dropped for missing a deadline.
    fn closed(&self, open: usize, timed_out: Option<Phase>);
}

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting, lets each
/// connection finish the request it is on, and waits up to `grace` for them.
pub async fn serve(
    listener: TcpListener,
    app: BoxEndpoint<'static, Response>,
    limits: Limits,
    observer: Arc<dyn Observer>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> io::Result<()> {
    let app = Arc::new(app);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let stopping = CancellationToken::new();
    let local = LocalAddr(listener.local_addr()?.into());
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or the peer gave up: pause rather than spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let open = limits.max_connections - slots.available_permits();
        observer.opened(open);
        let connection =
            Connection { app: app.clone(), limits, local: local.clone(), peer, stopping: stopping.clone() };
        let (observer, slots_left) = (observer.clone(), slots.clone());
        tokio::spawn(async move {
            let timed_out = connection.run(stream).await;
            drop(slot);
            observer.closed(limits.max_connections - slots_left.available_permits(), timed_out);
        });
    }
    drop(listener);
    stopping.cancel();
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(grace, slots.acquire_many(all)).await.is_err() {
        tracing::warn!("stopped with connections still open after the grace period");
    }
    Ok(())
}

struct Connection {
    app: Arc<BoxEndpoint<'static, Response>>,
    limits: Limits,
    local: LocalAddr,
    peer: SocketAddr,
    stopping: CancellationToken,
}

impl Connection {
    /// Serves one connection to its end; answers the phase whose deadline it missed, if any.
    async fn run(self, stream: TcpStream) -> Option<Phase> {
        let watch = Arc::new(Watch::new(self.limits));
        let io = TokioIo::new(Watched { inner: stream, watch: watch.clone() });
        let (app, local, remote) = (self.app, self.local, RemoteAddr(self.peer.into()));
        let service = service_fn({
            let watch = watch.clone();
            move |req: hyper::Request<Incoming>| {
                let (app, local, remote, watch) = (app.clone(), local.clone(), remote.clone(), watch.clone());
                async move {
                    let (parts, body) = req.into_parts();
                    watch.enter(if body.is_end_stream() { Phase::Busy } else { Phase::Body });
                    let body = BoxBody::new(
                        WatchedBody { inner: body, watch: watch.clone() }.map_err(io::Error::other),
                    );
                    let parts =
                        poem::RequestParts::from((parts, local, remote, poem::http::uri::Scheme::HTTP));
                    let resp =
                        app.get_response(poem::Request::from_parts(parts, poem::Body::from(body))).await;
                    watch.enter(Phase::Idle);
                    Ok::<_, Infallible>(hyper::Response::<_>::from(resp))
                }
            }
        });
        let conn = http1::Builder::new().keep_alive(true).serve_connection(io, service);
        let mut conn = std::pin::pin!(conn);
        let mut stopping = std::pin::pin!(self.stopping.cancelled_owned());
        let mut sleep: Pin<Box<Sleep>> = Box::pin(tokio::time::sleep(self.limits.idle_timeout));
        let mut draining = false;
        std::future::poll_fn(|cx| {
            if conn.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            if !draining && stopping.as_mut().poll(cx).is_ready() {
                // Finish the request in progress, then close; an idle connection closes now.
                draining = true;
                conn.as_mut().graceful_shutdown();
                if conn.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
            }
            // Read after polling the connection: whatever it just did is in the deadline.
            if let Some((phase, deadline)) = watch.deadline() {
                if sleep.deadline() != deadline {
                    sleep.as_mut().reset(deadline);
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(phase));
                }
            }
            Poll::Pending
        })
        .await
    }
}

/// Where a connection is in its request cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a request's headers.
    Head,
    /// Waiting for a request's body.
    Body,
    /// Answering.
    Busy,
    /// Between requests.
    Idle,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Head => "header",
            Self::Body => "body",
            Self::Busy => "busy",
            Self::Idle => "idle",
        }
    }
}

/// A connection's phase and deadline.
struct Watch {
    limits: Limits,
    state: Mutex<(Phase, Option<Instant>)>,
}

impl Watch {
    /// A new connection must send its first request's headers in time.
    fn new(limits: Limits) -> Self {
        Self { limits, state: Mutex::new((Phase::Head, Some(Instant::now() + limits.header_timeout))) }
    }

    fn enter(&self, phase: Phase) {
        let deadline = match phase {
            Phase::Head => self.limits.header_timeout,
            Phase::Body => self.limits.body_timeout,
            Phase::Idle => self.limits.idle_timeout,
            Phase::Busy => {
                *self.lock() = (phase, None);
                return;
            }
        };
        *self.lock() = (phase, Some(Instant::now() + deadline));
    }

    /// Bytes arrived: between requests, a new request has begun.
    fn read(&self) {
        if self.lock().0 == Phase::Idle {
            self.enter(Phase::Head);
        }
    }

    /// Bytes left: between requests, a slow reader is still taking the answer.
    fn wrote(&self) {
        if self.lock().0 == Phase::Idle {
            self.enter(Phase::Idle);
        }
    }

    /// The body has been read whole.
    fn body_read(&self) {
        if self.lock().0 == Phase::Body {
            self.enter(Phase::Busy);
        }
    }

    fn deadline(&self) -> Option<(Phase, Instant)> {
        let (phase, deadline) = *self.lock();
        deadline.map(|at| (phase, at))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Phase, Option<Instant>)> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The socket, telling the watch when bytes come and go.
struct Watched {
    inner: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.watch.read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        if written > 0 {
            self.watch.wrote();
        }
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        if written > 0 {
            self.watch.wrote();
        }
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body, telling the watch when it has been read whole.
struct WatchedBody {
    inner: Incoming,
    watch: Arc<Watch>,
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() || self.inner.is_end_stream() {
            self.watch.body_read();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
