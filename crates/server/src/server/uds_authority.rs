//! gRPC C-core clients (Python grpcio, C++, Ruby ...) connected to a Unix
//! socket send the percent-encoded socket path as `:authority`
//! (`tmp%2Ftollgate.sock`). h2 refuses that as a malformed authority and
//! resets the stream, so every call of theirs failed `INTERNAL`. On a Unix
//! socket the authority names nothing, so [`UdsAuthority`] mends it before
//! h2 reads it: in each header block the client sends, an `:authority`
//! value that is not a valid authority has every byte outside
//! `[A-Za-z0-9._~-]` replaced by `-` (`tmp-2Ftollgate.sock`).
//!
//! The value keeps its length, so an entry the client adds to the HPACK
//! dynamic table has the same size on both sides: the tables stay in step,
//! and later references to that entry read the mended value. Values sent
//! Huffman-coded are left alone (their decoded length cannot be kept
//! without decoding them; C-core sends this one plain). Everything else
//! passes through unchanged; a header block that does not parse is passed
//! on as it came (h2 then rejects it), and so is anything after a frame too
//! large to be valid.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The HPACK static table index of `:authority`.
const AUTHORITY_INDEX: u64 = 1;
/// The client connection preface.
const PREFACE_LEN: usize = 24;
const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;
/// The largest frame payload the server accepts (HTTP/2's default
/// `SETTINGS_MAX_FRAME_SIZE`, which the server keeps); larger frames are an
/// error h2 reports, so they are passed on without being held.
const MAX_FRAME: usize = 16_384;
/// The most header block bytes held while waiting for `END_HEADERS`.
const MAX_BLOCK: usize = 64 << 10;

/// A connection whose incoming header blocks have `:authority` mended.
pub(crate) struct UdsAuthority<T> {
    inner: T,
    /// Bytes read and not yet processed.
    input: Vec<u8>,
    /// Processed bytes not yet handed to the reader.
    output: Vec<u8>,
    preface_left: usize,
    /// A header block waiting for its CONTINUATION frames.
    pending: Option<Pending>,
    /// After a frame that cannot be valid: pass everything on unchanged.
    passthrough: bool,
    eof: bool,
}

struct Pending {
    stream: [u8; 4],
    flags: u8,
    priority: Option<[u8; 5]>,
    block: Vec<u8>,
    /// The frames as received, passed on unchanged if the block cannot be
    /// rewritten.
    raw: Vec<u8>,
}

impl<T> UdsAuthority<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            input: Vec::new(),
            output: Vec::new(),
            preface_left: PREFACE_LEN,
            pending: None,
            passthrough: false,
            eof: false,
        }
    }

    /// Moves what can be processed from `input` to `output`.
    fn process(&mut self) {
        if self.preface_left > 0 {
            let take = self.preface_left.min(self.input.len());
            self.output.extend(self.input.drain(..take));
            self.preface_left -= take;
            if self.preface_left > 0 {
                return;
            }
        }
        loop {
            if self.passthrough {
                if let Some(pending) = self.pending.take() {
                    self.output.extend_from_slice(&pending.raw);
                }
                self.output.append(&mut self.input);
                return;
            }
            let Some(header) = self.input.get(..9) else {
                return;
            };
            let len =
                usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
            let (kind, flags) = (header[3], header[4]);
            let stream = [header[5], header[6], header[7], header[8]];
            if len > MAX_FRAME {
                self.passthrough = true;
                continue;
            }
            if self.input.len() < 9 + len {
                return;
            }
            let frame: Vec<u8> = self.input.drain(..9 + len).collect();
            let payload = &frame[9..];
            match (kind, self.pending.take()) {
                (HEADERS, None) => match headers_fragment(flags, payload) {
                    Some((priority, fragment)) => {
                        let pending = Pending {
                            stream,
                            flags,
                            priority,
                            block: fragment.to_vec(),
                            raw: frame.clone(),
                        };
                        if flags & END_HEADERS != 0 {
                            self.finish(pending);
                        } else {
                            self.pending = Some(pending);
                        }
                    }
                    None => self.output.extend_from_slice(&frame),
                },
                (CONTINUATION, Some(mut pending)) if pending.stream == stream => {
                    pending.block.extend_from_slice(payload);
                    pending.raw.extend_from_slice(&frame);
                    if pending.block.len() > MAX_BLOCK {
                        self.pending = Some(pending);
                        self.passthrough = true;
                    } else if flags & END_HEADERS != 0 {
                        self.finish(pending);
                    } else {
                        self.pending = Some(pending);
                    }
                }
                (_, Some(pending)) => {
                    // A protocol error of the client's: pass it on for h2.
                    self.output.extend_from_slice(&pending.raw);
                    self.output.extend_from_slice(&frame);
                }
                (_, None) => self.output.extend_from_slice(&frame),
            }
        }
    }

    /// Writes a complete header block, its `:authority` mended when needed.
    fn finish(&mut self, pending: Pending) {
        let Some(block) = mend_authority(&pending.block) else {
            self.output.extend_from_slice(&pending.raw);
            return;
        };
        let priority = pending.priority.unwrap_or_default();
        let head_len = if pending.priority.is_some() { 5 } else { 0 };
        let mut chunks = block.chunks(MAX_FRAME - head_len).peekable();
        let mut first = true;
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            let (kind, mut flags, head) = if first {
                let flags = pending.flags & (END_STREAM | PRIORITY);
                (HEADERS, flags, &priority[..head_len])
            } else {
                (CONTINUATION, 0, &[][..])
            };
            if last {
                flags |= END_HEADERS;
            }
            let len = head.len() + chunk.len();
            self.output.extend_from_slice(&[
                (len >> 16) as u8,
                (len >> 8) as u8,
                len as u8,
                kind,
                flags,
            ]);
            self.output.extend_from_slice(&pending.stream);
            self.output.extend_from_slice(head);
            self.output.extend_from_slice(chunk);
            first = false;
        }
    }
}

