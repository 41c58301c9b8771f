//! The primitives every archive field is made of (pg_backup_archiver.c `ReadInt`, `ReadStr`,
//! `ReadOffset`), over any reader, counting the bytes consumed. Every length is checked against
//! what the file has left before anything is allocated, so a lying length field costs nothing.

use std::io::{self, Read};

/// Why a primitive could not be read; the caller adds the file and the field.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The input ended at this byte before the field did.
    Truncated { at: u64 },
    /// The field holds a value no pg_dump writes.
    Corrupt { at: u64, detail: String },
    /// The system could not read the file.
    Io(io::Error),
}

/// `ReadOffset` flags (pg_backup_archiver.h `K_OFFSET_*`).
pub(crate) const OFFSET_POS_NOT_SET: u8 = 1;
pub(crate) const OFFSET_POS_SET: u8 = 2;
pub(crate) const OFFSET_NO_DATA: u8 = 3;

/// A reader of archive primitives.
pub(crate) struct Primitives<R> {
    inner: R,
    pos: u64,
    /// The size of the input: no field can end beyond it.
    len: u64,
    /// Bytes of an `int` after its sign byte (the header's intSize, 4 in practice).
    int_size: u8,
    /// Bytes of an offset after its flag byte (the header's offSize, 8 in practice).
    off_size: u8,
}

impl<R: Read> Primitives<R> {
    /// Primitives over `inner`, which starts at byte `pos` of an input of `len` bytes.
    pub(crate) fn new(inner: R, pos: u64, len: u64) -> Self {
        Primitives {
            inner,
            pos,
            len,
            int_size: 4,
            off_size: 8,
        }
    }

    /// Sets the sizes the header announced.
    pub(crate) fn set_sizes(&mut self, int_size: u8, off_size: u8) {
        self.int_size = int_size;
        self.off_size = off_size;
    }

