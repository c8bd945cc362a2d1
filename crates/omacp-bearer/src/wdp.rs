//! WDP over GSM SMS: the User Data Header and segmentation of a datagram into SMS user data
//! (WAP-259-WDP §6.5 and annex, 3GPP TS 23.040 §9.2.3.24; transport.md §4).
//!
//! Decoding ([`Segment::decode`]) reads the UDH of one TP-UD: UDHL, then IEs. It interprets
//! application-port IEs (0x04, 0x05) and concatenation IEs (0x00, 0x08); every other IE is kept
//! as raw `(iei, data)` and reachable through [`Udh::ies`]. Nothing allocates.
//!
//! Repeated IEs follow TS 23.040 §9.2.3.24: when a non-repeatable IE occurs twice, or two
//! mutually exclusive IEs occur (8- and 16-bit ports, 8- and 16-bit concatenation), the last
//! one wins. [`Udh::has_repeats`] tells a strict caller that this happened.
//!
//! Where we are stricter than TS 23.040: an IE length that overruns the UDH, a UDHL that
//! overruns the user data, or a known IE with the wrong length is a typed error (the spec says
//! "ignore the whole UDH", which for a WAP receiver would hand a fragment to WSP as if it were a
//! whole datagram). A concatenation IE with total 0, sequence 0 or sequence > total is likewise
//! an error rather than "ignore the IE".
//!
//! Encoding ([`Segmenter`], [`segment`]) splits a datagram (the WSP PDU) into at most 255
//! segments of at most 140 octets, each `UDH ‖ payload`, with the 16-bit port IE in every
//! segment and a concatenation IE when more than one segment is needed. This gives exactly as
//! many segments as Kannel's `sms_split` for the same datagram with 8-bit references (Kannel
//! also puts its port UDH in every part and uses 8-bit references; see `tests::kannel_count`).

use omacp_wire::Reader;

/// TP-UD is at most 140 octets (TS 23.040 §9.2.3.24).
pub const MAX_USER_DATA: usize = 140;
/// The concatenation IE counts segments in one octet.
pub const MAX_SEGMENTS: usize = 255;
/// WAP connectionless push (WSP/CL, unsecured): the CP destination port.
pub const WAP_PUSH_PORT: u16 = 2948;
/// WSP connectionless: the conventional source port of a push.
pub const WSP_CL_PORT: u16 = 9200;

/// How wide a port or reference field is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Width {
    /// One octet (IEI 0x04 ports, IEI 0x00 concatenation).
    Bits8,
    /// Two octets, big-endian (IEI 0x05 ports, IEI 0x08 concatenation).
    Bits16,
}

/// What an IE this module understands means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IeKind {
    Concat(Width),
    Ports(Width),
}

/// One row per interpreted IE: identifier, the only legal IEL, meaning. Decoder, encoder and
/// tests all read this table.
struct IeSpec {
    iei: u8,
    len: u8,
    kind: IeKind,
}

const KNOWN_IES: &[IeSpec] = &[
    IeSpec {
        iei: 0x00,
        len: 3,
        kind: IeKind::Concat(Width::Bits8),
    },
    IeSpec {
        iei: 0x04,
        len: 2,
        kind: IeKind::Ports(Width::Bits8),
    },
    IeSpec {
        iei: 0x05,
        len: 4,
        kind: IeKind::Ports(Width::Bits16),
    },
    IeSpec {
        iei: 0x08,
        len: 4,
        kind: IeKind::Concat(Width::Bits16),
    },
];

fn spec_of(iei: u8) -> Option<&'static IeSpec> {
    KNOWN_IES.iter().find(|s| s.iei == iei)
}

fn spec_for(kind: IeKind) -> &'static IeSpec {
    // Every IeKind has exactly one row; the table test checks it.
    KNOWN_IES
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or(&KNOWN_IES[0])
}

/// Application port addressing (IEI 0x05 or 0x04).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ports {
    /// Destination port: receivers dispatch on this one.
    pub dst: u16,
    /// Originator port.
    pub src: u16,
    /// 16-bit (0x05) or 8-bit (0x04) IE.
    pub width: Width,
}

