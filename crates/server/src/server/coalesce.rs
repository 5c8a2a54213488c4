//! [`Coalesced`]: an HTTP/2 connection's socket that lets the calls that
//! are about to finish add their answers before the connection writes.
//!
//! hyper runs each HTTP/2 stream as its own task. When several calls
//! arrive together (one read carries their frames), their tasks are queued
//! on the worker; the first to answer wakes the connection's task, which
//! the runtime runs next (its LIFO slot), so it writes that one answer
//! alone, then the next, one `writev` per call. A `writev` on loopback TCP
//! runs the peer's receive path too: it was a fifth of the server's CPU per
//! unary call (`docs/performance.md`, "Per-call cost of `Authorize`").
//!
//! Before the first write of each flush, [`Coalesced`] yields once: it
//! wakes its own task and returns `Pending`, which puts the connection's
//! task at the back of the worker's queue, behind the stream tasks already
//! there. When it runs again, h2 gathers every answer queued meanwhile and
//! writes them with one call. Nothing is held back beyond that one turn of
//! the queue (a lone answer is written on the next poll), so deadlines,
//! keepalive PINGs and GOAWAY frames go out as before; reads are not
//! touched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `io`, yielding once before the first write of each flush.
#[derive(Debug)]
pub(crate) struct Coalesced<I> {
    io: I,
    /// The next write yields first; set again when a flush completes.
    armed: bool,
}

impl<I> Coalesced<I> {
    pub(crate) fn new(io: I) -> Self {
        Self { io, armed: true }
    }

    /// `Pending` (after waking the task) the first time it is asked after
    /// a flush; `Ready` from then on until the next flush completes.
    fn yield_once(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.armed {
            self.armed = false;
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Coalesced<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Coalesced<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.yield_once(cx));
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.yield_once(cx));
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.io).poll_flush(cx);
        if flushed.is_ready() {
            self.armed = true;
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn every_write_arrives_and_each_flush_yields_once() {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let mut coalesced = Coalesced::new(client);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        // The first write of a flush yields, the next goes through.
        assert!(
            Pin::new(&mut coalesced)
                .poll_write(&mut cx, b"ab")
                .is_pending()
        );
        assert!(matches!(
            Pin::new(&mut coalesced).poll_write(&mut cx, b"ab"),
            Poll::Ready(Ok(2))
        ));
        assert!(matches!(
            Pin::new(&mut coalesced).poll_write(&mut cx, b"cd"),
            Poll::Ready(Ok(2))
        ));
        assert!(Pin::new(&mut coalesced).poll_flush(&mut cx).is_ready());
        // After the flush it yields again, once.
        assert!(
            Pin::new(&mut coalesced)
                .poll_write(&mut cx, b"ef")
                .is_pending()
        );
        coalesced.write_all(b"ef").await.unwrap();
        coalesced.flush().await.unwrap();
        let mut got = [0u8; 6];
        tokio::io::AsyncReadExt::read_exact(&mut server, &mut got)
            .await
            .unwrap();
        assert_eq!(&got, b"abcdef");
    }
}
