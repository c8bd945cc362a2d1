//! The wire form of [`crate::pdu`] values: the decoder (bounded, offsets in every error),
//! the encoder, and the stream framer.

use crate::error::{PduError, PduErrorKind as K};
use crate::pdu::{
    Bind, BindKind, BindResp, Body, DataSm, HEADER_LEN, MessageIdResp, Outbind, Password, Pdu, Sm,
};
use crate::status::Status;
use crate::tlv::Tlvs;

/// Maximum sizes of C-octet strings, NUL included (§4).
mod max {
    pub const SYSTEM_ID: usize = 16;
    pub const PASSWORD: usize = 9;
    pub const SYSTEM_TYPE: usize = 13;
    pub const ADDRESS_RANGE: usize = 41;
    pub const SERVICE_TYPE: usize = 6;
    pub const ADDR: usize = 21;
    pub const DATA_SM_ADDR: usize = 65;
    pub const TIME: usize = 17;
    pub const MESSAGE_ID: usize = 65;
}

struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn u8(&mut self) -> Result<u8, PduError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or(PduError::at(self.pos, K::Truncated))?;
        self.pos += 1;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32, PduError> {
        let b = self
            .buf
            .get(self.pos..self.pos + 4)
            .ok_or(PduError::at(self.pos, K::Truncated))?;
        self.pos += 4;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn cstr(&mut self, field: &'static str, max: usize) -> Result<String, PduError> {
        let rest = &self.buf[self.pos..];
        let Some(n) = rest.iter().take(max).position(|&b| b == 0) else {
            let kind = if rest.len() < max {
                K::Truncated
            } else {
                K::Unterminated { field, max }
            };
            return Err(PduError::at(self.pos, kind));
        };
        let s = std::str::from_utf8(&rest[..n])
            .map_err(|_| PduError::at(self.pos, K::NotText { field }))?;
        self.pos += n + 1;
        Ok(s.to_owned())
    }

    /// A C-octet string that an error response may omit entirely.
    fn cstr_or_end(&mut self, field: &'static str, max: usize) -> Result<String, PduError> {
        if self.pos == self.buf.len() {
            return Ok(String::new());
        }
        self.cstr(field, max)
    }

    fn tlvs(&mut self) -> Result<Tlvs, PduError> {
        let t = Tlvs::decode(&self.buf[self.pos..], self.pos)?;
        self.pos = self.buf.len();
        Ok(t)
    }

    fn end(&self) -> Result<(), PduError> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            n => Err(PduError::at(self.pos, K::TrailingData(n))),
        }
    }
}

fn put_cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// The size of the next frame in `buf`, once its command_length is readable: `Ok(None)`
/// while fewer than 4 octets are buffered. Rejects lengths outside 16..=`max` before
/// anything is read or allocated.
pub fn frame_len(buf: &[u8], max: u32) -> Result<Option<usize>, PduError> {
    let Some(b) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if len < HEADER_LEN as u32 {
        return Err(PduError::at(0, K::LengthTooSmall(len)));
    }
    if len > max {
        return Err(PduError::at(0, K::LengthTooLarge { len, max }));
    }
    Ok(Some(len as usize))
}

impl Pdu {
    /// A request or response with ESME_ROK.
    pub fn new(sequence: u32, body: Body) -> Pdu {
        Pdu {
            status: Status::OK,
            sequence,
            body,
        }
    }

