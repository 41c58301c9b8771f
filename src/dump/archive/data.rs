//! The data of an entry: the blocks of a custom archive (pg_backup_custom.c) and the data files
//! of a directory archive (pg_backup_directory.c), streamed through their decompressor with a
//! fixed buffer and counted as COPY rows. Nothing is ever held whole.

use super::error::{ArchiveError, Part};
use super::primitives::{Fault, Primitives};
use super::{Archive, Compression};
use memchr::memchr_iter;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

/// Block types of the custom format (pg_backup_custom.c `BLK_*`).
const BLK_DATA: u8 = 1;
const BLK_BLOBS: u8 = 3;

/// The size of every read buffer.
const BUF_SIZE: usize = 64 * 1024;

/// COPY text rows as they stream by: the lines before the `\.` line, or before the end of the
/// data. Data lines cannot be `\.`: COPY escapes a backslash in a value as `\\`, and a newline
/// as `\n`, so one line is one row.
#[derive(Debug, Default)]
pub(crate) struct RowCounter {
    rows: u64,
    /// Bytes of the current line so far, and its first two.
    line_len: u64,
    head: [u8; 2],
    ended: bool,
}

impl RowCounter {
    /// Counts the lines of the next bytes of the stream.
    pub(crate) fn feed(&mut self, buf: &[u8]) {
        if self.ended {
            return;
        }
        let mut start = 0;
        for newline in memchr_iter(b'\n', buf) {
            self.extend(&buf[start..newline]);
            if self.at_terminator() {
                self.ended = true;
                return;
            }
            self.rows += 1;
            self.line_len = 0;
            start = newline + 1;
        }
        self.extend(&buf[start..]);
    }

    fn extend(&mut self, part: &[u8]) {
        let filled = self.line_len.min(2) as usize;
        for (slot, &b) in self.head[filled..].iter_mut().zip(part) {
            *slot = b;
        }
        self.line_len += part.len() as u64;
    }

    fn at_terminator(&self) -> bool {
        self.line_len == 2 && self.head == *b"\\."
    }

    /// The rows counted; a last line without its newline counts too.
    pub(crate) fn finish(&self) -> u64 {
        let open_line = !self.ended && self.line_len > 0 && !self.at_terminator();
        self.rows + u64::from(open_line)
    }
}

/// COPY rows counted in a stream, and whether it ended with the `\.` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counted {
    pub rows: u64,
    pub terminated: bool,
}