    /// The byte the next read starts at.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// The size of the input.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Bytes left before the end of the input.
    pub(crate) fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    /// The underlying reader.
    pub(crate) fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Records that the underlying reader was moved to `pos`.
    pub(crate) fn moved_to(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// A fault at the current position.
    pub(crate) fn corrupt(&self, detail: impl Into<String>) -> Fault {
        Fault::Corrupt {
            at: self.pos,
            detail: detail.into(),
        }
    }

    /// Fills `buf` or reports where the input ended.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) -> Result<(), Fault> {
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) => return Err(Fault::Truncated { at: self.pos }),
                Ok(n) => {
                    done += n;
                    self.pos += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Fault::Io(e)),
            }
        }
        Ok(())
    }

    /// Some bytes into `buf`, at least one: what the input has at hand.
    pub(crate) fn fill_some(&mut self, buf: &mut [u8]) -> Result<usize, Fault> {
        loop {
            match self.inner.read(buf) {
                Ok(0) if !buf.is_empty() => return Err(Fault::Truncated { at: self.pos }),
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Fault::Io(e)),
            }
        }
    }

    /// One byte.
    pub(crate) fn byte(&mut self) -> Result<u8, Fault> {
        let mut b = [0u8; 1];
        self.fill(&mut b)?;
        Ok(b[0])
    }

    /// `count` bytes, allocated only once the input is known to hold them.
    pub(crate) fn bytes(&mut self, count: u64) -> Result<Vec<u8>, Fault> {
        if count > self.remaining() {
            return Err(Fault::Truncated { at: self.len });
        }
        let count = usize::try_from(count).map_err(|_| self.corrupt("length too large"))?;
        let mut buf = vec![0u8; count];
        self.fill(&mut buf)?;
        Ok(buf)
    }

    /// Little-endian magnitude of `size` bytes; bytes beyond the eighth must be zero.
    fn magnitude(&mut self, size: u8) -> Result<u64, Fault> {
        let mut value = 0u64;
        for i in 0..u32::from(size) {
            let b = u64::from(self.byte()?);
            if i < 8 {
                value |= b << (8 * i);
            } else if b != 0 {
                return Err(self.corrupt("integer larger than 64 bits"));
            }
        }
        Ok(value)
    }

    /// `ReadInt`: a sign byte (0 positive, anything else negative), then intSize bytes of
    /// little-endian magnitude.
    pub(crate) fn int(&mut self) -> Result<i64, Fault> {
        let negative = self.byte()? != 0;
        let magnitude = self.magnitude(self.int_size)?;
        let value =
            i64::try_from(magnitude).map_err(|_| self.corrupt("integer larger than 64 bits"))?;
        Ok(if negative { -value } else { value })
    }

    /// An `int` that must fit in 32 bits (dump ids, sections, counts).
    pub(crate) fn int32(&mut self) -> Result<i32, Fault> {
        let value = self.int()?;
        i32::try_from(value).map_err(|_| self.corrupt(format!("integer {value} out of range")))
    }

    /// `ReadStr`: an `int` length, then that many bytes; a negative length (-1) is NULL.
    /// Bytes that are not UTF-8 (a dump in another client encoding) are replaced by U+FFFD.
    pub(crate) fn string(&mut self) -> Result<Option<String>, Fault> {
        let len = self.int()?;
        if len < 0 {
            return Ok(None);
        }
        let bytes = self.bytes(len.unsigned_abs())?;
        Ok(Some(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }))
    }

    /// `ReadOffset`: a flag byte (`OFFSET_*`), then offSize bytes of little-endian position.
    pub(crate) fn offset(&mut self) -> Result<(u8, u64), Fault> {
        let flag = self.byte()?;
        let pos = self.magnitude(self.off_size)?;
        Ok((flag, pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn over(bytes: &[u8]) -> Primitives<&[u8]> {
        Primitives::new(bytes, 0, bytes.len() as u64)
    }

    #[test]
    fn int_is_a_sign_byte_then_little_endian_magnitude() {
        assert_eq!(over(&[0, 0x16, 0, 0, 0]).int().ok(), Some(22));
        assert_eq!(over(&[0, 0xa0, 0x0b, 0, 0]).int().ok(), Some(2976));
        assert_eq!(over(&[1, 1, 0, 0, 0]).int().ok(), Some(-1));
        assert_eq!(
            over(&[0, 0xff, 0xff, 0xff, 0x7f]).int32().ok(),
            Some(i32::MAX)
        );
        // Any non-zero sign byte is negative, as in ReadInt.
        assert_eq!(over(&[7, 2, 0, 0, 0]).int().ok(), Some(-2));
    }

    #[test]
    fn int_follows_the_int_size_of_the_header() {
        let mut p = over(&[0, 0x34, 0x12, 1, 0x01, 0, 0, 0, 0, 0, 0, 0]);
        p.set_sizes(2, 8);
        assert_eq!(p.int().ok(), Some(0x1234));
        p.set_sizes(8, 8);
        assert_eq!(p.int().ok(), Some(-1));
        assert_eq!(p.pos(), 12);
    }

    #[test]
    fn int_wider_than_64_bits_is_corrupt_unless_the_high_bytes_are_zero() {
        let mut bytes = vec![0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut p = over(&bytes);
        p.set_sizes(10, 8);
        assert_eq!(p.int().ok(), Some(5));
        bytes[10] = 1;
        let mut p = over(&bytes);
        p.set_sizes(10, 8);
        assert!(matches!(p.int(), Err(Fault::Corrupt { .. })));
    }

    #[test]
    fn int32_rejects_values_beyond_32_bits() {
        let mut p = over(&[0, 0, 0, 0, 0x80]);
        assert!(matches!(p.int32(), Err(Fault::Corrupt { at: 5, .. })));
    }

    #[test]
    fn string_with_length_minus_one_is_null() {
        let mut p = over(&[
            1, 1, 0, 0, 0, 0, 5, 0, 0, 0, b'a', b'p', b'p', b'd', b'b', 0, 0, 0, 0, 0,
        ]);
        assert_eq!(p.string().ok(), Some(None));
        assert_eq!(p.string().ok(), Some(Some("appdb".to_string())));
        assert_eq!(p.string().ok(), Some(Some(String::new())));
        assert_eq!(p.pos(), 20);
    }

    #[test]
    fn string_keeps_utf8_and_replaces_other_bytes() {
        let mut p = over(&[0, 6, 0, 0, 0, b'n', b'a', 0xc3, 0xaf, b'v', b'e']);
        assert_eq!(p.string().ok(), Some(Some("naïve".to_string())));
        let mut p = over(&[0, 2, 0, 0, 0, b'a', 0xff]);
        assert_eq!(p.string().ok(), Some(Some("a\u{fffd}".to_string())));
    }

    #[test]
    fn a_lying_string_length_is_truncation_before_any_allocation() {
        // 2 GiB announced, 3 bytes present.
        let mut p = over(&[0, 0xff, 0xff, 0xff, 0x7f, b'a', b'b', b'c']);
        assert!(matches!(p.string(), Err(Fault::Truncated { at: 8 })));
    }

    #[test]
    fn truncation_reports_where_the_input_ended() {
        let mut p = over(&[0, 1, 0]);
        assert!(matches!(p.int(), Err(Fault::Truncated { at: 3 })));
    }

    #[test]
    fn offset_is_a_flag_then_little_endian_position() {
        let mut p = over(&[2, 0xea, 0x11, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(p.offset().ok(), Some((OFFSET_POS_SET, 4586)));
        assert_eq!(p.offset().ok(), Some((OFFSET_NO_DATA, 0)));
        let mut p = over(&[OFFSET_POS_NOT_SET, 0, 0, 0, 0]);
        p.set_sizes(4, 4);
        assert_eq!(p.offset().ok(), Some((OFFSET_POS_NOT_SET, 0)));
    }
}