impl Ports {
    /// 16-bit ports (IEI 0x05).
    pub fn new(dst: u16, src: u16) -> Ports {
        Ports {
            dst,
            src,
            width: Width::Bits16,
        }
    }

    /// The IE's length on the wire, IEI and IEL included.
    pub fn encoded_len(&self) -> usize {
        2 + usize::from(spec_for(IeKind::Ports(self.width)).len)
    }

    /// Appends the IE. An 8-bit IE keeps only the low octet of each port.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let spec = spec_for(IeKind::Ports(self.width));
        out.extend_from_slice(&[spec.iei, spec.len]);
        match self.width {
            Width::Bits16 => {
                out.extend_from_slice(&self.dst.to_be_bytes());
                out.extend_from_slice(&self.src.to_be_bytes());
            }
            Width::Bits8 => out.extend_from_slice(&[self.dst as u8, self.src as u8]),
        }
    }
}

/// Concatenated short message information (IEI 0x00 or 0x08).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Concat {
    /// Reference shared by all segments of one datagram.
    pub reference: u16,
    /// Number of segments, 1..=255.
    pub total: u8,
    /// This segment's number, 1..=total.
    pub seq: u8,
    /// 8-bit (0x00) or 16-bit (0x08) reference.
    pub width: Width,
}

impl Concat {
    /// The IE's length on the wire, IEI and IEL included.
    pub fn encoded_len(&self) -> usize {
        2 + usize::from(spec_for(IeKind::Concat(self.width)).len)
    }

    /// Appends the IE. An 8-bit IE keeps only the low octet of the reference.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let spec = spec_for(IeKind::Concat(self.width));
        out.extend_from_slice(&[spec.iei, spec.len]);
        match self.width {
            Width::Bits16 => out.extend_from_slice(&self.reference.to_be_bytes()),
            Width::Bits8 => out.push(self.reference as u8),
        }
        out.extend_from_slice(&[self.total, self.seq]);
    }
}

/// One information element as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ie<'a> {
    /// Information element identifier.
    pub iei: u8,
    /// The IE's data (IEL octets).
    pub data: &'a [u8],
    /// Offset of the IEI within the user data.
    pub offset: usize,
}

impl Ie<'_> {
    /// True for the IEs this module interprets (ports and concatenation).
    pub fn is_known(&self) -> bool {
        spec_of(self.iei).is_some()
    }
}

/// Why a UDH could not be read. Offsets count from the first octet of the TP-UD (the UDHL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("UDH at byte {offset}: {kind}")]
pub struct UdhError {
    /// Offset within the user data of the first octet involved.
    pub offset: usize,
    /// What is wrong.
    pub kind: UdhErrorKind,
}

/// What is wrong with a UDH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UdhErrorKind {
    /// The user data is empty, so there is no UDHL.
    #[error("user data has no UDH length octet")]
    Empty,
    /// The user data is longer than an SMS can carry.
    #[error("user data is {len} octets, more than 140")]
    UserDataTooLong {
        /// Octets given.
        len: usize,
    },
    /// UDHL announces more octets than the user data holds.
    #[error("UDHL {udhl} but only {left} octet(s) follow")]
    HeaderOverrun {
        /// The UDHL value.
        udhl: u8,
        /// Octets after the UDHL.
        left: usize,
    },
    /// An IE's header or data runs past the end of the UDH.
    #[error("IE {iei:#04x} needs {wanted} octet(s), {left} left in the UDH")]
    IeOverrun {
        /// The IEI (0 when even the IEL is missing is indistinguishable; see `wanted`).
        iei: u8,
        /// Octets the IE needs from its IEI on.
        wanted: usize,
        /// Octets left in the UDH from its IEI on.
        left: usize,
    },
    /// A port or concatenation IE whose IEL is not the one TS 23.040 fixes.
    #[error("IE {iei:#04x} has length {len}, must be {expected}")]
    IeLength {
        /// The IEI.
        iei: u8,
        /// IEL found.
        len: u8,
        /// IEL required.
        expected: u8,
    },
    /// A concatenation IE with total 0, sequence 0 or sequence > total.
    #[error("concatenation says part {seq} of {total}")]
    ConcatOutOfRange {
        /// Total segments announced.
        total: u8,
        /// Sequence number announced.
        seq: u8,
    },
}