/// Reads `src` to its end and counts its COPY rows. It reads past the `\.` line, so that a
/// damaged end of the stream is still found.
pub(crate) fn count_copy_rows(mut src: impl Read) -> io::Result<Counted> {
    let mut buf = vec![0u8; BUF_SIZE];
    let mut counter = RowCounter::default();
    loop {
        match src.read(&mut buf) {
            Ok(0) => {
                return Ok(Counted {
                    rows: counter.finish(),
                    terminated: counter.ended,
                })
            }
            Ok(n) => counter.feed(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// pg_dump ends the COPY data of every table with `\.` (pg_dump.c `dumpTableData_copy`), in
/// every archive format: data without it was cut short.
const UNTERMINATED: &str = "the COPY data ends without its \\. line";

/// The chunks of one custom-format data block as one stream: an `int` length and that many
/// bytes, until a zero length. A fault in the framing is kept here for the caller (the
/// decompressor above only passes on an opaque I/O error).
struct Chunks<'a, R> {
    p: &'a mut Primitives<R>,
    left: u64,
    done: bool,
    fault: Option<Fault>,
}

impl<'a, R: Read> Chunks<'a, R> {
    fn new(p: &'a mut Primitives<R>) -> Self {
        Chunks {
            p,
            left: 0,
            done: false,
            fault: None,
        }
    }

    fn fail(&mut self, fault: Fault) -> io::Error {
        self.fault = Some(fault);
        io::Error::other("damaged data block")
    }

    /// Reads the rest of the block (after a decompressor stopped at the end of its stream), so
    /// that its end is checked too.
    fn drain(&mut self) -> io::Result<()> {
        let mut sink = [0u8; 4096];
        while self.read(&mut sink)? > 0 {}
        Ok(())
    }
}

impl<R: Read> Read for Chunks<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.left == 0 {
            if self.done {
                return Ok(0);
            }
            match self.p.int() {
                Ok(0) => self.done = true,
                Ok(len) if len > 0 => self.left = len.unsigned_abs(),
                Ok(len) => {
                    let fault = self.p.corrupt(format!("chunk length {len}"));
                    return Err(self.fail(fault));
                }
                Err(fault) => return Err(self.fail(fault)),
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        match self.p.fill_some(&mut buf[..want]) {
            Ok(n) => {
                self.left -= n as u64;
                Ok(n)
            }
            Err(fault) => Err(self.fail(fault)),
        }
    }
}

/// The file beneath a decompressor, watched: its first I/O error tells a failing disk from
/// corrupt data, and reaching its end tells a cut file (the decompressor wanted more).
struct Tracked<R> {
    inner: R,
    fault: Option<io::Error>,
    at_end: bool,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf);
        match &read {
            Ok(0) if !buf.is_empty() => self.at_end = true,
            Err(e) if self.fault.is_none() && e.kind() != io::ErrorKind::Interrupted => {
                self.fault = Some(io::Error::new(e.kind(), e.to_string()));
            }
            _ => {}
        }
        read
    }
}

/// The largest zstd window accepted: zstd's own default limit for decoding
/// (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`, 2^27 bytes), which pg_restore keeps too (`pg_dump -Z
/// zstd:long` writes exactly 2^27). ruzstd holds up to a window of output before it lets any
/// go, so a larger window, true or lying, could hold a whole table in memory.
const ZSTD_MAX_WINDOW: u64 = 1 << 27;

/// A reader that first gives back the bytes of a frame header read ahead of the decoder.
struct Replay<R> {
    head: Vec<u8>,
    at: usize,
    inner: R,
}

impl<R: Read> Read for Replay<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at < self.head.len() {
            let n = buf.len().min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

impl<R: Read> Replay<R> {
    /// Reads `count` more bytes of the header; fewer only at the end of the input.
    fn read_ahead(&mut self, count: usize) -> io::Result<usize> {
        let start = self.head.len();
        self.head.resize(start + count, 0);
        let mut done = 0;
        while done < count {
            match self.inner.read(&mut self.head[start + done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.head.truncate(start + done);
        Ok(done)
    }

    /// Reads the header of the next frame ahead, checks its window and rewinds to replay it;
    /// `false` at the end of the input.
    fn next_frame(&mut self) -> io::Result<bool> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidData, msg);
        let short = || io::Error::new(io::ErrorKind::UnexpectedEof, "zstd frame header cut short");
        self.head.clear();
        self.at = 0;
        match self.read_ahead(5)? {
            0 => return Ok(false),
            5 => {}
            _ => return Err(short()),
        }
        if self.head[..4] != [0x28, 0xb5, 0x2f, 0xfd] {
            return Err(invalid("not a zstd frame".into()));
        }
        // RFC 8878 3.1.1.1: the frame header descriptor says which fields follow.
        let descriptor = self.head[4];
        let single_segment = descriptor & 0x20 != 0;
        let dict_id_len = [0, 1, 2, 4][usize::from(descriptor & 3)];
        let size_len = match descriptor >> 6 {
            0 => usize::from(single_segment),
            1 => 2,
            2 => 4,
            _ => 8,
        };
        let rest = usize::from(!single_segment) + dict_id_len + size_len;
        if self.read_ahead(rest)? < rest {
            return Err(short());
        }
        let window = if single_segment {
            // The window is the content size.
            let field = &self.head[5 + dict_id_len..];
            let mut size = field
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            if size_len == 2 {
                size += 256;
            }
            size
        } else {
            let descriptor = self.head[5];
            let base = 1u64 << (10 + (descriptor >> 3));
            base + (base / 8) * u64::from(descriptor & 7)
        };
        if window > ZSTD_MAX_WINDOW {
            return Err(invalid(format!(
                "zstd window of {window} bytes, more than the {ZSTD_MAX_WINDOW} zstd decodes by default"
            )));
        }
        Ok(true)
    }
}

/// Zstandard frames one after the other (pg_dump writes one per block or file; more are
/// legal), decoded by ruzstd.
enum ZstdFrames<R: Read> {
    Between(Replay<R>),
    InFrame(Box<ruzstd::decoding::StreamingDecoder<Replay<R>, ruzstd::decoding::FrameDecoder>>),
    Failed,
}

impl<R: Read> ZstdFrames<R> {
    fn new(src: R) -> Self {
        ZstdFrames::Between(Replay {
            head: Vec::with_capacity(18),
            at: 0,
            inner: src,
        })
    }
}

impl<R: Read> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match std::mem::replace(self, ZstdFrames::Failed) {
                ZstdFrames::Between(mut src) => {
                    if !src.next_frame()? {
                        *self = ZstdFrames::Between(src);
                        return Ok(0);
                    }
                    let frame = ruzstd::decoding::StreamingDecoder::new(src)
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                    *self = ZstdFrames::InFrame(Box::new(frame));
                }
                ZstdFrames::InFrame(mut frame) => {
                    let n = frame.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        *self = ZstdFrames::InFrame(frame);
                        return Ok(n);
                    }
                    *self = ZstdFrames::Between(frame.into_inner());
                }
                ZstdFrames::Failed => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "zstd stream already failed",
                    ))
                }
            }
        }
    }
}

