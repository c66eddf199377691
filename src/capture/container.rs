//! The capture file: pcap or pcapng, read as a stream, one packet record at a time.
//!
//! The records are parsed by `pcap-parser`'s block parsers; this file owns only the input
//! buffer, for three reasons the library's own readers do not meet:
//!
//! * a block is parsed only once all of it is in the buffer, and its length is checked against
//!   [`CaptureConfig::max_packet_len`](super::CaptureConfig::max_packet_len) before the buffer
//!   grows for it: a length field of 4 GB is an error, not an allocation (the library's readers
//!   would instead stall on such a block until their buffer fills);
//! * the input is read into frozen `Bytes` chunks, and records are parsed in place: the packet
//!   bytes handed up are slices of a chunk, never copies, and a record costs no reference
//!   count of its own (only the bytes delivered hold one);
//! * nothing is read beyond the block being completed: on a pipe, a packet is handed up as soon
//!   as its last byte has been read.
//!
//! The container does no I/O of its own, so that a blocking `Read` and an `AsyncRead` feed the
//! same parser. A step (the file header, the next record) that finds fewer bytes than it needs
//! stops with [`Stop::NeedInput`] having consumed nothing; its caller reads more with
//! [`Container::refill`], whose read may also be pending (what was read so far is kept), and
//! takes the step again.

use std::io;
use std::ops::Range;
use std::task::Poll;

use bytes::{Bytes, BytesMut};
use pcap_parser::pcap::{
    parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified, parse_pcap_header,
};
use pcap_parser::pcapng::{
    parse_enhancedpacketblock_be, parse_enhancedpacketblock_le, parse_interfacedescriptionblock_be,
    parse_interfacedescriptionblock_le, parse_sectionheaderblock, parse_simplepacketblock_be,
    parse_simplepacketblock_le, OptionCode,
};
use pcap_parser::traits::PcapNGPacketBlock;

use super::{CaptureError, Timestamp};

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_IDB: u32 = 1;
const PCAPNG_SPB: u32 = 3;
const PCAPNG_EPB: u32 = 6;
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Room kept in a block beyond its packet bytes (block header, options).
const BLOCK_OVERHEAD: usize = 4096;
/// How much is asked of the input at a time when more is needed.
const READ_CHUNK: usize = 64 * 1024;

/// Which container a capture is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaptureFormat {
    /// Classic pcap (libpcap's file format).
    Pcap {
        /// Written big-endian.
        big_endian: bool,
        /// Nanosecond timestamps (magic a1b23c4d) rather than microseconds.
        nanoseconds: bool,
    },
    /// pcapng (each section states its own byte order).
    PcapNg,
}

/// One packet record as the link layer sees it.
#[derive(Debug)]
pub(crate) struct RawPacket {
    pub time: Option<Timestamp>,
    pub linktype: u32,
    /// Where the packet lies in [`Container::chunk`], until the next record is read.
    pub data: Range<usize>,
}

/// What the next record of the capture is.
#[derive(Debug)]
pub(crate) enum Record {
    Packet(RawPacket),
    /// A pcapng packet on an interface that was never described.
    UnknownInterface,
    End,
}

#[derive(Debug)]
struct Interface {
    linktype: u32,
    /// Timestamp units per second; `None` for a resolution that does not fit 64 bits.
    units_per_second: Option<u64>,
    offset_seconds: i64,
    /// For Simple Packet Blocks, which carry no timestamp.
    last_time: Option<Timestamp>,
}

