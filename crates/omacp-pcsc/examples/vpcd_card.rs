//! Plugs a card image into the vsmartcard vpcd reader until interrupted, so that PC/SC tools
//! (and `omacp card read --reader "Virtual PCD 00 00"`) see it as a real card:
//!
//! ```text
//! cargo run -p omacp-pcsc --example vpcd_card -- corpus/cards/usim-full.card [HOST:PORT]
//! ```

use std::sync::atomic::AtomicBool;

use omacp_card::{CardImage, SimulatedCard};
use omacp_pcsc::vpcd::{VPCD_PORT, VirtualCard};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let image = args.next().ok_or("usage: vpcd_card IMAGE [HOST:PORT]")?;
    let addr = args
        .next()
        .unwrap_or_else(|| format!("127.0.0.1:{VPCD_PORT}"));
    let img = CardImage::load(std::path::Path::new(&image))?;
    let mut card = VirtualCard::connect(addr.as_str(), SimulatedCard::new(&img)?)?;
    eprintln!(
        "{image} ({}) plugged into vpcd at {addr}; Ctrl-C to unplug",
        img.platform
    );
    card.serve_until(&AtomicBool::new(false))?;
    eprintln!(
        "vpcd closed the connection after {} APDUs",
        card.exchanged()
    );
    Ok(())
}
