//! Classic pcap files that Wireshark dissects down to the provisioning document, and a bounded
//! reader for `omacp inspect`.
//!
//! Two shapes are written:
//! - **UDP** ([`LINKTYPE_IPV4`] 228): one IPv4/UDP packet per WDP datagram to port 2948, with
//!   correct IPv4 header and UDP checksums. Wireshark's `wsp` dissector owns UDP port 2948 and
//!   hands the body to `wbxml`.
//! - **SMS** ([`LINKTYPE_WIRESHARK_UPPER_PDU`] 252): one exported PDU per SMS TPDU, tagged with
//!   the dissector name `gsm_sms` and a P2P direction. Wireshark's `gsm_sms` dissector reads the
//!   TPDU, reassembles concatenated segments itself (preference `gsm_sms.reassemble`, on by
//!   default, so no `-o` option is needed) and hands the datagram to WSP through its UDH port
//!   table (port 2948). See `tests/tshark.rs`.
//!
//!   The direction matters: Wireshark 4.0 reads TP-MTI 1 as SMS-SUBMIT only when the packet's
//!   direction is "received" (MS → network) and as SMS-SUBMIT-REPORT otherwise; TP-MTI 0 is
//!   SMS-DELIVER when the direction is "sent" or unknown. [`sms_capture`] sets it from TP-MTI.
//!
//! The exported-PDU record is a list of TLVs (2-octet big-endian tag and length, value padded
//! to 4 octets, ending with tag 0 length 0) followed by the PDU (Wireshark
//! `wsutil/exported_pdu_tlvs.h`).
//!
//! The reader accepts microsecond and nanosecond pcap in either byte order; every length is
//! checked against the bytes present and against [`MAX_RECORD`] before it is used.

use omacp_wire::Reader;

/// LINKTYPE_RAW: raw IPv4 or IPv6.
pub const LINKTYPE_RAW: u32 = 101;
/// LINKTYPE_IPV4: raw IPv4.
pub const LINKTYPE_IPV4: u32 = 228;
/// LINKTYPE_WIRESHARK_UPPER_PDU: exported PDUs with dissector-selecting TLVs.
pub const LINKTYPE_WIRESHARK_UPPER_PDU: u32 = 252;

/// Largest record the writer emits and the reader accepts (Wireshark's own maximum snaplen).
pub const MAX_RECORD: usize = 262_144;

const MAGIC_MICROS: u32 = 0xA1B2_C3D4;
const MAGIC_NANOS: u32 = 0xA1B2_3C4D;

// Exported-PDU tags (wsutil/exported_pdu_tlvs.h).
const EXP_PDU_TAG_END_OF_OPT: u16 = 0;
const EXP_PDU_TAG_DISSECTOR_NAME: u16 = 12;
const EXP_PDU_TAG_P2P_DIRECTION: u16 = 35;

/// Direction of an exported PDU (Wireshark's `P2P_DIR_SENT` / `P2P_DIR_RECV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum P2pDirection {
    /// 0: sent. For `gsm_sms`: network → MS (SMS-DELIVER).
    Sent,
    /// 1: received. For `gsm_sms`: MS → network (SMS-SUBMIT).
    Received,
}

impl P2pDirection {
    fn value(self) -> i32 {
        match self {
            P2pDirection::Sent => 0,
            P2pDirection::Received => 1,
        }
    }
}

/// The dissector that reads SMS TPDUs.
pub const DISSECTOR_GSM_SMS: &str = "gsm_sms";

/// When a record was captured: seconds and microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PcapTime {
    /// Seconds.
    pub secs: u32,
    /// Microseconds (nanoseconds in a nanosecond file being read).
    pub frac: u32,
}

/// IPv4 addresses and UDP ports of the written packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpFlow {
    /// Source address (the push initiator / PPG).
    pub src: [u8; 4],
    /// Destination address (the handset).
    pub dst: [u8; 4],
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

impl Default for UdpFlow {
    /// 192.0.2.1:9200 → 192.0.2.2:2948 (TEST-NET-1 addresses).
    fn default() -> Self {
        UdpFlow {
            src: [192, 0, 2, 1],
            dst: [192, 0, 2, 2],
            src_port: crate::wdp::WSP_CL_PORT,
            dst_port: crate::wdp::WAP_PUSH_PORT,
        }
    }
}