/// A decoded User Data Header. It borrows the IE octets; nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udh<'a> {
    ies: &'a [u8],
    ports: Option<Ports>,
    concat: Option<Concat>,
    repeats: bool,
}

impl<'a> Udh<'a> {
    /// Reads the UDH at the start of `ud` (TP-UDHI set). Returns it and the octets after it.
    pub fn decode(ud: &'a [u8]) -> Result<(Udh<'a>, &'a [u8]), UdhError> {
        if ud.len() > MAX_USER_DATA {
            return Err(UdhError {
                offset: 0,
                kind: UdhErrorKind::UserDataTooLong { len: ud.len() },
            });
        }
        let mut r = Reader::new(ud);
        let udhl = r.u8().map_err(|_| UdhError {
            offset: 0,
            kind: UdhErrorKind::Empty,
        })?;
        let left = r.remaining();
        let mut ies = r.sub(usize::from(udhl)).map_err(|_| UdhError {
            offset: 0,
            kind: UdhErrorKind::HeaderOverrun { udhl, left },
        })?;
        let rest = r.rest();
        let ie_bytes = &ud[1..1 + usize::from(udhl)];
        let mut udh = Udh {
            ies: ie_bytes,
            ports: None,
            concat: None,
            repeats: false,
        };
        let (mut seen_ports, mut seen_concat) = (false, false);
        while !ies.is_empty() {
            let ie = read_ie(&mut ies)?;
            let Some(spec) = spec_of(ie.iei) else {
                continue;
            };
            if ie.data.len() != usize::from(spec.len) {
                return Err(UdhError {
                    offset: ie.offset,
                    kind: UdhErrorKind::IeLength {
                        iei: ie.iei,
                        len: ie.data.len() as u8,
                        expected: spec.len,
                    },
                });
            }
            let d = ie.data;
            match spec.kind {
                IeKind::Ports(width) => {
                    let (dst, src) = match width {
                        Width::Bits16 => (
                            u16::from_be_bytes([d[0], d[1]]),
                            u16::from_be_bytes([d[2], d[3]]),
                        ),
                        Width::Bits8 => (u16::from(d[0]), u16::from(d[1])),
                    };
                    udh.repeats |= seen_ports;
                    seen_ports = true;
                    udh.ports = Some(Ports { dst, src, width });
                }
                IeKind::Concat(width) => {
                    let (reference, total, seq) = match width {
                        Width::Bits16 => (u16::from_be_bytes([d[0], d[1]]), d[2], d[3]),
                        Width::Bits8 => (u16::from(d[0]), d[1], d[2]),
                    };
                    if total == 0 || seq == 0 || seq > total {
                        return Err(UdhError {
                            offset: ie.offset,
                            kind: UdhErrorKind::ConcatOutOfRange { total, seq },
                        });
                    }
                    udh.repeats |= seen_concat;
                    seen_concat = true;
                    udh.concat = Some(Concat {
                        reference,
                        total,
                        seq,
                        width,
                    });
                }
            }
        }
        Ok((udh, rest))
    }

    /// Application ports, if a port IE is present (the last one, per TS 23.040).
    pub fn ports(&self) -> Option<Ports> {
        self.ports
    }

    /// Concatenation information, if present (the last one, per TS 23.040).
    pub fn concat(&self) -> Option<Concat> {
        self.concat
    }

    /// True when a port or concatenation IE occurred more than once (the last one was used).
    pub fn has_repeats(&self) -> bool {
        self.repeats
    }

    /// Octets of the UDH on the wire, UDHL included.
    pub fn encoded_len(&self) -> usize {
        1 + self.ies.len()
    }

    /// Every IE in order, known and unknown. The UDH was checked by `decode`, so this
    /// iterator never meets a malformed IE.
    pub fn ies(&self) -> IeIter<'a> {
        IeIter {
            r: Reader::at(self.ies, 1),
        }
    }

    /// The IEs this module does not interpret, in order.
    pub fn unknown_ies(&self) -> impl Iterator<Item = Ie<'a>> + 'a {
        self.ies().filter(|ie| !ie.is_known())
    }
}