/// A HEADERS payload's priority fields and header block fragment, or `None`
/// when the padding does not fit (h2 reports that).
fn headers_fragment(flags: u8, payload: &[u8]) -> Option<(Option<[u8; 5]>, &[u8])> {
    let (pad, mut rest) = if flags & PADDED != 0 {
        let (&pad, rest) = payload.split_first()?;
        (usize::from(pad), rest)
    } else {
        (0, payload)
    };
    let priority = if flags & PRIORITY != 0 {
        let fields: [u8; 5] = rest.get(..5)?.try_into().ok()?;
        rest = rest.get(5..)?;
        Some(fields)
    } else {
        None
    };
    let fragment = rest.get(..rest.len().checked_sub(pad)?)?;
    Some((priority, fragment))
}

/// The header block with each `:authority` value that is not a valid
/// authority made into one of the same length; `None` when there is none,
/// or the block does not parse.
pub(crate) fn mend_authority(block: &[u8]) -> Option<Vec<u8>> {
    let mut out = block.to_vec();
    let mut changed = false;
    let mut at = 0;
    while let Some(&first) = block.get(at) {
        if first & 0x80 != 0 {
            // Indexed field: nothing literal to change.
            at = integer(block, at, 7)?.1;
        } else if first & 0xe0 == 0x20 {
            // Dynamic table size update.
            at = integer(block, at, 5)?.1;
        } else {
            // A literal field: with incremental indexing (01), or without
            // indexing (0000) or never indexed (0001).
            let prefix_bits = if first & 0xc0 == 0x40 { 6 } else { 4 };
            let (index, next) = integer(block, at, prefix_bits)?;
            at = next;
            let is_authority = if index == 0 {
                let name_end = string_end(block, at)?;
                let name = &block[at..name_end];
                at = name_end;
                name.first() == Some(&10) && name.get(1..) == Some(&b":authority"[..])
            } else {
                index == AUTHORITY_INDEX
            };
            let value_start = at;
            at = string_end(block, at)?;
            if is_authority {
                changed |= sanitize(&mut out, value_start, at);
            }
        }
    }
    changed.then_some(out)
}

/// Makes the plain (not Huffman) string literal at `start..end` of `block`
/// a valid authority of the same length, when it is not one: every byte
/// but ASCII letters, digits, `.`, `_`, `~` and `-` becomes `-`. True when
/// it changed.
fn sanitize(block: &mut [u8], start: usize, end: usize) -> bool {
    let Some((&first, _)) = block.get(start..end).and_then(|s| s.split_first()) else {
        return false;
    };
    if first & 0x80 != 0 {
        // Huffman-coded: its decoded length cannot be kept without decoding.
        return false;
    }
    let Some(value_start) = string_value_start(block, start) else {
        return false;
    };
    let Some(value) = block.get_mut(value_start..end) else {
        return false;
    };
    if value.is_empty() || http::uri::Authority::try_from(&value[..]).is_ok() {
        return false;
    }
    for byte in value.iter_mut() {
        if !(byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'~' | b'-')) {
            *byte = b'-';
        }
    }
    true
}

/// Where the bytes of the string literal at `at` start.
fn string_value_start(block: &[u8], at: usize) -> Option<usize> {
    integer(block, at, 7).map(|(_, start)| start)
}

