//! Page checksums for the Parquet files satori writes.
//!
//! Parquet page headers have an optional CRC-32 of the page's data (`PageHeader.crc`, field 4:
//! the standard CRC-32 of the page bytes as stored, after compression). Readers that know it
//! (the `parquet` crate with its `crc` feature, as satori reads; pyarrow with
//! `page_checksum_verification=True`; Spark) refuse a page whose bytes changed. The `parquet`
//! crate (v60) verifies checksums but does not write them, so satori writes the file as usual,
//! then copies it column chunk by column chunk, inserting each page's checksum into its header,
//! and lets the `parquet` writer lay out the footer for the new offsets.
//!
//! Page headers are Thrift compact-protocol structs; this module reads just enough of the
//! protocol to find a header's end and its first three fields, which the `parquet` writer always
//! writes first: `type` (1), `uncompressed_page_size` (2), `compressed_page_size` (3).

use std::sync::Arc;

use parquet::column::writer::ColumnCloseResult;
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;

fn bad(what: &str) -> ParquetError {
    ParquetError::General(format!("adding page checksums: {what}"))
}

/// A copy of the Parquet file `file` (as written by `parquet`'s writer with `props`) whose every
/// page header carries the CRC-32 of its page.
pub(crate) fn with_page_checksums(file: Vec<u8>, props: WriterProperties) -> Result<Vec<u8>> {
    let file = bytes::Bytes::from(file);
    let reader = SerializedFileReader::new(file.clone())?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr().root_schema_ptr();
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, Arc::new(props))?;
    for rg in meta.row_groups() {
        let mut rg_writer = writer.next_row_group()?;
        for col in rg.columns() {
            let (start, len) = col.byte_range();
            let start = usize::try_from(start).map_err(|_| bad("chunk offset"))?;
            let end = usize::try_from(len)
                .ok()
                .and_then(|l| start.checked_add(l))
                .filter(|&e| e <= file.len())
                .ok_or_else(|| bad("chunk length"))?;
            let chunk = checksum_pages(&file[start..end])?;
            let first_data = match col.dictionary_page_offset() {
                // The dictionary page comes first; the data pages start after its new header.
                Some(dict) => {
                    let dict_len = usize::try_from(col.data_page_offset() - dict)
                        .map_err(|_| bad("dictionary page offset"))?;
                    chunk.new_offset(dict_len)?
                }
                None => 0,
            };
            let added = chunk.bytes.len() as i64 - len as i64;
            let metadata = col
                .clone()
                .into_builder()
                .set_total_compressed_size(chunk.bytes.len() as i64)
                .set_total_uncompressed_size(col.uncompressed_size() + added)
                .set_dictionary_page_offset(col.dictionary_page_offset().map(|_| 0))
                .set_data_page_offset(first_data as i64)
                .build()?;
            let close = ColumnCloseResult {
                bytes_written: chunk.bytes.len() as u64,
                rows_written: rg.num_rows() as u64,
                metadata,
                bloom_filter: None,
                column_index: None,
                offset_index: None,
            };
            rg_writer.append_column(&bytes::Bytes::from(chunk.bytes), close)?;
        }
        rg_writer.close()?;
    }
    for kv in meta
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
    {
        writer.append_key_value_metadata(kv.clone());
    }
    writer.into_inner()
}

/// A column chunk with checksums in its page headers.
struct Chunk {
    bytes: Vec<u8>,
    /// (old offset, new offset) of each page.
    pages: Vec<(usize, usize)>,
}

impl Chunk {
    /// The new offset of the page that started at `old`.
    fn new_offset(&self, old: usize) -> Result<usize> {
        self.pages
            .iter()
            .find(|p| p.0 == old)
            .map(|p| p.1)
            .ok_or_else(|| bad("no page starts at the data page offset"))
    }
}

