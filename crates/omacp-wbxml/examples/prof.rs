//! Profiling driver: `prof <file.xml> <enc|dec|parse> <n>`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&a[1]).unwrap();
    let n: usize = a[3].parse().unwrap();
    let doc = omacp_doc::xml::parse(&text).unwrap();
    let b = omacp_wbxml::encode(&doc, &Default::default());
    let mut s = 0;
    for _ in 0..n {
        match a[2].as_str() {
            "enc" => s += omacp_wbxml::encode(std::hint::black_box(&doc), &Default::default()).len(),
            "enc0" => s += omacp_wbxml::encode(std::hint::black_box(&doc), &omacp_wbxml::EncodeOptions { string_table: false }).len(),
            "dec" => s += omacp_wbxml::decode(std::hint::black_box(&b), &Default::default()).unwrap().document.characteristics.len(),
            "xml" => s += omacp_doc::xml::to_string(&omacp_wbxml::decode(std::hint::black_box(&b), &Default::default()).unwrap().document).len(),
            _ => s += omacp_doc::xml::parse(std::hint::black_box(&text)).unwrap().characteristics.len(),
        }
    }
    println!("{s}");
}