fn read_ie<'a>(r: &mut Reader<'a>) -> Result<Ie<'a>, UdhError> {
    let offset = r.offset();
    let left = r.remaining();
    let overrun = |iei, wanted| UdhError {
        offset,
        kind: UdhErrorKind::IeOverrun { iei, wanted, left },
    };
    let iei = r.u8().map_err(|_| overrun(0, 2))?;
    let len = r.u8().map_err(|_| overrun(iei, 2))?;
    let data = r
        .take(usize::from(len))
        .map_err(|_| overrun(iei, 2 + usize::from(len)))?;
    Ok(Ie { iei, data, offset })
}

/// Iterator over the IEs of a decoded [`Udh`].
#[derive(Debug, Clone)]
pub struct IeIter<'a> {
    r: Reader<'a>,
}

impl<'a> Iterator for IeIter<'a> {
    type Item = Ie<'a>;
    fn next(&mut self) -> Option<Ie<'a>> {
        if self.r.is_empty() {
            return None;
        }
        read_ie(&mut self.r).ok()
    }
}

/// One SMS worth of WDP: the UDH and the datagram octets after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The User Data Header.
    pub udh: Udh<'a>,
    /// The datagram octets this SMS carries (all of them when there is no concatenation IE).
    pub payload: &'a [u8],
}

impl<'a> Segment<'a> {
    /// Reads a TP-UD whose TP-UDHI is set: UDH, then payload.
    pub fn decode(ud: &'a [u8]) -> Result<Segment<'a>, UdhError> {
        let (udh, payload) = Udh::decode(ud)?;
        Ok(Segment { udh, payload })
    }

    /// Application ports, if present.
    pub fn ports(&self) -> Option<Ports> {
        self.udh.ports()
    }

    /// Concatenation information, if present.
    pub fn concat(&self) -> Option<Concat> {
        self.udh.concat()
    }
}

/// The concatenation reference the caller chose for a datagram, and its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// IEI 0x00: 128 payload octets per segment (Kannel's choice).
    Bits8(u8),
    /// IEI 0x08: 127 payload octets per segment, fewer reference collisions.
    Bits16(u16),
}

/// How to segment a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentOptions {
    /// Destination port (default 2948, WAP push).
    pub dst_port: u16,
    /// Originator port (default 9200; Kannel uses 2948).
    pub src_port: u16,
    /// Concatenation reference; only used when more than one segment is needed.
    pub reference: Reference,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            dst_port: WAP_PUSH_PORT,
            src_port: WSP_CL_PORT,
            reference: Reference::Bits8(0),
        }
    }
}

impl SegmentOptions {
    /// Default ports with the given reference.
    pub fn with_reference(reference: Reference) -> Self {
        SegmentOptions {
            reference,
            ..Self::default()
        }
    }
}

/// Why a datagram cannot be segmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SegmentError {
    /// The datagram needs more than 255 segments.
    #[error("datagram of {len} octets needs {needed} SMS segments, at most 255 are possible")]
    TooManySegments {
        /// Datagram length.
        len: usize,
        /// Segments it would need.
        needed: usize,
    },
}

// UDH octets, UDHL included: ports only; ports + concatenation (8- or 16-bit reference).
const UDH_PORTS: usize = 7;
const UDH_PORTS_CONCAT8: usize = 12;
const UDH_PORTS_CONCAT16: usize = 13;

/// Number of segments a datagram of `len` octets needs with these options.
pub fn segment_count(len: usize, opts: &SegmentOptions) -> Result<usize, SegmentError> {
    if len <= MAX_USER_DATA - UDH_PORTS {
        return Ok(1);
    }
    let needed = len.div_ceil(chunk_len(opts.reference));
    if needed > MAX_SEGMENTS {
        return Err(SegmentError::TooManySegments { len, needed });
    }
    Ok(needed)
}

fn chunk_len(reference: Reference) -> usize {
    MAX_USER_DATA
        - match reference {
            Reference::Bits8(_) => UDH_PORTS_CONCAT8,
            Reference::Bits16(_) => UDH_PORTS_CONCAT16,
        }
}