/// Every page of a column chunk, each header with its page's CRC-32.
fn checksum_pages(chunk: &[u8]) -> Result<Chunk> {
    let mut out = Vec::with_capacity(chunk.len() + 16 * (chunk.len() / 4096 + 1));
    let mut pages = Vec::new();
    let mut pos = 0;
    while pos < chunk.len() {
        let header = PageHeader::parse(&chunk[pos..])?;
        let data_start = pos + header.len;
        let data_end = data_start
            .checked_add(header.compressed_size)
            .filter(|&e| e <= chunk.len())
            .ok_or_else(|| bad("page size beyond the chunk"))?;
        let data = &chunk[data_start..data_end];
        pages.push((pos, out.len()));
        header.write_with_crc(&chunk[pos..data_start], crc32fast::hash(data), &mut out)?;
        out.extend_from_slice(data);
        pos = data_end;
    }
    Ok(Chunk { bytes: out, pages })
}

/// What a page header's bytes say: its length, its data's length, and where its field 3
/// (`compressed_page_size`) ends, which is where field 4 (`crc`) goes.
struct PageHeader {
    len: usize,
    compressed_size: usize,
    /// Offset just after field 3; the next byte is the next field's header (or the stop byte).
    after_field3: usize,
    has_crc: bool,
}

// Thrift compact protocol types.
const T_BOOL_TRUE: u8 = 1;
const T_BOOL_FALSE: u8 = 2;
const T_BYTE: u8 = 3;
const T_I16: u8 = 4;
const T_I32: u8 = 5;
const T_I64: u8 = 6;
const T_DOUBLE: u8 = 7;
const T_BINARY: u8 = 8;
const T_LIST: u8 = 9;
const T_SET: u8 = 10;
const T_MAP: u8 = 11;
const T_STRUCT: u8 = 12;

impl PageHeader {
    fn parse(b: &[u8]) -> Result<PageHeader> {
        let mut r = Cursor { b, pos: 0 };
        let mut id: i16 = 0;
        let mut compressed_size = None;
        let mut after_field3 = None;
        let mut has_crc = false;
        loop {
            let h = r.byte()?;
            if h == 0 {
                break;
            }
            let ty = h & 0x0F;
            let delta = h >> 4;
            id = if delta == 0 {
                zigzag16(r.varint()?)
            } else {
                id + i16::from(delta)
            };
            match (id, ty) {
                (1 | 2, T_I32) => {
                    r.varint()?;
                }
                (3, T_I32) => {
                    let v = zigzag32(r.varint()?);
                    compressed_size = Some(usize::try_from(v).map_err(|_| bad("negative size"))?);
                    after_field3 = Some(r.pos);
                }
                (4, _) => {
                    has_crc = true;
                    r.skip(ty)?;
                }
                (1..=3, _) => return Err(bad("unexpected type of a page header field")),
                _ => r.skip(ty)?,
            }
        }
        Ok(PageHeader {
            len: r.pos,
            compressed_size: compressed_size.ok_or_else(|| bad("no compressed_page_size"))?,
            after_field3: after_field3.ok_or_else(|| bad("no compressed_page_size"))?,
            has_crc,
        })
    }

    /// `header` (this header's bytes) with field 4 = `crc` inserted after field 3, into `out`.
    fn write_with_crc(&self, header: &[u8], crc: u32, out: &mut Vec<u8>) -> Result<()> {
        if self.has_crc {
            out.extend_from_slice(header);
            return Ok(());
        }
        let (head, rest) = header.split_at(self.after_field3);
        out.extend_from_slice(head);
        out.push((1 << 4) | T_I32);
        // The field is an i32: the checksum's bits, zigzag-encoded.
        write_varint(zigzag_encode32(crc as i32), out);
        // The next field's id was written as a delta from 3; it is now a delta from 4.
        match rest.split_first() {
            Some((&0, _)) | None => out.extend_from_slice(rest),
            Some((&h, tail)) if h >> 4 == 0 => {
                out.push(h);
                out.extend_from_slice(tail);
            }
            Some((&h, tail)) => {
                let delta = h >> 4;
                if delta < 2 {
                    return Err(bad("a field numbered 4 after compressed_page_size"));
                }
                out.push(((delta - 1) << 4) | (h & 0x0F));
                out.extend_from_slice(tail);
            }
        }
        Ok(())
    }
}