/// Why a capture cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The payload does not fit one UDP datagram / one record.
    #[error("payload of {len} octets is larger than one record can hold")]
    TooLarge {
        /// Payload length.
        len: usize,
    },
    /// The dissector name is empty, too long, or contains a NUL.
    #[error("bad dissector name")]
    BadDissectorName,
}

/// Builds a pcap file in memory (sans-IO: the caller writes the bytes).
#[derive(Debug, Clone)]
pub struct PcapWriter {
    out: Vec<u8>,
    linktype: u32,
}

impl PcapWriter {
    /// A file of one link type; the 24-octet global header is written at once.
    pub fn new(linktype: u32) -> PcapWriter {
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(&MAGIC_MICROS.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        out.extend_from_slice(&(MAX_RECORD as u32).to_le_bytes());
        out.extend_from_slice(&linktype.to_le_bytes());
        PcapWriter { out, linktype }
    }

    /// The link type given to [`PcapWriter::new`].
    pub fn linktype(&self) -> u32 {
        self.linktype
    }

    /// Appends one record holding `data` as is.
    pub fn record(&mut self, time: PcapTime, data: &[u8]) -> Result<(), WriteError> {
        if data.len() > MAX_RECORD {
            return Err(WriteError::TooLarge { len: data.len() });
        }
        self.out.extend_from_slice(&time.secs.to_le_bytes());
        self.out.extend_from_slice(&time.frac.to_le_bytes());
        self.out
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.out
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.out.extend_from_slice(data);
        Ok(())
    }

    /// Appends an IPv4/UDP packet carrying `payload` (for [`LINKTYPE_IPV4`] or [`LINKTYPE_RAW`]).
    pub fn udp(
        &mut self,
        time: PcapTime,
        flow: &UdpFlow,
        payload: &[u8],
    ) -> Result<(), WriteError> {
        let packet = ipv4_udp(flow, payload)?;
        self.record(time, &packet)
    }

    /// Appends an exported PDU for the dissector called `dissector`, with a direction tag when
    /// `direction` is given (for [`LINKTYPE_WIRESHARK_UPPER_PDU`]).
    pub fn exported_pdu(
        &mut self,
        time: PcapTime,
        dissector: &str,
        direction: Option<P2pDirection>,
        pdu: &[u8],
    ) -> Result<(), WriteError> {
        let name = dissector.as_bytes();
        if name.is_empty() || name.len() > 64 || name.contains(&0) {
            return Err(WriteError::BadDissectorName);
        }
        let padded = name.len().div_ceil(4) * 4;
        let mut rec = Vec::with_capacity(8 + padded + pdu.len());
        rec.extend_from_slice(&EXP_PDU_TAG_DISSECTOR_NAME.to_be_bytes());
        rec.extend_from_slice(&(padded as u16).to_be_bytes());
        rec.extend_from_slice(name);
        rec.resize(4 + padded, 0);
        if let Some(d) = direction {
            rec.extend_from_slice(&EXP_PDU_TAG_P2P_DIRECTION.to_be_bytes());
            rec.extend_from_slice(&4u16.to_be_bytes());
            rec.extend_from_slice(&d.value().to_be_bytes());
        }
        rec.extend_from_slice(&EXP_PDU_TAG_END_OF_OPT.to_be_bytes());
        rec.extend_from_slice(&0u16.to_be_bytes());
        rec.extend_from_slice(pdu);
        self.record(time, &rec)
    }

    /// The file so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

/// One's-complement sum of 16-bit big-endian words (RFC 1071), folded.
fn ones_sum(mut acc: u32, bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    acc
}

/// An IPv4 header (no options, DF set, TTL 64) and UDP header with both checksums, then `payload`.
pub fn ipv4_udp(flow: &UdpFlow, payload: &[u8]) -> Result<Vec<u8>, WriteError> {
    let udp_len = 8 + payload.len();
    let total = 20 + udp_len;
    if total > usize::from(u16::MAX) {
        return Err(WriteError::TooLarge { len: payload.len() });
    }
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&[0x45, 0x00]);
    p.extend_from_slice(&(total as u16).to_be_bytes());
    p.extend_from_slice(&[0x00, 0x01, 0x40, 0x00, 64, 17, 0, 0]);
    p.extend_from_slice(&flow.src);
    p.extend_from_slice(&flow.dst);
    let ip_sum = !(ones_sum(0, &p[..20]) as u16);
    p[10..12].copy_from_slice(&ip_sum.to_be_bytes());

    p.extend_from_slice(&flow.src_port.to_be_bytes());
    p.extend_from_slice(&flow.dst_port.to_be_bytes());
    p.extend_from_slice(&(udp_len as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    // Pseudo-header: addresses, zero, protocol, UDP length.
    let mut pseudo = [0u8; 12];
    pseudo[..4].copy_from_slice(&flow.src);
    pseudo[4..8].copy_from_slice(&flow.dst);
    pseudo[9] = 17;
    pseudo[10..12].copy_from_slice(&(udp_len as u16).to_be_bytes());
    let sum = !(ones_sum(ones_sum(0, &pseudo), &p[20..]) as u16);
    // A computed zero is sent as all ones (RFC 768): zero means "no checksum".
    let sum = if sum == 0 { 0xFFFF } else { sum };
    p[26..28].copy_from_slice(&sum.to_be_bytes());
    Ok(p)
}

/// A capture of the push as UDP datagrams ([`LINKTYPE_IPV4`]), one second apart.
pub fn udp_capture(datagrams: &[&[u8]], flow: &UdpFlow) -> Result<Vec<u8>, WriteError> {
    let mut w = PcapWriter::new(LINKTYPE_IPV4);
    for (i, d) in datagrams.iter().enumerate() {
        w.udp(
            PcapTime {
                secs: i as u32,
                frac: 0,
            },
            flow,
            d,
        )?;
    }
    Ok(w.into_bytes())
}

/// A capture of SMS TPDUs as exported `gsm_sms` PDUs, one second apart. Each record's
/// direction follows its TP-MTI: 0 (SMS-DELIVER) sent, 1 (SMS-SUBMIT) received.
pub fn sms_capture(tpdus: &[&[u8]]) -> Result<Vec<u8>, WriteError> {
    let mut w = PcapWriter::new(LINKTYPE_WIRESHARK_UPPER_PDU);
    for (i, t) in tpdus.iter().enumerate() {
        let direction = match t.first().map(|b| b & 0x03) {
            Some(0) => Some(P2pDirection::Sent),
            Some(1) => Some(P2pDirection::Received),
            _ => None,
        };
        w.exported_pdu(
            PcapTime {
                secs: i as u32,
                frac: 0,
            },
            DISSECTOR_GSM_SMS,
            direction,
            t,
        )?;
    }
    Ok(w.into_bytes())
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Where a capture is malformed, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("pcap at byte {offset}: {kind}")]
pub struct PcapError {
    /// Offset in the file (for payload errors: in the record's data).
    pub offset: usize,
    /// What is wrong.
    pub kind: PcapErrorKind,
}

/// What is wrong with a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PcapErrorKind {
    /// Not a classic pcap magic number (pcapng is not read).
    #[error("not a pcap file (magic {0:#010x})")]
    BadMagic(u32),
    /// The file ends inside a header or record.
    #[error("truncated: needed {wanted} more byte(s), {left} left")]
    Truncated {
        /// Bytes needed.
        wanted: usize,
        /// Bytes left.
        left: usize,
    },
    /// A record longer than [`MAX_RECORD`].
    #[error("record of {0} bytes")]
    RecordTooLong(u32),
    /// More records than the caller allowed.
    #[error("more than {0} records")]
    TooManyRecords(usize),
    /// Not an IPv4 packet, or its header is malformed.
    #[error("not a well-formed IPv4 packet")]
    BadIpv4,
    /// An IPv4 fragment (not reassembled here).
    #[error("IPv4 fragment")]
    Fragment,
    /// An IPv4 packet that is not UDP.
    #[error("IP protocol {0} is not UDP")]
    NotUdp(u8),
    /// The UDP length disagrees with the IP length.
    #[error("bad UDP length")]
    BadUdpLength,
    /// Exported-PDU TLVs run past the record, or no dissector name is given.
    #[error("malformed exported-PDU tags")]
    BadExportedPdu,
    /// A link type this reader does not interpret.
    #[error("link type {0} is not read")]
    UnsupportedLinkType(u32),
}

fn perr(offset: usize, kind: PcapErrorKind) -> PcapError {
    PcapError { offset, kind }
}

fn trunc(e: omacp_wire::WireError) -> PcapError {
    let kind = match e.kind {
        omacp_wire::WireErrorKind::Truncated { wanted, left } => {
            PcapErrorKind::Truncated { wanted, left }
        }
        _ => PcapErrorKind::Truncated { wanted: 1, left: 0 },
    };
    perr(e.offset, kind)
}

/// One record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Capture time (the fraction is in nanoseconds when [`Capture::nanos`]).
    pub time: PcapTime,
    /// Original length on the wire.
    pub orig_len: u32,
    /// The captured octets.
    pub data: &'a [u8],
    /// Offset of `data` in the file.
    pub offset: usize,
}

/// A parsed capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture<'a> {
    /// Link type of every record.
    pub linktype: u32,
    /// Snapshot length from the header.
    pub snaplen: u32,
    /// True for a nanosecond-resolution file.
    pub nanos: bool,
    /// The records in file order.
    pub records: Vec<Record<'a>>,
}

