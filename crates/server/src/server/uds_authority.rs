//! gRPC C-core clients (Python grpcio, C++, Ruby ...) connected to a Unix
//! socket send the percent-encoded socket path as `:authority`
//! (`%2Frun%2Ftollgate.sock`). h2 refuses that as a malformed authority and
//! resets the stream, so every call of theirs failed `INTERNAL`. On a Unix
//! socket the authority names nothing, so [`UdsAuthority`] renames the
//! field before h2 reads it: in each header block the client sends, a
//! field named by the HPACK static table's `:authority` entry becomes a
//! literal field named `x-uds-host` with the very same value bytes.
//!
//! The new name has the length of `:authority` (10 bytes) and the value is
//! copied as it was encoded (Huffman or not, never decoded), so an entry
//! the client adds to the HPACK dynamic table has the same size on both
//! sides: the tables stay in step, and later references to that entry
//! simply read `x-uds-host`. Everything else passes through unchanged; a
//! header block that does not parse is passed on as it came (h2 then
//! rejects it), and so is anything after a frame too large to be valid.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What `:authority` is renamed to (as long as `:authority`).
const RENAMED: &[u8; 10] = b"x-uds-host";
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

/// A connection whose incoming header blocks have `:authority` renamed.
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
            let len = usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
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

    /// Writes a complete header block, rewritten when it names `:authority`.
    fn finish(&mut self, pending: Pending) {
        let Some(block) = rename_authority(&pending.block) else {
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

/// The header block with every field named by the static `:authority`
/// entry renamed; `None` when there is none, or the block does not parse.
pub(crate) fn rename_authority(block: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(block.len() + 16);
    let mut changed = false;
    let mut at = 0;
    while let Some(&first) = block.get(at) {
        let start = at;
        if first & 0x80 != 0 {
            // Indexed field.
            let (index, next) = integer(block, at, 7)?;
            at = next;
            if index == AUTHORITY_INDEX {
                // `:authority` with the static entry's empty value.
                out.push(0x00);
                push_name(&mut out);
                out.push(0x00);
                changed = true;
            } else {
                out.extend_from_slice(&block[start..at]);
            }
        } else if first & 0xe0 == 0x20 {
            // Dynamic table size update.
            let (_, next) = integer(block, at, 5)?;
            at = next;
            out.extend_from_slice(&block[start..at]);
        } else {
            // A literal field: with incremental indexing (01), or without
            // indexing (0000) or never indexed (0001).
            let (prefix_bits, kind) = if first & 0xc0 == 0x40 {
                (6, 0x40)
            } else {
                (4, first & 0xf0)
            };
            let (index, next) = integer(block, at, prefix_bits)?;
            at = next;
            if index == 0 {
                let name_start = at;
                let name_end = string_end(block, at)?;
                let value_end = string_end(block, name_end)?;
                let name = &block[name_start..name_end];
                if name.first() == Some(&10) && name.get(1..) == Some(&b":authority"[..]) {
                    out.push(kind);
                    push_name(&mut out);
                    changed = true;
                } else {
                    out.extend_from_slice(&block[start..name_end]);
                }
                out.extend_from_slice(&block[name_end..value_end]);
                at = value_end;
            } else {
                let value_end = string_end(block, at)?;
                if index == AUTHORITY_INDEX {
                    out.push(kind);
                    push_name(&mut out);
                    changed = true;
                } else {
                    out.extend_from_slice(&block[start..at]);
                }
                out.extend_from_slice(&block[at..value_end]);
                at = value_end;
            }
        }
    }
    changed.then_some(out)
}

/// The renamed field's name as a plain (not Huffman) string literal.
fn push_name(out: &mut Vec<u8>) {
    out.push(10);
    out.extend_from_slice(RENAMED);
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

    #[test]
    fn the_static_authority_is_renamed_with_its_value_kept() {
        // :method POST (indexed 3), :authority with incremental indexing and
        // the static name, then an indexed reference to the new entry (62).
        let mut block = vec![0x83, 0x41];
        block.extend(string(SOCKET));
        block.push(0x80 | 62);
        let renamed = rename_authority(&block).unwrap();
        let mut expected = vec![0x83, 0x40];
        expected.extend(string(RENAMED));
        expected.extend(string(SOCKET));
        expected.push(0x80 | 62);
        assert_eq!(renamed, expected);
        // Without indexing, never indexed, and a literal `:authority` name.
        for kind in [0x00u8, 0x10] {
            let mut block = vec![kind | 1];
            block.extend(string(SOCKET));
            let mut expected = vec![kind];
            expected.extend(string(RENAMED));
            expected.extend(string(SOCKET));
            assert_eq!(rename_authority(&block).unwrap(), expected);
        }
        let mut literal = vec![0x40];
        literal.extend(string(b":authority"));
        literal.extend(string(SOCKET));
        let mut expected = vec![0x40];
        expected.extend(string(RENAMED));
        expected.extend(string(SOCKET));
        assert_eq!(rename_authority(&literal).unwrap(), expected);
    }

    #[test]
    fn blocks_without_authority_or_that_do_not_parse_are_left_alone() {
        assert_eq!(rename_authority(&[0x83, 0x86, 0x84]), None);
        // A string running past the end.
        assert_eq!(rename_authority(&[0x41, 0x20, b'a']), None);
        // An integer that never ends.
        assert_eq!(rename_authority(&[0xff, 0xff, 0xff]), None);
    }

    #[tokio::test]
    async fn header_frames_are_rewritten_in_the_stream() {
        let (client, server) = tokio::io::duplex(1 << 16);
        let mut server = UdsAuthority::new(server);
        let mut client = client;
        let mut block = vec![0x83, 0x41];
        block.extend(string(SOCKET));
        let (first, second) = block.split_at(3);
        let mut sent = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        // SETTINGS (empty), then HEADERS without END_HEADERS, CONTINUATION.
        sent.extend_from_slice(&[0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
        sent.extend_from_slice(&[0, 0, first.len() as u8, HEADERS, END_STREAM, 0, 0, 0, 1]);
        sent.extend_from_slice(first);
        sent.extend_from_slice(&[0, 0, second.len() as u8, CONTINUATION, END_HEADERS, 0, 0, 0, 1]);
        sent.extend_from_slice(second);
        // A DATA frame passes unchanged.
        sent.extend_from_slice(&[0, 0, 2, 0x0, 0, 0, 0, 0, 1, 7, 7]);
        client.write_all(&sent).await.unwrap();
        drop(client);
        let mut received = Vec::new();
        server.read_to_end(&mut received).await.unwrap();
        let rewritten = rename_authority(&block).unwrap();
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