#[derive(Debug)]
enum Layout {
    Pcap {
        big_endian: bool,
        nanoseconds: bool,
        /// The "modified" (Kuznetzov) format: 24-byte record headers.
        modified: bool,
        linktype: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Why a step of reading the container did not complete.
#[derive(Debug)]
pub(crate) enum Stop {
    /// More input is needed first ([`Container::refill`]); nothing was consumed, so the step
    /// can be taken again.
    NeedInput,
    /// The capture cannot be read further.
    Error(CaptureError),
}

impl From<CaptureError> for Stop {
    fn from(error: CaptureError) -> Self {
        Stop::Error(error)
    }
}

/// A capture read record by record from bytes fed to it.
pub(crate) struct Container {
    /// What was read and not yet consumed starts at `pos`.
    chunk: Bytes,
    pos: usize,
    /// The input offset of `chunk[pos]`.
    offset: u64,
    eof: bool,
    /// How many available bytes the step that stopped for input needs.
    want: usize,
    /// The next chunk while a refill waits for its input.
    filling: Option<Filling>,
    layout: Layout,
    max_block: usize,
}

/// A chunk being read into: what was available before, then what was read since.
struct Filling {
    /// Zeroed once to its capacity; the bytes past `len` are room for the reads.
    next: BytesMut,
    len: usize,
}

impl Container {
    /// A container that has read nothing yet: [`Container::header`] comes first.
    pub(crate) fn new(max_packet_len: usize) -> Self {
        Self {
            chunk: Bytes::new(),
            pos: 0,
            offset: 0,
            eof: false,
            want: 0,
            filling: None,
            layout: Layout::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
            },
            max_block: max_packet_len.saturating_add(BLOCK_OVERHEAD),
        }
    }

    /// Reads the file header (pcapng: the first section header block).
    pub(crate) fn header(&mut self) -> Result<(), Stop> {
        self.fill(4)?;
        let start = self.available();
        if start.is_empty() {
            return Err(CaptureError::Empty.into());
        }
        if start.len() < 4 {
            return Err(self.truncated("file header").into());
        }
        let magic = u32::from_be_bytes([start[0], start[1], start[2], start[3]]);
        match magic {
            PCAPNG_SHB => {
                // The first block must be a whole section header; later ones are read in turn.
                let first = self.pcapng_block().map_err(|stop| match stop {
                    Stop::Error(CaptureError::Truncated { offset, .. }) => {
                        Stop::Error(CaptureError::Truncated {
                            offset,
                            what: "file header",
                        })
                    }
                    other => other,
                })?;
                match first {
                    Some((PCAPNG_SHB, block)) => self.section_header(block)?,
                    _ => return Err(self.truncated("file header").into()),
                }
            }
            0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34 | 0xd4c3_b2a1 | 0x4d3c_b2a1 | 0x34cd_b2a1 => {
                if !self.fill(24)? {
                    return Err(self.truncated("file header").into());
                }
                let header = match parse_pcap_header(&self.available()[..24]) {
                    Ok((_, header)) => header,
                    // The big-endian variant of the "modified" format, which pcap-parser lacks.
                    Err(_) => {
                        return Err(self
                            .malformed("file header", "an unsupported pcap variant")
                            .into())
                    }
                };
                self.layout = Layout::Pcap {
                    big_endian: header.is_bigendian(),
                    nanoseconds: header.is_nanosecond_precision(),
                    modified: header.is_modified_format(),
                    // The upper bits may carry FCS information (pcap's LINKTYPE_FCS fields).
                    linktype: (header.network.0 as u32) & 0xFFFF,
                };
                self.consume(24);
            }
            _ => return Err(CaptureError::NotACapture { magic }.into()),
        }
        Ok(())
    }

    pub(crate) fn format(&self) -> CaptureFormat {
        match self.layout {
            Layout::Pcap {
                big_endian,
                nanoseconds,
                ..
            } => CaptureFormat::Pcap {
                big_endian,
                nanoseconds,
            },
            Layout::PcapNg { .. } => CaptureFormat::PcapNg,
        }
    }

    /// The buffer the last packet's [`RawPacket::data`] lies in.
    pub(crate) fn chunk(&self) -> &Bytes {
        &self.chunk
    }

    /// The next packet record, skipping blocks that carry none.
    pub(crate) fn next_record(&mut self) -> Result<Record, Stop> {
        if let Layout::Pcap { .. } = self.layout {
            return self.pcap_record();
        }
        loop {
            let Some((kind, block)) = self.pcapng_block()? else {
                return Ok(Record::End);
            };
            match kind {
                PCAPNG_SHB => self.section_header(block)?,
                PCAPNG_IDB => self.interface(block)?,
                PCAPNG_EPB => return Ok(self.enhanced_packet(block)?),
                PCAPNG_SPB => return Ok(self.simple_packet(block)?),
                // Statistics, name resolution, secrets, custom blocks: nothing for us.
                _ => {}
            }
        }
    }

    fn pcap_record(&mut self) -> Result<Record, Stop> {
        let Layout::Pcap {
            big_endian,
            nanoseconds,
            modified,
            linktype,
        } = self.layout
        else {
            unreachable!("called for pcap layouts only");
        };
        let header_len = if modified { 24 } else { 16 };
        if !self.fill(header_len)? {
            return if self.available().is_empty() {
                Ok(Record::End)
            } else {
                Err(self.truncated("packet record").into())
            };
        }
        let caplen = read_u32(&self.available()[8..12], big_endian);
        if caplen as usize > self.max_block - BLOCK_OVERHEAD {
            return Err(self
                .oversize("packet record", u64::from(caplen), BLOCK_OVERHEAD)
                .into());
        }
        let len = header_len + caplen as usize;
        if !self.fill(len)? {
            return Err(self.truncated("packet record").into());
        }
        let record_offset = self.offset;
        let record = self.consume(len);
        let bytes = &self.chunk[record.clone()];
        let parsed = if modified {
            parse_pcap_frame_modified(bytes)
        } else if big_endian {
            parse_pcap_frame_be(bytes)
        } else {
            parse_pcap_frame(bytes)
        };
        let Ok((_, frame)) = parsed else {
            return Err(CaptureError::Malformed {
                offset: record_offset,
                what: "packet record",
                reason: "its header does not parse",
            }
            .into());
        };
        let fraction = if nanoseconds {
            i64::from(frame.ts_usec) / 1000
        } else {
            i64::from(frame.ts_usec)
        };
        let time = Timestamp::from_micros(i64::from(frame.ts_sec) * 1_000_000 + fraction);
        let data_start = record.start + header_len;
        Ok(Record::Packet(RawPacket {
            time: Some(time),
            linktype,
            data: data_start..data_start + frame.data.len(),
        }))
    }

    /// The next whole pcapng block (its type, as read in the section's byte order, and where
    /// it lies in the chunk), or `None` at a clean end of input.
    fn pcapng_block(&mut self) -> Result<Option<(u32, Range<usize>)>, Stop> {
        if !self.fill(8)? {
            return if self.available().is_empty() {
                Ok(None)
            } else {
                Err(self.truncated("pcapng block").into())
            };
        }
        let big_endian = self.section_big_endian();
        let kind = read_u32(&self.available()[0..4], big_endian);
        let big_endian = if kind == PCAPNG_SHB {
            // A new section states its own byte order, after its length.
            if !self.fill(12)? {
                return Err(self.truncated("pcapng block").into());
            }
            match read_u32(&self.available()[8..12], false) {
                PCAPNG_BYTE_ORDER_MAGIC => false,
                magic if magic == PCAPNG_BYTE_ORDER_MAGIC.swap_bytes() => true,
                _ => {
                    return Err(self
                        .malformed(
                            "pcapng block",
                            "a section header without the byte-order magic",
                        )
                        .into())
                }
            }
        } else {
            big_endian
        };
        let len = read_u32(&self.available()[4..8], big_endian);
        if len as usize > self.max_block {
            return Err(self.oversize("pcapng block", u64::from(len), 0).into());
        }
        if len < 12 || len % 4 != 0 {
            return Err(self
                .malformed(
                    "pcapng block",
                    "its length is not a multiple of 4 of at least 12",
                )
                .into());
        }
        if !self.fill(len as usize)? {
            return Err(self.truncated("pcapng block").into());
        }
        let block_offset = self.offset;
        let block = self.consume(len as usize);
        let trailer = read_u32(&self.chunk[block.end - 4..block.end], big_endian);
        if trailer != len {
            return Err(CaptureError::Malformed {
                offset: block_offset,
                what: "pcapng block",
                reason: "its two length fields differ",
            }
            .into());
        }
        Ok(Some((kind, block)))
    }

    fn section_header(&mut self, block: Range<usize>) -> Result<(), CaptureError> {
        let shb = match parse_sectionheaderblock(&self.chunk[block.clone()]) {
            Ok((_, shb)) => shb,
            Err(_) => {
                return Err(self.malformed_block(&block, "a section header that does not parse"))
            }
        };
        if shb.major_version != 1 {
            return Err(
                self.malformed_block(&block, "a section of pcapng major version other than 1")
            );
        }
        self.layout = Layout::PcapNg {
            big_endian: shb.big_endian(),
            interfaces: Vec::new(),
        };
        Ok(())
    }

    fn interface(&mut self, block: Range<usize>) -> Result<(), CaptureError> {
        let big_endian = self.section_big_endian();
        let bytes = &self.chunk[block.clone()];
        let parsed = if big_endian {
            parse_interfacedescriptionblock_be(bytes)
        } else {
            parse_interfacedescriptionblock_le(bytes)
        };
        let Ok((_, idb)) = parsed else {
            return Err(
                self.malformed_block(&block, "an interface description that does not parse")
            );
        };
        // pcap-parser reads if_tsoffset little-endian whatever the section's byte order: read
        // the option here.
        let offset_seconds = idb
            .options
            .iter()
            .find(|option| option.code == OptionCode::IfTsoffset)
            .and_then(|option| option.value().get(..8))
            .map_or(0, |bytes| {
                let bytes: [u8; 8] = bytes.try_into().unwrap_or_default();
                if big_endian {
                    i64::from_be_bytes(bytes)
                } else {
                    i64::from_le_bytes(bytes)
                }
            });
        let interface = Interface {
            linktype: u32::from(idb.linktype.0 as u16),
            units_per_second: units_per_second(idb.if_tsresol),
            offset_seconds,
            last_time: None,
        };
        if let Layout::PcapNg { interfaces, .. } = &mut self.layout {
            interfaces.push(interface);
        }
        Ok(())
    }

    fn enhanced_packet(&mut self, block: Range<usize>) -> Result<Record, CaptureError> {
        let bytes = &self.chunk[block.clone()];
        let parsed = if self.section_big_endian() {
            parse_enhancedpacketblock_be(bytes)
        } else {
            parse_enhancedpacketblock_le(bytes)
        };
        let Ok((_, epb)) = parsed else {
            return Err(
                self.malformed_block(&block, "an enhanced packet block that does not parse")
            );
        };
        let (if_id, ticks) = (
            epb.if_id as usize,
            (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low),
        );
        // The packet bytes follow the 28 bytes of block header.
        let data = block.start + 28..block.start + 28 + epb.packet_data().len();
        let Layout::PcapNg { interfaces, .. } = &mut self.layout else {
            unreachable!("called for pcapng layouts only");
        };
        let Some(interface) = interfaces.get_mut(if_id) else {
            return Ok(Record::UnknownInterface);
        };
        let time = interface
            .units_per_second
            .and_then(|units| ticks_to_time(ticks, units, interface.offset_seconds));
        if time.is_some() {
            interface.last_time = time;
        }
        Ok(Record::Packet(RawPacket {
            time,
            linktype: interface.linktype,
            data,
        }))
    }

    fn simple_packet(&mut self, block: Range<usize>) -> Result<Record, CaptureError> {
        let bytes = &self.chunk[block.clone()];
        let parsed = if self.section_big_endian() {
            parse_simplepacketblock_be(bytes)
        } else {
            parse_simplepacketblock_le(bytes)
        };
        let Ok((_, spb)) = parsed else {
            return Err(self.malformed_block(&block, "a simple packet block that does not parse"));
        };
        // The packet bytes follow the 12 bytes of block header.
        let data = block.start + 12..block.start + 12 + spb.packet_data().len();
        let Layout::PcapNg { interfaces, .. } = &self.layout else {
            unreachable!("called for pcapng layouts only");
        };
        // A Simple Packet Block belongs to the section's first interface.
        let Some(interface) = interfaces.first() else {
            return Ok(Record::UnknownInterface);
        };
        Ok(Record::Packet(RawPacket {
            time: interface.last_time,
            linktype: interface.linktype,
            data,
        }))
    }

    fn section_big_endian(&self) -> bool {
        match self.layout {
            Layout::PcapNg { big_endian, .. } => big_endian,
            Layout::Pcap { big_endian, .. } => big_endian,
        }
    }

    /// What was read and not yet consumed.
    fn available(&self) -> &[u8] {
        &self.chunk[self.pos..]
    }

    /// Whether `n` bytes are available: `false` if the input ended first, [`Stop::NeedInput`]
    /// (with `n` remembered for [`Container::refill`]) if more may come.
    fn fill(&mut self, n: usize) -> Result<bool, Stop> {
        if self.available().len() >= n {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.want = n;
        Err(Stop::NeedInput)
    }

    /// Reads with `read` until the bytes the last step stopped for are available, or the input
    /// ends (a read of 0 bytes) or fails; `Poll::Pending` when `read` is, with what was read
    /// so far kept for the next call. `Interrupted` reads are retried.
    ///
    /// What is left of the current chunk moves to a new one (a partial record, at most), and
    /// reading stops as soon as the bytes are there: on a pipe, a packet is not held back
    /// waiting for more input.
    pub(crate) fn refill(
        &mut self,
        mut read: impl FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<()>> {
        let want = self.want;
        let filling = match &mut self.filling {
            Some(filling) => filling,
            none => {
                let available = &self.chunk[self.pos..];
                // At least a chunk's worth is asked of the input each time (fewer system
                // calls on files); a read returns what is there.
                let mut next = BytesMut::zeroed(want.max(available.len() + READ_CHUNK));
                next[..available.len()].copy_from_slice(available);
                none.insert(Filling {
                    next,
                    len: available.len(),
                })
            }
        };
        let mut result = Ok(());
        while filling.len < want {
            match read(&mut filling.next[filling.len..]) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => {
                    self.eof = true;
                    break;
                }
                Poll::Ready(Ok(read)) => filling.len += read,
                Poll::Ready(Err(error)) if error.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(error)) => {
                    result = Err(error);
                    break;
                }
            }
        }
        if let Some(Filling { mut next, len }) = self.filling.take() {
            next.truncate(len);
            self.chunk = next.freeze();
            self.pos = 0;
        }
        Poll::Ready(result)
    }

    /// Takes `n` available bytes, returning where they lie in the chunk.
    fn consume(&mut self, n: usize) -> Range<usize> {
        let range = self.pos..self.pos + n;
        self.pos += n;
        self.offset += n as u64;
        range
    }

    fn truncated(&self, what: &'static str) -> CaptureError {
        CaptureError::Truncated {
            offset: self.offset,
            what,
        }
    }

    fn malformed(&self, what: &'static str, reason: &'static str) -> CaptureError {
        CaptureError::Malformed {
            offset: self.offset,
            what,
            reason,
        }
    }

    /// A malformed block already consumed.
    fn malformed_block(&self, block: &Range<usize>, reason: &'static str) -> CaptureError {
        CaptureError::Malformed {
            offset: self.offset - block.len() as u64,
            what: "pcapng block",
            reason,
        }
    }

    fn oversize(&self, what: &'static str, len: u64, overhead: usize) -> CaptureError {
        CaptureError::Oversize {
            offset: self.offset,
            what,
            len,
            max: (self.max_block - overhead) as u64,
        }
    }
}

fn read_u32(bytes: &[u8], big_endian: bool) -> u32 {
    let bytes = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    }
}