/// How a stream of data is compressed: the custom format wraps gzip data in a bare zlib
/// stream per block, the directory format writes gzip files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    Block,
    File,
}

/// The decompressed view of `src`.
fn decompressed<'a>(
    compression: Compression,
    container: Container,
    src: impl BufRead + 'a,
) -> Box<dyn Read + 'a> {
    match (compression, container) {
        (Compression::None, _) => Box::new(src),
        (Compression::Gzip, Container::Block) => Box::new(flate2::bufread::ZlibDecoder::new(src)),
        (Compression::Gzip, Container::File) => Box::new(flate2::bufread::MultiGzDecoder::new(src)),
        (Compression::Lz4, _) => Box::new(lz4_flex::frame::FrameDecoder::new(src)),
        (Compression::Zstd, _) => Box::new(ZstdFrames::new(src)),
    }
}

/// Where the scan of a custom archive without data offsets (written to a pipe) has got to.
#[derive(Debug, Default)]
pub(crate) struct BlockScan {
    /// The start of the first block not scanned yet.
    pub next: u64,
    /// The start of every block seen, by dump id.
    pub found: HashMap<i32, u64>,
    /// The scan reached the end of the file.
    pub finished: bool,
}

impl Primitives<BufReader<File>> {
    /// Skips `count` bytes without reading them.
    fn skip(&mut self, count: u64) -> Result<(), Fault> {
        if count > self.remaining() {
            return Err(Fault::Truncated { at: self.len() });
        }
        let delta = i64::try_from(count).map_err(|_| self.corrupt("length too large"))?;
        self.inner_mut().seek_relative(delta).map_err(Fault::Io)?;
        let pos = self.pos() + count;
        self.moved_to(pos);
        Ok(())
    }

    /// Moves to byte `pos` of the file.
    fn seek_to(&mut self, pos: u64) -> Result<(), Fault> {
        if pos > self.len() {
            return Err(Fault::Truncated { at: self.len() });
        }
        self.inner_mut()
            .seek(SeekFrom::Start(pos))
            .map_err(Fault::Io)?;
        self.moved_to(pos);
        Ok(())
    }

    /// Skips the chunks of a data block (`_skipData`).
    fn skip_chunks(&mut self) -> Result<(), Fault> {
        loop {
            match self.int()? {
                0 => return Ok(()),
                len if len > 0 => self.skip(len.unsigned_abs())?,
                len => return Err(self.corrupt(format!("chunk length {len}"))),
            }
        }
    }