/// Zero-allocation segmentation: measures once, then writes any segment into a caller buffer.
///
/// ```
/// use omacp_bearer::wdp::{Segmenter, SegmentOptions, MAX_USER_DATA};
/// let datagram = [0u8; 300];
/// let s = Segmenter::new(&datagram, &SegmentOptions::default()).unwrap();
/// let mut buf = [0u8; MAX_USER_DATA];
/// for i in 0..s.count() {
///     let n = s.encode_into(i, &mut buf).unwrap();
///     assert!(n <= MAX_USER_DATA);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Segmenter<'d> {
    datagram: &'d [u8],
    udh: [u8; UDH_PORTS_CONCAT16],
    udh_len: usize,
    chunk: usize,
    count: usize,
}

impl<'d> Segmenter<'d> {
    /// Plans the segments of `datagram`.
    pub fn new(datagram: &'d [u8], opts: &SegmentOptions) -> Result<Self, SegmentError> {
        let count = segment_count(datagram.len(), opts)?;
        let mut udh = [0u8; UDH_PORTS_CONCAT16];
        let [d0, d1] = opts.dst_port.to_be_bytes();
        let [s0, s1] = opts.src_port.to_be_bytes();
        udh[1..7].copy_from_slice(&[0x05, 0x04, d0, d1, s0, s1]);
        let (udh_len, chunk) = if count == 1 {
            (UDH_PORTS, MAX_USER_DATA - UDH_PORTS)
        } else {
            // The last octet (sequence number) is patched per segment.
            let n = count as u8;
            match opts.reference {
                Reference::Bits8(r) => udh[7..11].copy_from_slice(&[0x00, 0x03, r, n]),
                Reference::Bits16(r) => {
                    let [r0, r1] = r.to_be_bytes();
                    udh[7..12].copy_from_slice(&[0x08, 0x04, r0, r1, n]);
                }
            }
            let udh_len = match opts.reference {
                Reference::Bits8(_) => UDH_PORTS_CONCAT8,
                Reference::Bits16(_) => UDH_PORTS_CONCAT16,
            };
            (udh_len, chunk_len(opts.reference))
        };
        udh[0] = (udh_len - 1) as u8;
        Ok(Segmenter {
            datagram,
            udh,
            udh_len,
            chunk,
            count,
        })
    }

    /// Number of segments (1..=255).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Length of segment `index` (0-based), UDH included; `None` past the last one.
    pub fn encoded_len(&self, index: usize) -> Option<usize> {
        Some(self.udh_len + self.payload(index)?.len())
    }

    fn payload(&self, index: usize) -> Option<&'d [u8]> {
        if index >= self.count {
            return None;
        }
        let start = index * self.chunk;
        let end = (start + self.chunk).min(self.datagram.len());
        self.datagram.get(start..end).or(Some(&[]))
    }

    /// Writes segment `index` (0-based) into `out`; returns its length, or `None` past the
    /// last segment.
    pub fn encode_into(&self, index: usize, out: &mut [u8; MAX_USER_DATA]) -> Option<usize> {
        let payload = self.payload(index)?;
        let h = self.udh_len;
        out[..h].copy_from_slice(&self.udh[..h]);
        if self.count > 1 {
            out[h - 1] = (index + 1) as u8;
        }
        out[h..h + payload.len()].copy_from_slice(payload);
        Some(h + payload.len())
    }

    /// Appends segment `index` to `out`; returns its length, or `None` past the last segment.
    pub fn encode(&self, index: usize, out: &mut Vec<u8>) -> Option<usize> {
        let mut buf = [0u8; MAX_USER_DATA];
        let n = self.encode_into(index, &mut buf)?;
        out.extend_from_slice(&buf[..n]);
        Some(n)
    }
}