/// What a record carries, for the link types omacp writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// An IPv4/UDP packet.
    Udp {
        /// Addresses and ports.
        flow: UdpFlow,
        /// The UDP payload (a WDP datagram).
        data: &'a [u8],
    },
    /// An exported PDU.
    Exported {
        /// The dissector named by the record.
        dissector: &'a str,
        /// The direction tag, if present and sent/received.
        direction: Option<P2pDirection>,
        /// The PDU after the tags.
        data: &'a [u8],
    },
}

/// Reads a classic pcap file, refusing more than `max_records` records.
pub fn read(bytes: &[u8], max_records: usize) -> Result<Capture<'_>, PcapError> {
    let mut r = Reader::new(bytes);
    let magic_bytes = r.take(4).map_err(trunc)?;
    let le = u32::from_le_bytes([
        magic_bytes[0],
        magic_bytes[1],
        magic_bytes[2],
        magic_bytes[3],
    ]);
    let be = u32::from_be_bytes([
        magic_bytes[0],
        magic_bytes[1],
        magic_bytes[2],
        magic_bytes[3],
    ]);
    let (little, nanos) = match (le, be) {
        (MAGIC_MICROS, _) => (true, false),
        (MAGIC_NANOS, _) => (true, true),
        (_, MAGIC_MICROS) => (false, false),
        (_, MAGIC_NANOS) => (false, true),
        _ => return Err(perr(0, PcapErrorKind::BadMagic(be))),
    };
    let u32_at = |r: &mut Reader<'_>| -> Result<u32, PcapError> {
        let b = r.take(4).map_err(trunc)?;
        let a = [b[0], b[1], b[2], b[3]];
        Ok(if little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    r.take(12).map_err(trunc)?; // version, thiszone, sigfigs
    let snaplen = u32_at(&mut r)?;
    let linktype = u32_at(&mut r)? & 0x0FFF_FFFF; // upper bits are FCS information
    let mut records = Vec::new();
    while !r.is_empty() {
        if records.len() == max_records {
            return Err(perr(r.offset(), PcapErrorKind::TooManyRecords(max_records)));
        }
        let at = r.offset();
        let secs = u32_at(&mut r)?;
        let frac = u32_at(&mut r)?;
        let incl = u32_at(&mut r)?;
        let orig_len = u32_at(&mut r)?;
        if incl as usize > MAX_RECORD {
            return Err(perr(at + 8, PcapErrorKind::RecordTooLong(incl)));
        }
        let offset = r.offset();
        let data = r.take(incl as usize).map_err(trunc)?;
        records.push(Record {
            time: PcapTime { secs, frac },
            orig_len,
            data,
            offset,
        });
    }
    Ok(Capture {
        linktype,
        snaplen,
        nanos,
        records,
    })
}