/// The units per second of an `if_tsresol` byte: 10^n, or 2^n with the top bit set.
///
/// (pcap-parser 0.17's `build_ts_resolution` compares the byte with the top bit still set
/// against 63, so it has no power-of-2 resolution.)
fn units_per_second(tsresol: u8) -> Option<u64> {
    let exponent = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 == 0 {
        10u64.checked_pow(exponent)
    } else {
        1u64.checked_shl(exponent)
    }
}

/// A pcapng timestamp in microseconds; `None` if it does not fit.
fn ticks_to_time(ticks: u64, units_per_second: u64, offset_seconds: i64) -> Option<Timestamp> {
    let micros = u128::from(ticks) * 1_000_000 / u128::from(units_per_second);
    let micros = i64::try_from(micros).ok()?;
    let offset = offset_seconds.checked_mul(1_000_000)?;
    Some(Timestamp::from_micros(micros.checked_add(offset)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_any_resolution_become_microseconds() {
        // Nanoseconds (if_tsresol 9), microseconds (6), and 2^-10 seconds (0x8a).
        let ns = units_per_second(9).unwrap();
        assert_eq!(
            ticks_to_time(1_700_000_000_123_456_789, ns, 0),
            Some(Timestamp::from_micros(1_700_000_000_123_456))
        );
        let us = units_per_second(6).unwrap();
        assert_eq!(
            ticks_to_time(5, us, 10),
            Some(Timestamp::from_micros(10_000_005))
        );
        let binary = units_per_second(0x8a).unwrap();
        assert_eq!(binary, 1024);
        assert_eq!(units_per_second(0x80 | 63), Some(1 << 63));
        assert_eq!(units_per_second(0x80 | 64), None);
        assert_eq!(units_per_second(19), Some(10u64.pow(19)));
        assert_eq!(units_per_second(20), None);
        assert_eq!(
            ticks_to_time(1024 * 3 + 512, binary, 0),
            Some(Timestamp::from_micros(3_500_000))
        );
        // Far beyond what i64 microseconds hold.
        assert_eq!(ticks_to_time(u64::MAX, 1, 0), None);
        assert_eq!(ticks_to_time(0, 1, i64::MAX), None);
    }
}