    /// Decodes exactly one PDU from `frame` (command_length must equal `frame.len()`).
    pub fn decode(frame: &[u8], max: u32) -> Result<Pdu, PduError> {
        let len = frame_len(frame, max)?.ok_or(PduError::at(0, K::Truncated))?;
        if len != frame.len() {
            return Err(PduError::at(
                0,
                K::LengthMismatch {
                    announced: len as u32,
                    actual: frame.len(),
                },
            ));
        }
        let mut c = Cur { buf: frame, pos: 4 };
        let id = c.u32()?;
        let status = Status(c.u32()?);
        let sequence = c.u32()?;
        let error_resp = id & 0x8000_0000 != 0 && status != Status::OK;
        let bind_kind = |id: u32| match id & 0xFF {
            1 => BindKind::Receiver,
            2 => BindKind::Transmitter,
            _ => BindKind::Transceiver,
        };
        let body = match id {
            0x8000_0000 => Body::GenericNack,
            0x01 | 0x02 | 0x09 => Body::Bind(
                bind_kind(id),
                Bind {
                    system_id: c.cstr("system_id", max::SYSTEM_ID)?,
                    password: Password(c.cstr("password", max::PASSWORD)?),
                    system_type: c.cstr("system_type", max::SYSTEM_TYPE)?,
                    interface_version: c.u8()?,
                    addr_ton: c.u8()?,
                    addr_npi: c.u8()?,
                    address_range: c.cstr("address_range", max::ADDRESS_RANGE)?,
                },
            ),
            0x8000_0001 | 0x8000_0002 | 0x8000_0009 => {
                let system_id = if error_resp {
                    c.cstr_or_end("system_id", max::SYSTEM_ID)?
                } else {
                    c.cstr("system_id", max::SYSTEM_ID)?
                };
                Body::BindResp(
                    bind_kind(id),
                    BindResp {
                        system_id,
                        tlvs: c.tlvs()?,
                    },
                )
            }
            0x0B => Body::Outbind(Outbind {
                system_id: c.cstr("system_id", max::SYSTEM_ID)?,
                password: Password(c.cstr("password", max::PASSWORD)?),
            }),
            0x06 => Body::Unbind,
            0x8000_0006 => Body::UnbindResp,
            0x15 => Body::EnquireLink,
            0x8000_0015 => Body::EnquireLinkResp,
            0x04 => Body::SubmitSm(Box::new(decode_sm(&mut c)?)),
            0x05 => Body::DeliverSm(Box::new(decode_sm(&mut c)?)),
            0x8000_0004 | 0x8000_0005 => {
                // Error responses may carry no body at all (§4.4.2 note); deliver_sm_resp's
                // message_id is unused but some SMSCs omit even its NUL.
                let message_id = if error_resp || id == 0x8000_0005 {
                    c.cstr_or_end("message_id", max::MESSAGE_ID)?
                } else {
                    c.cstr("message_id", max::MESSAGE_ID)?
                };
                let r = MessageIdResp {
                    message_id,
                    tlvs: Tlvs::default(),
                };
                if id == 0x8000_0004 {
                    Body::SubmitSmResp(r)
                } else {
                    Body::DeliverSmResp(r)
                }
            }
            0x0103 => Body::DataSm(Box::new(DataSm {
                service_type: c.cstr("service_type", max::SERVICE_TYPE)?,
                source_addr_ton: c.u8()?,
                source_addr_npi: c.u8()?,
                source_addr: c.cstr("source_addr", max::DATA_SM_ADDR)?,
                dest_addr_ton: c.u8()?,
                dest_addr_npi: c.u8()?,
                destination_addr: c.cstr("destination_addr", max::DATA_SM_ADDR)?,
                esm_class: c.u8()?,
                registered_delivery: c.u8()?,
                data_coding: c.u8()?,
                tlvs: c.tlvs()?,
            })),
            0x8000_0103 => Body::DataSmResp(MessageIdResp {
                message_id: c.cstr_or_end("message_id", max::MESSAGE_ID)?,
                tlvs: c.tlvs()?,
            }),
            other => return Err(PduError::at(4, K::UnknownCommand(other))),
        };
        c.end()?;
        Ok(Pdu {
            status,
            sequence,
            body,
        })
    }

