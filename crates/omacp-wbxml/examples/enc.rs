//! Debug helper: encode an XML file and print hex.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let doc = omacp_doc::xml::parse(&text).unwrap();
    let table = args.get(2).is_none_or(|a| a != "-n");
    let b = omacp_wbxml::encode(&doc, &omacp_wbxml::EncodeOptions { string_table: table });
    std::fs::write("/tmp/wbx/out.wbxml", &b).unwrap();
    println!("{} {}", b.len(), omacp_wire::hex::encode_upper(&b));
}
