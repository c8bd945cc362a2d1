//! A virtual card for the vsmartcard `vpcd` reader driver: a TCP client that answers the
//! driver from a [`SimulatedCard`], so pcscd shows a card in "Virtual PCD 00 00" and PC/SC
//! applications talk to it like to a real one.
//!
//! The vpcd protocol: every message is a two-byte big-endian length and that many bytes.
//! A one-byte message is a control code — 0 power off, 1 power on, 2 reset, 4 get ATR (the
//! card answers with its ATR) — and anything longer is a command APDU, answered with the
//! response APDU. The driver listens on port 35963 for reader 0; the card connects to it.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use omacp_card::SimulatedCard;

/// The port vpcd listens on for its first reader.
pub const VPCD_PORT: u16 = 35963;
/// The pcscd name of vpcd's first reader.
pub const VPCD_READER: &str = "Virtual PCD 00 00";

const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// A simulated card plugged into vpcd.
#[derive(Debug)]
pub struct VirtualCard {
    stream: TcpStream,
    card: SimulatedCard,
    inbox: Vec<u8>,
    exchanged: usize,
}

impl VirtualCard {
    /// Connects `card` to the vpcd driver at `addr` (normally `127.0.0.1:35963`).
    pub fn connect(addr: impl ToSocketAddrs, card: SimulatedCard) -> io::Result<VirtualCard> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        // Short reads so that `serve_until` notices its stop flag.
        stream.set_read_timeout(Some(Duration::from_millis(50)))?;
        Ok(VirtualCard {
            stream,
            card,
            inbox: Vec::new(),
            exchanged: 0,
        })
    }

    /// APDUs answered so far.
    pub fn exchanged(&self) -> usize {
        self.exchanged
    }

    /// Answers the driver until it closes the connection or `stop` is set.
    pub fn serve_until(&mut self, stop: &AtomicBool) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        while !stop.load(Ordering::Relaxed) {
            match self.stream.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    self.inbox.extend_from_slice(&buf[..n]);
                    self.drain()?;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Handles every complete message in the inbox.
    fn drain(&mut self) -> io::Result<()> {
        loop {
            let [hi, lo, ..] = self.inbox[..] else {
                return Ok(());
            };
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if self.inbox.len() < 2 + len {
                return Ok(());
            }
            let msg: Vec<u8> = self.inbox.drain(..2 + len).skip(2).collect();
            if let Some(reply) = self.handle(&msg) {
                let n =
                    u16::try_from(reply.len()).map_err(|_| io::Error::other("reply too long"))?;
                let mut frame = n.to_be_bytes().to_vec();
                frame.extend_from_slice(&reply);
                self.stream.write_all(&frame)?;
            }
        }
    }

    fn handle(&mut self, msg: &[u8]) -> Option<Vec<u8>> {
        match msg {
            [POWER_OFF] | [POWER_ON] | [RESET] => {
                self.card.reset();
                None
            }
            [GET_ATR] => Some(self.card.atr().to_vec()),
            [_] => None, // an unknown control code: vpcd expects no answer
            apdu => {
                self.exchanged += 1;
                Some(self.card.respond(apdu))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::Arc;

    use omacp_card::{ImageSpec, Platform, build_image};

    use super::*;

    /// Plays the vpcd driver's side over a loopback socket.
    #[test]
    fn speaks_the_vpcd_protocol() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let card =
            SimulatedCard::new(&build_image(&ImageSpec::new(Platform::Usim)).unwrap()).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let t = std::thread::spawn(move || {
            let mut v = VirtualCard::connect(addr, card).unwrap();
            v.serve_until(&flag).unwrap();
            v.exchanged()
        });
        let (mut s, _) = listener.accept().unwrap();
        let mut ask = |msg: &[u8], answer: bool| -> Vec<u8> {
            let mut f = (msg.len() as u16).to_be_bytes().to_vec();
            f.extend_from_slice(msg);
            s.write_all(&f).unwrap();
            if !answer {
                return Vec::new();
            }
            let mut len = [0u8; 2];
            s.read_exact(&mut len).unwrap();
            let mut r = vec![0u8; usize::from(u16::from_be_bytes(len))];
            s.read_exact(&mut r).unwrap();
            r
        };
        ask(&[POWER_ON], false);
        assert_eq!(ask(&[GET_ATR], true), omacp_card::image::DEFAULT_ATR);
        assert_eq!(
            ask(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00], true),
            [0x90, 0x00]
        );
        assert_eq!(
            ask(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0x00], true),
            [0x90, 0x00]
        );
        ask(&[RESET], false);
        assert_eq!(
            ask(&[0xA0, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00], true),
            [0x6E, 0x00]
        );
        drop(s);
        assert_eq!(t.join().unwrap(), 3);
        drop(stop);
    }
}