impl<'a> Record<'a> {
    /// Interprets the record for `linktype`. Offsets in errors count from the record's data.
    pub fn payload(&self, linktype: u32) -> Result<Payload<'a>, PcapError> {
        match linktype {
            LINKTYPE_IPV4 | LINKTYPE_RAW => parse_ipv4_udp(self.data),
            LINKTYPE_WIRESHARK_UPPER_PDU => parse_exported(self.data),
            other => Err(perr(0, PcapErrorKind::UnsupportedLinkType(other))),
        }
    }
}

fn parse_ipv4_udp(p: &[u8]) -> Result<Payload<'_>, PcapError> {
    let mut r = Reader::new(p);
    let vihl = r.u8().map_err(trunc)?;
    let ihl = usize::from(vihl & 0x0F) * 4;
    if vihl >> 4 != 4 || ihl < 20 {
        return Err(perr(0, PcapErrorKind::BadIpv4));
    }
    let mut r = Reader::new(p);
    let hdr = r.take(ihl).map_err(trunc)?;
    let total = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
    if total < ihl || total > p.len() {
        return Err(perr(2, PcapErrorKind::BadIpv4));
    }
    let frag = u16::from_be_bytes([hdr[6], hdr[7]]);
    if frag & 0x3FFF != 0 {
        return Err(perr(6, PcapErrorKind::Fragment));
    }
    if hdr[9] != 17 {
        return Err(perr(9, PcapErrorKind::NotUdp(hdr[9])));
    }
    let mut udp = Reader::at(&p[ihl..total], ihl);
    let src_port = udp.u16_be().map_err(trunc)?;
    let dst_port = udp.u16_be().map_err(trunc)?;
    let len = usize::from(udp.u16_be().map_err(trunc)?);
    udp.u16_be().map_err(trunc)?;
    if len < 8 || len - 8 > udp.remaining() {
        return Err(perr(ihl + 4, PcapErrorKind::BadUdpLength));
    }
    let data = udp.take(len - 8).map_err(trunc)?;
    let mut src = [0u8; 4];
    src.copy_from_slice(&hdr[12..16]);
    let mut dst = [0u8; 4];
    dst.copy_from_slice(&hdr[16..20]);
    Ok(Payload::Udp {
        flow: UdpFlow {
            src,
            dst,
            src_port,
            dst_port,
        },
        data,
    })
}

