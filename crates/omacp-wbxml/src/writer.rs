//! Writing WBXML 1.3 (WAP-192 §5), independent of any application: the header and the
//! global tokens. Application encoders (PROV in `encode`) add their own tag and attribute
//! bytes between these calls. Nothing here checks the grammar; callers emit a valid
//! token sequence.

use crate::header::{MIB_UTF8, VERSION_1_3};

/// SWITCH_PAGE.
pub const SWITCH_PAGE: u8 = 0x00;
/// END of an attribute list or of element content.
pub const END: u8 = 0x01;
/// ENTITY.
pub const ENTITY: u8 = 0x02;
/// STR_I.
pub const STR_I: u8 = 0x03;
/// STR_T.
pub const STR_T: u8 = 0x83;
/// OPAQUE.
pub const OPAQUE: u8 = 0xC3;
/// Tag flag: an attribute list follows.
pub const HAS_ATTRIBUTES: u8 = 0x80;
/// Tag flag: content follows.
pub const HAS_CONTENT: u8 = 0x40;

/// Header of a WBXML 1.3 UTF-8 document with well-known public id `public_id` and the
/// string table `table` (NUL-terminated strings, may be empty).
pub fn header(out: &mut Vec<u8>, public_id: u32, table: &[u8]) {
    out.push(VERSION_1_3);
    omacp_wire::write_uintvar(out, public_id);
    omacp_wire::write_uintvar(out, MIB_UTF8);
    omacp_wire::write_uintvar(out, table.len() as u32);
    out.extend_from_slice(table);
}

/// SWITCH_PAGE to `page` (of the tag or attribute space the writer is in).
pub fn switch_page(out: &mut Vec<u8>, page: u8) {
    out.extend_from_slice(&[SWITCH_PAGE, page]);
}

/// STR_I with `text`, which must not contain NUL (use [`entity`] for U+0000).
pub fn str_i(out: &mut Vec<u8>, text: &[u8]) {
    debug_assert!(!text.contains(&0), "STR_I cannot carry NUL");
    out.push(STR_I);
    out.extend_from_slice(text);
    out.push(0);
}

/// STR_T referring to byte `offset` of the string table.
pub fn str_t(out: &mut Vec<u8>, offset: u32) {
    out.push(STR_T);
    omacp_wire::write_uintvar(out, offset);
}

/// ENTITY for character `c`.
pub fn entity(out: &mut Vec<u8>, c: char) {
    out.push(ENTITY);
    omacp_wire::write_uintvar(out, c as u32);
}

/// OPAQUE with `data`.
pub fn opaque(out: &mut Vec<u8>, data: &[u8]) {
    out.push(OPAQUE);
    omacp_wire::write_uintvar(out, data.len() as u32);
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_tokens() {
        let mut v = Vec::new();
        header(&mut v, 0x0B, b"ab\0");
        switch_page(&mut v, 1);
        str_i(&mut v, b"x");
        str_t(&mut v, 200);
        entity(&mut v, '\0');
        opaque(&mut v, &[9]);
        assert_eq!(
            v,
            [
                3, 0x0B, 0x6A, 3, b'a', b'b', 0, 0, 1, 3, b'x', 0, 0x83, 0x81, 0x48, 2, 0, 0xC3, 1,
                9
            ]
        );
    }
}