/// Splits `datagram` into SMS user data (UDH ‖ payload, ≤ 140 octets each).
pub fn segment(datagram: &[u8], opts: &SegmentOptions) -> Result<Vec<Vec<u8>>, SegmentError> {
    let s = Segmenter::new(datagram, opts)?;
    Ok((0..s.count())
        .map(|i| {
            let mut v = Vec::with_capacity(MAX_USER_DATA);
            s.encode(i, &mut v);
            v
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use omacp_wire::hex;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn table_has_one_row_per_kind_and_iei() {
        for (i, a) in KNOWN_IES.iter().enumerate() {
            for b in &KNOWN_IES[i + 1..] {
                assert_ne!(a.iei, b.iei);
                assert_ne!(a.kind, b.kind);
            }
            assert_eq!(spec_for(a.kind).iei, a.iei);
        }
    }

    #[test]
    fn spec_example_udhs() {
        // transport.md §4.2
        let s = segment(&[0xAA; 10], &SegmentOptions::default()).unwrap();
        assert_eq!(s, vec![h("06 05 04 0B 84 23 F0 AAAAAAAAAAAAAAAAAAAA")]);
        let seg = Segment::decode(&s[0]).unwrap();
        assert_eq!(seg.ports(), Some(Ports::new(2948, 9200)));
        assert_eq!(seg.concat(), None);
        assert_eq!(seg.payload, &[0xAA; 10]);

        let s = segment(
            &[0; 200],
            &SegmentOptions::with_reference(Reference::Bits16(0x1234)),
        )
        .unwrap();
        assert_eq!(s[1][..13], h("0C 05 04 0B 84 23 F0 08 04 12 34 02 02")[..]);
    }

    #[test]
    fn transport_4_3_worked_example() {
        let pdu: Vec<u8> = (0..163u8).collect();
        let s = segment(
            &pdu,
            &SegmentOptions::with_reference(Reference::Bits8(0x2A)),
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0][..12], h("0B 05 04 0B 84 23 F0 00 03 2A 02 01")[..]);
        assert_eq!(s[0].len(), 140);
        assert_eq!(&s[0][12..], &pdu[..128]);
        assert_eq!(s[1][..12], h("0B 05 04 0B 84 23 F0 00 03 2A 02 02")[..]);
        assert_eq!(s[1].len(), 47);
        assert_eq!(&s[1][12..], &pdu[128..]);
        let seg = Segment::decode(&s[1]).unwrap();
        assert_eq!(
            seg.concat(),
            Some(Concat {
                reference: 0x2A,
                total: 2,
                seq: 2,
                width: Width::Bits8
            })
        );
    }

    #[test]
    fn capacity_boundaries() {
        let o8 = SegmentOptions::default();
        let o16 = SegmentOptions::with_reference(Reference::Bits16(7));
        for (len, n8, n16) in [
            (0, 1, 1),
            (133, 1, 1),
            (134, 2, 2),
            (254, 2, 2),
            (256, 2, 3),
            (257, 3, 3),
            (255 * 127, 254, 255),
            (255 * 128, 255, 256),
        ] {
            assert_eq!(
                segment_count(len, &o8).ok(),
                (n8 <= 255).then_some(n8),
                "8-bit {len}"
            );
            assert_eq!(
                segment_count(len, &o16).ok(),
                (n16 <= 255).then_some(n16),
                "16-bit {len}"
            );
        }
        assert_eq!(
            segment_count(255 * 128 + 1, &o8),
            Err(SegmentError::TooManySegments {
                len: 255 * 128 + 1,
                needed: 256
            })
        );
        let one = segment(&[1; 133], &o8).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].len(), 140);
    }

    /// Kannel `gw/sms.c` `sms_split` (8-bit data, catenate on, 140-octet SMS): one part if the
    /// data fits beside the UDH, otherwise UDH + 5 concatenation octets and parts filled in
    /// order. Recomputed here independently; our count must never exceed it.
    fn kannel_parts(len: usize, udh_len: usize) -> usize {
        if len <= 140 - udh_len {
            1
        } else {
            len.div_ceil(140 - udh_len - 5).max(1)
        }
    }

    #[test]
    fn kannel_count() {
        for len in 0..=255 * 128 {
            let ours = segment_count(len, &SegmentOptions::default()).unwrap();
            assert_eq!(ours, kannel_parts(len, 7), "len {len}");
        }
    }

    #[test]
    fn unknown_and_repeated_ies() {
        // Unknown IE 0x24 (national language), then 8-bit ports, then 16-bit ports: the last wins.
        let ud = h("0D 24 01 02 04 02 10 20 05 04 0B 84 23 F0 99");
        let seg = Segment::decode(&ud).unwrap();
        assert_eq!(seg.ports(), Some(Ports::new(2948, 9200)));
        assert!(seg.udh.has_repeats());
        let unknown: Vec<_> = seg.udh.unknown_ies().collect();
        assert_eq!(
            unknown,
            vec![Ie {
                iei: 0x24,
                data: &[0x02],
                offset: 1
            }]
        );
        assert_eq!(seg.udh.ies().count(), 3);
        assert_eq!(seg.payload, &[0x99]);
        assert_eq!(seg.udh.encoded_len(), 14);
    }

    #[test]
    fn malformed_udhs_are_typed_errors() {
        let e = |s: &str| Segment::decode(&h(s)).unwrap_err();
        assert_eq!(
            e(""),
            UdhError {
                offset: 0,
                kind: UdhErrorKind::Empty
            }
        );
        assert_eq!(
            e("05 05 04 0B"),
            UdhError {
                offset: 0,
                kind: UdhErrorKind::HeaderOverrun { udhl: 5, left: 3 }
            }
        );
        assert_eq!(
            e("03 05 04 0B 84"),
            UdhError {
                offset: 1,
                kind: UdhErrorKind::IeOverrun {
                    iei: 5,
                    wanted: 6,
                    left: 3
                }
            }
        );
        assert_eq!(
            e("01 05"),
            UdhError {
                offset: 1,
                kind: UdhErrorKind::IeOverrun {
                    iei: 5,
                    wanted: 2,
                    left: 1
                }
            }
        );
        assert_eq!(
            e("05 05 03 0B 84 23"),
            UdhError {
                offset: 1,
                kind: UdhErrorKind::IeLength {
                    iei: 5,
                    len: 3,
                    expected: 4
                }
            }
        );
        assert_eq!(
            e("05 00 03 01 02 03"),
            UdhError {
                offset: 1,
                kind: UdhErrorKind::ConcatOutOfRange { total: 2, seq: 3 }
            }
        );
        assert_eq!(
            e("05 00 03 01 00 00").kind,
            UdhErrorKind::ConcatOutOfRange { total: 0, seq: 0 }
        );
        assert_eq!(
            Segment::decode(&[0; 141]).unwrap_err().kind,
            UdhErrorKind::UserDataTooLong { len: 141 }
        );
        // An empty UDH is legal.
        assert_eq!(Segment::decode(&[0, 7]).unwrap().payload, &[7]);
    }

    #[test]
    fn ie_encoders_match_decoder() {
        for ports in [
            Ports::new(2948, 9200),
            Ports {
                dst: 0x12,
                src: 0x34,
                width: Width::Bits8,
            },
        ] {
            for concat in [
                Concat {
                    reference: 0x2A,
                    total: 3,
                    seq: 2,
                    width: Width::Bits8,
                },
                Concat {
                    reference: 0xBEEF,
                    total: 9,
                    seq: 9,
                    width: Width::Bits16,
                },
            ] {
                let mut ies = Vec::new();
                ports.encode(&mut ies);
                concat.encode(&mut ies);
                assert_eq!(ies.len(), ports.encoded_len() + concat.encoded_len());
                let mut ud = vec![ies.len() as u8];
                ud.extend_from_slice(&ies);
                let seg = Segment::decode(&ud).unwrap();
                assert_eq!((seg.ports(), seg.concat()), (Some(ports), Some(concat)));
            }
        }
    }

    #[test]
    fn encode_into_rejects_out_of_range_index() {
        let s = Segmenter::new(&[1; 300], &SegmentOptions::default()).unwrap();
        assert_eq!(s.count(), 3);
        let mut buf = [0; MAX_USER_DATA];
        assert_eq!(s.encode_into(2, &mut buf), Some(12 + 300 - 256));
        assert_eq!(s.encode_into(3, &mut buf), None);
        assert_eq!(s.encoded_len(0), Some(140));
    }
}