fn parse_exported(p: &[u8]) -> Result<Payload<'_>, PcapError> {
    let mut r = Reader::new(p);
    let mut dissector = None;
    let mut direction = None;
    loop {
        let at = r.offset();
        let tag = r.u16_be().map_err(trunc)?;
        let len = usize::from(r.u16_be().map_err(trunc)?);
        let value = r
            .take(len)
            .map_err(|_| perr(at, PcapErrorKind::BadExportedPdu))?;
        match tag {
            EXP_PDU_TAG_END_OF_OPT => break,
            EXP_PDU_TAG_DISSECTOR_NAME => {
                let name = value.split(|&b| b == 0).next().unwrap_or(&[]);
                dissector = Some(
                    std::str::from_utf8(name)
                        .map_err(|_| perr(at, PcapErrorKind::BadExportedPdu))?,
                );
            }
            EXP_PDU_TAG_P2P_DIRECTION if value.len() == 4 => {
                direction = match i32::from_be_bytes([value[0], value[1], value[2], value[3]]) {
                    0 => Some(P2pDirection::Sent),
                    1 => Some(P2pDirection::Received),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    let dissector = dissector.ok_or(perr(0, PcapErrorKind::BadExportedPdu))?;
    Ok(Payload::Exported {
        dissector,
        direction,
        data: r.rest(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_round_trip_and_checksums() {
        let flow = UdpFlow::default();
        let file = udp_capture(&[b"hello", &[0u8; 163]], &flow).unwrap();
        let cap = read(&file, 10).unwrap();
        assert_eq!(
            (cap.linktype, cap.nanos, cap.records.len()),
            (LINKTYPE_IPV4, false, 2)
        );
        let rec = cap.records[0];
        // A header with a correct checksum sums to 0xFFFF.
        assert_eq!(ones_sum(0, &rec.data[..20]), 0xFFFF);
        let mut pseudo = Vec::from(&rec.data[12..20]);
        pseudo.extend_from_slice(&[0, 17, 0, 13]);
        assert_eq!(ones_sum(ones_sum(0, &pseudo), &rec.data[20..]), 0xFFFF);
        assert_eq!(
            rec.payload(cap.linktype).unwrap(),
            Payload::Udp {
                flow,
                data: b"hello"
            }
        );
        assert_eq!(cap.records[1].time.secs, 1);
    }

    #[test]
    fn known_ipv4_checksum() {
        // RFC 1071 style check against a hand-computed header: 192.0.2.1 → 192.0.2.2, len 33.
        let p = ipv4_udp(&UdpFlow::default(), b"hello").unwrap();
        assert_eq!(
            p[..20],
            [
                0x45, 0, 0, 33, 0, 1, 0x40, 0, 64, 17, 0xB6, 0xC7, 192, 0, 2, 1, 192, 0, 2, 2
            ]
        );
    }

    #[test]
    fn exported_pdu_round_trip() {
        let file = sms_capture(&[&[0x44, 1, 2]]).unwrap();
        let cap = read(&file, 10).unwrap();
        assert_eq!(cap.linktype, LINKTYPE_WIRESHARK_UPPER_PDU);
        // Tag 12, length 8 ("gsm_sms" + one NUL pad); tag 35, length 4, sent; end tag; PDU.
        assert_eq!(
            cap.records[0].data,
            b"\x00\x0c\x00\x08gsm_sms\x00\x00\x23\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x44\x01\x02"
        );
        assert_eq!(
            cap.records[0].payload(cap.linktype).unwrap(),
            Payload::Exported {
                dissector: "gsm_sms",
                direction: Some(P2pDirection::Sent),
                data: &[0x44, 1, 2]
            }
        );
        let cap2 = sms_capture(&[&[0x41]]).unwrap();
        let rec = read(&cap2, 1).unwrap().records[0];
        assert!(matches!(
            rec.payload(LINKTYPE_WIRESHARK_UPPER_PDU),
            Ok(Payload::Exported {
                direction: Some(P2pDirection::Received),
                ..
            })
        ));
        let mut w = PcapWriter::new(LINKTYPE_WIRESHARK_UPPER_PDU);
        assert_eq!(
            w.exported_pdu(PcapTime::default(), "", None, &[]),
            Err(WriteError::BadDissectorName)
        );
    }

    #[test]
    fn reader_rejects_malformed_files() {
        assert_eq!(
            read(b"abcd", 1).unwrap_err().kind,
            PcapErrorKind::BadMagic(0x6162_6364)
        );
        let file = udp_capture(&[b"x", b"y"], &UdpFlow::default()).unwrap();
        assert_eq!(
            read(&file, 1).unwrap_err().kind,
            PcapErrorKind::TooManyRecords(1)
        );
        for cut in 1..file.len() {
            if cut == 24 || cut == 24 + 16 + 29 {
                assert!(read(&file[..cut], 9).is_ok());
            } else {
                assert!(read(&file[..cut], 9).is_err(), "cut {cut}");
            }
        }
        let mut big = file.clone();
        big[24 + 8..24 + 12].copy_from_slice(&(MAX_RECORD as u32 + 1).to_le_bytes());
        assert_eq!(
            read(&big, 9).unwrap_err(),
            perr(32, PcapErrorKind::RecordTooLong(MAX_RECORD as u32 + 1))
        );
        // Big-endian nanosecond header with no records.
        let mut be = Vec::from(MAGIC_NANOS.to_be_bytes());
        be.extend_from_slice(&[
            0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 228,
        ]);
        let cap = read(&be, 1).unwrap();
        assert_eq!((cap.linktype, cap.nanos, cap.snaplen), (228, true, 0xFFFF));
    }

    #[test]
    fn payload_parsers_reject_bad_packets() {
        let mut p = ipv4_udp(&UdpFlow::default(), b"abc").unwrap();
        let rec = |d: &[u8]| parse_ipv4_udp(d).map(|_| ()).unwrap_err().kind;
        p[9] = 6;
        assert_eq!(rec(&p), PcapErrorKind::NotUdp(6));
        p[9] = 17;
        p[6] = 0x20;
        assert_eq!(rec(&p), PcapErrorKind::Fragment);
        p[6] = 0x40;
        p[25] = 200;
        assert_eq!(rec(&p), PcapErrorKind::BadUdpLength);
        assert_eq!(rec(&[0x60]), PcapErrorKind::BadIpv4);
        assert_eq!(rec(&[]), PcapErrorKind::Truncated { wanted: 1, left: 0 });
        assert_eq!(
            parse_exported(&[0, 12, 0, 9, b'x']).unwrap_err().kind,
            PcapErrorKind::BadExportedPdu
        );
        assert_eq!(
            parse_exported(&[0, 0, 0, 0, 1]).unwrap_err().kind,
            PcapErrorKind::BadExportedPdu
        );
    }
}