    /// Skips a block of large objects: an oid and its chunks each, until oid 0 (`_skipLOs`).
    fn skip_blobs(&mut self) -> Result<(), Fault> {
        while self.int()? != 0 {
            self.skip_chunks()?;
        }
        Ok(())
    }
}

impl Archive {
    /// The custom archive's file, ready to read primitives at byte 0.
    fn open_custom(&self) -> Result<Primitives<BufReader<File>>, ArchiveError> {
        let file = File::open(&self.path).map_err(|e| ArchiveError::io(&self.path, e))?;
        let len = file
            .metadata()
            .map_err(|e| ArchiveError::io(&self.path, e))?
            .len();
        let mut p = Primitives::new(BufReader::with_capacity(BUF_SIZE, file), 0, len);
        p.set_sizes(self.int_size, self.off_size);
        Ok(p)
    }

    /// Rows of the data block of entry `dump_id`, which starts at `at` or, when the table of
    /// contents has no offsets, is found by scanning.
    pub(crate) fn count_custom(&self, dump_id: i32, at: Option<u64>) -> Result<u64, ArchiveError> {
        let at = match at {
            Some(at) => at,
            None => self.find_block(dump_id)?,
        };
        let part = Part::Data { dump_id };
        let fail = |fault| ArchiveError::from_fault(fault, &self.path, part.clone());
        let mut p = self.open_custom()?;
        p.seek_to(at).map_err(fail)?;
        let kind = p.byte().map_err(fail)?;
        let id = p.int32().map_err(fail)?;
        if kind != BLK_DATA || id != dump_id {
            return Err(fail(p.corrupt(format!(
                "expected the data block of entry {dump_id} at byte {at}, found a block of type {kind} of entry {id}"
            ))));
        }

        let mut chunks = Chunks::new(&mut p);
        let counted = count_copy_rows(decompressed(
            self.compression,
            Container::Block,
            BufReader::with_capacity(BUF_SIZE, &mut chunks),
        ))
        .and_then(|counted| chunks.drain().map(|()| counted));
        if let Some(fault) = chunks.fault.take() {
            return Err(fail(fault));
        }
        match counted {
            Ok(Counted {
                rows,
                terminated: true,
            }) => Ok(rows),
            // The block itself is whole: its compressed stream ended early.
            Ok(Counted {
                terminated: false, ..
            }) => Err(fail(p.corrupt(UNTERMINATED))),
            Err(e) => Err(ArchiveError::Decompress {
                file: self.path.clone(),
                compression: self.compression,
                part,
                detail: e.to_string(),
            }),
        }
    }