    /// Appends the wire form.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.body.command_id().to_be_bytes());
        out.extend_from_slice(&self.status.0.to_be_bytes());
        out.extend_from_slice(&self.sequence.to_be_bytes());
        match &self.body {
            Body::GenericNack
            | Body::Unbind
            | Body::UnbindResp
            | Body::EnquireLink
            | Body::EnquireLinkResp => {}
            Body::Bind(_, b) => {
                put_cstr(out, &b.system_id);
                put_cstr(out, &b.password.0);
                put_cstr(out, &b.system_type);
                out.extend_from_slice(&[b.interface_version, b.addr_ton, b.addr_npi]);
                put_cstr(out, &b.address_range);
            }
            Body::BindResp(_, r) => {
                put_cstr(out, &r.system_id);
                r.tlvs.encode(out);
            }
            Body::Outbind(o) => {
                put_cstr(out, &o.system_id);
                put_cstr(out, &o.password.0);
            }
            Body::SubmitSm(sm) | Body::DeliverSm(sm) => encode_sm(sm, out),
            Body::SubmitSmResp(r) | Body::DeliverSmResp(r) => put_cstr(out, &r.message_id),
            Body::DataSm(d) => {
                put_cstr(out, &d.service_type);
                out.extend_from_slice(&[d.source_addr_ton, d.source_addr_npi]);
                put_cstr(out, &d.source_addr);
                out.extend_from_slice(&[d.dest_addr_ton, d.dest_addr_npi]);
                put_cstr(out, &d.destination_addr);
                out.extend_from_slice(&[d.esm_class, d.registered_delivery, d.data_coding]);
                d.tlvs.encode(out);
            }
            Body::DataSmResp(r) => {
                put_cstr(out, &r.message_id);
                r.tlvs.encode(out);
            }
        }
        let len = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

fn decode_sm(c: &mut Cur<'_>) -> Result<Sm, PduError> {
    let mut sm = Sm {
        service_type: c.cstr("service_type", max::SERVICE_TYPE)?,
        source_addr_ton: c.u8()?,
        source_addr_npi: c.u8()?,
        source_addr: c.cstr("source_addr", max::ADDR)?,
        dest_addr_ton: c.u8()?,
        dest_addr_npi: c.u8()?,
        destination_addr: c.cstr("destination_addr", max::ADDR)?,
        esm_class: c.u8()?,
        protocol_id: c.u8()?,
        priority_flag: c.u8()?,
        schedule_delivery_time: c.cstr("schedule_delivery_time", max::TIME)?,
        validity_period: c.cstr("validity_period", max::TIME)?,
        registered_delivery: c.u8()?,
        replace_if_present_flag: c.u8()?,
        data_coding: c.u8()?,
        sm_default_msg_id: c.u8()?,
        ..Sm::default()
    };
    let at = c.pos;
    let n = c.u8()?;
    let body = c
        .buf
        .get(c.pos..c.pos + usize::from(n))
        .ok_or(PduError::at(at, K::ShortMessageOverrun(n)))?;
    sm.short_message = body.to_vec();
    c.pos += usize::from(n);
    sm.tlvs = c.tlvs()?;
    Ok(sm)
}

fn encode_sm(sm: &Sm, out: &mut Vec<u8>) {
    put_cstr(out, &sm.service_type);
    out.extend_from_slice(&[sm.source_addr_ton, sm.source_addr_npi]);
    put_cstr(out, &sm.source_addr);
    out.extend_from_slice(&[sm.dest_addr_ton, sm.dest_addr_npi]);
    put_cstr(out, &sm.destination_addr);
    out.extend_from_slice(&[sm.esm_class, sm.protocol_id, sm.priority_flag]);
    put_cstr(out, &sm.schedule_delivery_time);
    put_cstr(out, &sm.validity_period);
    out.extend_from_slice(&[
        sm.registered_delivery,
        sm.replace_if_present_flag,
        sm.data_coding,
        sm.sm_default_msg_id,
    ]);
    // short_message is at most 254 octets (§4.4.1); longer data belongs in message_payload.
    let n = sm.short_message.len().min(254);
    out.push(n as u8);
    out.extend_from_slice(&sm.short_message[..n]);
    sm.tlvs.encode(out);
}

/// Splits a byte stream into PDUs: feed what the socket gave, take PDUs out.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    max: u32,
}

impl FrameDecoder {
    /// A decoder with a command_length limit.
    pub fn new(max: u32) -> FrameDecoder {
        FrameDecoder {
            buf: Vec::new(),
            max,
        }
    }

    /// Appends received octets.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete PDU, `Ok(None)` if more octets are needed. After an error the
    /// stream cannot be resynchronised (the length is untrusted): close the connection.
    pub fn next_pdu(&mut self) -> Result<Option<Pdu>, PduError> {
        let Some(len) = frame_len(&self.buf, self.max)? else {
            return Ok(None);
        };
        if self.buf.len() < len {
            return Ok(None);
        }
        let r = Pdu::decode(&self.buf[..len], self.max);
        self.buf.drain(..len);
        r.map(Some)
    }

    /// Octets buffered but not yet a complete PDU.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}