/// An HPACK integer with an `n`-bit prefix at `at`: its value and where it
/// ends.
fn integer(block: &[u8], at: usize, n: u32) -> Option<(u64, usize)> {
    let mask = (1u16 << n) as u8 - 1;
    let mut value = u64::from(block.get(at)? & mask);
    let mut at = at + 1;
    if value < u64::from(mask) {
        return Some((value, at));
    }
    let mut shift = 0;
    loop {
        let byte = *block.get(at)?;
        at += 1;
        if shift > 28 {
            return None;
        }
        value += u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
}

/// Where the string literal at `at` ends.
fn string_end(block: &[u8], at: usize) -> Option<usize> {
    let (len, start) = integer(block, at, 7)?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    (end <= block.len()).then_some(end)
}

impl<T: AsyncRead + Unpin> AsyncRead for UdsAuthority<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.output.is_empty() {
                let take = this.output.len().min(buf.remaining());
                buf.put_slice(&this.output[..take]);
                this.output.drain(..take);
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                // What is left cannot be completed: h2 sees it as it came.
                if let Some(pending) = this.pending.take() {
                    this.output.extend_from_slice(&pending.raw);
                }
                this.output.append(&mut this.input);
                if this.output.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            let mut chunk = [0u8; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {
                    if read.filled().is_empty() {
                        this.eof = true;
                    } else {
                        this.input.extend_from_slice(read.filled());
                        this.process();
                    }
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for UdsAuthority<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const SOCKET: &[u8] = b"%2Ftmp%2Ftollgate.sock";

    fn string(text: &[u8]) -> Vec<u8> {
        let mut out = vec![u8::try_from(text.len()).unwrap()];
        out.extend_from_slice(text);
        out
    }

    const MENDED: &[u8] = b"-2Ftmp-2Ftollgate.sock";

    #[test]
    fn invalid_authorities_are_mended_in_place() {
        // :path with a literal name (as grpcio sends it), a literal
        // `:authority` name, :method POST, then the static-name form and an
        // indexed reference to a dynamic entry (62), left as they are.
        let mut block = vec![0x40];
        block.extend(string(b":path"));
        block.extend(string(b"/a/b"));
        block.push(0x40);
        block.extend(string(b":authority"));
        block.extend(string(SOCKET));
        block.push(0x83);
        for kind in [0x41u8, 0x01, 0x11] {
            block.push(kind);
            block.extend(string(SOCKET));
        }
        block.push(0x80 | 62);
        let mended = mend_authority(&block).unwrap();
        let expected = String::from_utf8_lossy(&block).replace(
            std::str::from_utf8(SOCKET).unwrap(),
            std::str::from_utf8(MENDED).unwrap(),
        );
        assert_eq!(String::from_utf8_lossy(&mended), expected);
        assert_eq!(mended.len(), block.len());
        assert!(http::uri::Authority::try_from(MENDED).is_ok());
    }

    #[test]
    fn blocks_without_a_bad_authority_or_that_do_not_parse_are_left_alone() {
        assert_eq!(mend_authority(&[0x83, 0x86, 0x84]), None);
        let mut valid = vec![0x41];
        valid.extend(string(b"localhost:50051"));
        assert_eq!(mend_authority(&valid), None);
        // Huffman-coded (its length cannot be kept).
        assert_eq!(mend_authority(&[0x41, 0x82, 0xff, 0xff]), None);
        // A string running past the end.
        assert_eq!(mend_authority(&[0x41, 0x20, b'a']), None);
        // An integer that never ends.
        assert_eq!(mend_authority(&[0xff, 0xff, 0xff]), None);
    }

    #[tokio::test]
    async fn header_frames_are_rewritten_in_the_stream() {
        let (client, server) = tokio::io::duplex(1 << 16);
        let mut server = UdsAuthority::new(server);
        let mut client = client;
        let mut block = vec![0x83, 0x41];
        block.extend(string(SOCKET));
        let (first, second) = block.split_at(5);
        let mut sent = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        // SETTINGS (empty), then HEADERS without END_HEADERS, CONTINUATION.
        sent.extend_from_slice(&[0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
        sent.extend_from_slice(&[0, 0, first.len() as u8, HEADERS, END_STREAM, 0, 0, 0, 1]);
        sent.extend_from_slice(first);
        sent.extend_from_slice(&[
            0,
            0,
            second.len() as u8,
            CONTINUATION,
            END_HEADERS,
            0,
            0,
            0,
            1,
        ]);
        sent.extend_from_slice(second);
        // A DATA frame passes unchanged.
        sent.extend_from_slice(&[0, 0, 2, 0x0, 0, 0, 0, 0, 1, 7, 7]);
        client.write_all(&sent).await.unwrap();
        drop(client);
        let mut received = Vec::new();
        server.read_to_end(&mut received).await.unwrap();
        let rewritten = mend_authority(&block).unwrap();
        let mut expected = sent[..24 + 9].to_vec();
        expected.extend_from_slice(&[
            0,
            0,
            rewritten.len() as u8,
            HEADERS,
            END_STREAM | END_HEADERS,
            0,
            0,
            0,
            1,
        ]);
        expected.extend_from_slice(&rewritten);
        expected.extend_from_slice(&[0, 0, 2, 0x0, 0, 0, 0, 0, 1, 7, 7]);
        assert_eq!(received, expected);
    }
}