fn zigzag_encode32(v: i32) -> u64 {
    u64::from(((v as u32) << 1) ^ ((v >> 31) as u32))
}

fn zigzag32(v: u64) -> i64 {
    let v = v as u32;
    i64::from((v >> 1) as i32 ^ -((v & 1) as i32))
}

fn zigzag16(v: u64) -> i16 {
    let v = v as u16;
    (v >> 1) as i16 ^ -((v & 1) as i16)
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> Result<u8> {
        let v = *self
            .b
            .get(self.pos)
            .ok_or_else(|| bad("truncated header"))?;
        self.pos += 1;
        Ok(v)
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift.min(63);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("varint too long"))
    }

    fn advance(&mut self, n: usize) -> Result<()> {
        self.pos = self
            .pos
            .checked_add(n)
            .filter(|&p| p <= self.b.len())
            .ok_or_else(|| bad("truncated header"))?;
        Ok(())
    }

    /// Skip a value of compact type `ty` (in a struct field: booleans have no bytes).
    fn skip(&mut self, ty: u8) -> Result<()> {
        match ty {
            T_BOOL_TRUE | T_BOOL_FALSE => Ok(()),
            T_BYTE => self.advance(1),
            T_I16 | T_I32 | T_I64 => self.varint().map(|_| ()),
            T_DOUBLE => self.advance(8),
            T_BINARY => {
                let n = usize::try_from(self.varint()?).map_err(|_| bad("length"))?;
                self.advance(n)
            }
            T_LIST | T_SET => {
                let h = self.byte()?;
                let n = match h >> 4 {
                    15 => usize::try_from(self.varint()?).map_err(|_| bad("length"))?,
                    n => usize::from(n),
                };
                for _ in 0..n {
                    self.skip_element(h & 0x0F)?;
                }
                Ok(())
            }
            T_MAP => {
                let n = usize::try_from(self.varint()?).map_err(|_| bad("length"))?;
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip_element(kv >> 4)?;
                        self.skip_element(kv & 0x0F)?;
                    }
                }
                Ok(())
            }
            T_STRUCT => loop {
                let h = self.byte()?;
                if h == 0 {
                    return Ok(());
                }
                if h >> 4 == 0 {
                    self.varint()?;
                }
                self.skip(h & 0x0F)?;
            },
            _ => Err(bad("unknown Thrift type")),
        }
    }

    /// Skip a list, set or map element (booleans are one byte there).
    fn skip_element(&mut self, ty: u8) -> Result<()> {
        match ty {
            T_BOOL_TRUE | T_BOOL_FALSE => self.advance(1),
            other => self.skip(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_and_varints() {
        for v in [0i32, 1, -1, 12345, i32::MIN, i32::MAX] {
            let mut out = Vec::new();
            write_varint(zigzag_encode32(v), &mut out);
            let mut c = Cursor { b: &out, pos: 0 };
            assert_eq!(zigzag32(c.varint().unwrap()), i64::from(v));
        }
    }

    #[test]
    fn a_crc_field_is_inserted_after_field_3() {
        // type=0 (field 1), sizes 10 and 4 (fields 2, 3), then field 5 (a struct: one i32 field
        // 1 = 3, stop), stop.
        let header = [0x15, 0x00, 0x15, 20, 0x15, 8, 0x2C, 0x15, 6, 0x00, 0x00];
        let h = PageHeader::parse(&header).unwrap();
        assert_eq!((h.len, h.compressed_size, h.after_field3), (11, 4, 6));
        let mut out = Vec::new();
        h.write_with_crc(&header, 1, &mut out).unwrap();
        assert_eq!(
            out,
            [
                0x15, 0x00, 0x15, 20, 0x15, 8, 0x15, 2, 0x1C, 0x15, 6, 0x00, 0x00
            ]
        );
        let again = PageHeader::parse(&out).unwrap();
        assert!(again.has_crc);
        assert_eq!(again.len, out.len());
    }
}