    /// Where the block of `dump_id` starts in a custom archive without data offsets: blocks are
    /// scanned from the end of the table of contents, skipping their chunks unread, and the
    /// scan resumes where the previous one stopped.
    fn find_block(&self, dump_id: i32) -> Result<u64, ArchiveError> {
        let mut scan = self.scan.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&at) = scan.found.get(&dump_id) {
            return Ok(at);
        }
        let fail = |fault| ArchiveError::from_fault(fault, &self.path, Part::BlockScan { dump_id });
        let mut p = self.open_custom()?;
        if !scan.finished {
            p.seek_to(scan.next).map_err(fail)?;
            while p.remaining() > 0 {
                let at = p.pos();
                let kind = p.byte().map_err(fail)?;
                let id = p.int32().map_err(fail)?;
                scan.found.entry(id).or_insert(at);
                if id == dump_id {
                    return Ok(at);
                }
                match kind {
                    BLK_DATA => p.skip_chunks().map_err(fail)?,
                    BLK_BLOBS => p.skip_blobs().map_err(fail)?,
                    other => return Err(fail(p.corrupt(format!("unknown block type {other}")))),
                }
                scan.next = p.pos();
            }
            scan.finished = true;
        }
        // pg_dump writes a block for every entry with data: the end of the file came early.
        Err(fail(Fault::Truncated { at: p.len() }))
    }

    /// Rows of the data file `name` of entry `dump_id` in a directory archive.
    pub(crate) fn count_file(&self, dump_id: i32, name: &str) -> Result<u64, ArchiveError> {
        let (path, compression) = self.data_file(dump_id, name)?;
        let file = File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
        let mut tracked = Tracked {
            inner: file,
            fault: None,
            at_end: false,
        };
        let counted = count_copy_rows(decompressed(
            compression,
            Container::File,
            BufReader::with_capacity(BUF_SIZE, &mut tracked),
        ));
        let truncated = |path: PathBuf| {
            let at = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            ArchiveError::Truncated {
                file: path,
                at,
                part: Part::Data { dump_id },
            }
        };
        match (counted, tracked.fault.take()) {
            (
                Ok(Counted {
                    rows,
                    terminated: true,
                }),
                _,
            ) => Ok(rows),
            (
                Ok(Counted {
                    terminated: false, ..
                }),
                _,
            ) => Err(truncated(path)),
            (Err(_), Some(source)) => Err(ArchiveError::io(&path, source)),
            // The decompressor wanted more than the file has.
            (Err(_), None) if tracked.at_end => Err(truncated(path)),
            (Err(e), None) => Err(ArchiveError::Decompress {
                file: path,
                compression,
                part: Part::Data { dump_id },
                detail: e.to_string(),
            }),
        }
    }

    /// The file holding the data the table of contents calls `name`, and its compression:
    /// pg_dump stores `3368.dat` and writes `3368.dat.gz` (`.lz4`, `.zst`) when compressing;
    /// pg_restore tries the plain name first, then each suffix.
    fn data_file(&self, dump_id: i32, name: &str) -> Result<(PathBuf, Compression), ArchiveError> {
        // A name from the file must not lead out of the archive's directory.
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(ArchiveError::Corrupt {
                file: self.toc_file(),
                at: 0,
                part: Part::Data { dump_id },
                detail: format!("data file name {name:?} is not a plain file name"),
            });
        }
        let plain = self.path.join(name);
        let candidates = [
            ("", Compression::None),
            (".gz", Compression::Gzip),
            (".lz4", Compression::Lz4),
            (".zst", Compression::Zstd),
        ];
        for (suffix, compression) in candidates {
            let path = with_suffix(&plain, suffix);
            if path.is_file() {
                return Ok((path, compression));
            }
        }
        Err(ArchiveError::MissingDataFile {
            file: plain,
            dump_id,
        })
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(chunks: &[&[u8]]) -> u64 {
        let mut counter = RowCounter::default();
        for chunk in chunks {
            counter.feed(chunk);
        }
        counter.finish()
    }

    #[test]
    fn rows_end_at_the_terminator_line() {
        assert_eq!(rows_of(&[b"1\n2\n\\.\n\n\n"]), 2);
        assert_eq!(rows_of(&[b"\\.\n\n\n"]), 0);
        assert_eq!(rows_of(&[b""]), 0);
        // Lines after the terminator are not rows.
        assert_eq!(rows_of(&[b"1\n\\.\nnot a row\n"]), 1);
    }

    #[test]
    fn rows_without_terminator_end_at_the_end_of_data() {
        assert_eq!(rows_of(&[b"1\n2\n"]), 2);
        assert_eq!(rows_of(&[b"1\n2"]), 2);
        assert_eq!(rows_of(&[b"1\n\\."]), 1);
    }

    #[test]
    fn escaped_backslashes_and_empty_rows_are_rows() {
        // `\\.` is a value ending in a backslash and a dot, not the terminator.
        assert_eq!(rows_of(&[b"a \\\\.\n\\\\.\n\\.\n"]), 2);
        // An empty line is a row of one empty string.
        assert_eq!(rows_of(&[b"\n\n\\.\n"]), 2);
        assert_eq!(rows_of(&[b"\\.x\n\\\n\\.\n"]), 2);
    }

    #[test]
    fn the_terminator_is_found_across_buffer_boundaries() {
        assert_eq!(rows_of(&[b"1\n2\n\\", b".\n\n"]), 2);
        assert_eq!(rows_of(&[b"1\n2\n", b"\\", b".", b"\n"]), 2);
        assert_eq!(rows_of(&[b"1\n2", b"2\n\\", b".x\n\\.\n"]), 3);
        let stream = b"10\t\\N\nfoo\tbar\n\\.\n\n\n";
        for cut in 0..stream.len() {
            assert_eq!(
                rows_of(&[&stream[..cut], &stream[cut..]]),
                2,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn chunks_are_one_stream_until_a_zero_length() {
        let bytes = [
            0, 2, 0, 0, 0, b'a', b'b', 0, 1, 0, 0, 0, b'c', 0, 0, 0, 0, 0, 9,
        ];
        let mut p = Primitives::new(&bytes[..], 0, bytes.len() as u64);
        let mut out = Vec::new();
        let mut chunks = Chunks::new(&mut p);
        assert!(chunks.read_to_end(&mut out).is_ok());
        assert!(chunks.fault.is_none());
        assert_eq!(out, b"abc");
        // Stopped right after the zero length, before the next byte.
        assert_eq!(p.pos(), 18);
    }

    #[test]
    fn chunks_keep_the_fault_of_a_truncated_block() {
        let bytes = [0, 9, 0, 0, 0, b'a', b'b'];
        let mut p = Primitives::new(&bytes[..], 0, bytes.len() as u64);
        let mut chunks = Chunks::new(&mut p);
        assert!(chunks.read_to_end(&mut Vec::new()).is_err());
        assert!(matches!(chunks.fault, Some(Fault::Truncated { at: 7 })));

        let bytes = [1, 2, 0, 0, 0];
        let mut p = Primitives::new(&bytes[..], 0, bytes.len() as u64);
        let mut chunks = Chunks::new(&mut p);
        assert!(chunks.read_to_end(&mut Vec::new()).is_err());
        assert!(matches!(chunks.fault, Some(Fault::Corrupt { .. })));
    }

    /// A zstd frame of one raw block holding `payload`, with the given header fields.
    fn zstd_frame(descriptor: u8, fields: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, descriptor];
        f.extend_from_slice(fields);
        let block = ((payload.len() as u32) << 3) | 1; // raw, last
        f.extend_from_slice(&block.to_le_bytes()[..3]);
        f.extend_from_slice(payload);
        f
    }

    /// Single segment, a one-byte content size.
    fn small_frame(payload: &[u8]) -> Vec<u8> {
        zstd_frame(0x20, &[payload.len() as u8], payload)
    }

    #[test]
    fn zstd_frames_follow_each_other() {
        let mut stream = small_frame(b"1\n");
        stream.extend(small_frame(b"2\n\\.\n"));
        let counted = count_copy_rows(ZstdFrames::new(&stream[..]));
        assert_eq!(
            counted.ok(),
            Some(Counted {
                rows: 2,
                terminated: true
            })
        );
        for cut in [stream.len() - 2, 3, 7] {
            let counted = count_copy_rows(ZstdFrames::new(&stream[..cut]));
            assert!(counted.is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn zstd_windows_beyond_what_zstd_decodes_by_default_are_refused() {
        // Window descriptor: exponent 17 (2^27 bytes, zstd:long), then 18.
        let long = zstd_frame(0, &[17 << 3], b"1\n\\.\n");
        assert_eq!(
            count_copy_rows(ZstdFrames::new(&long[..]))
                .map(|c| c.rows)
                .ok(),
            Some(1)
        );
        let too_long = zstd_frame(0, &[18 << 3], b"1\n\\.\n");
        let err = count_copy_rows(ZstdFrames::new(&too_long[..])).expect_err("2^28");
        assert_eq!(
            err.to_string(),
            "zstd window of 268435456 bytes, more than the 134217728 zstd decodes by default"
        );
        // Single segment: the window is the content size, here 8 bytes saying 2^40.
        let lying = zstd_frame(0xe0, &(1u64 << 40).to_le_bytes(), b"1\n");
        let err = count_copy_rows(ZstdFrames::new(&lying[..])).expect_err("2^40");
        assert!(
            err.to_string()
                .starts_with("zstd window of 1099511627776 bytes"),
            "{err}"
        );
    }
}
