//! A document as the encoder sees it: the flat item list ([`Item`]) and its attribute
//! strings in document order ([`Slot`]s), from a [`Document`] tree or from a
//! [`Flat`] reading of XML text. Both give the same items and slots for the same
//! document, so the encoder after them cannot tell the paths apart.

use omacp_doc::flat::{Flat, Item};
use omacp_doc::{Characteristic, Document, Node};

use crate::tokens::Attr;

/// One attribute string and which attribute it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'d> {
    pub attr: Attr,
    pub text: &'d str,
}

/// Flattens `doc` into `items` and `slots`; returns the fixed (non-attribute) body bytes.
pub(crate) fn collect<'d>(
    doc: &'d Document,
    items: &mut Vec<Item>,
    slots: &mut Vec<Slot<'d>>,
) -> usize {
    fn walk<'d>(c: &'d Characteristic, items: &mut Vec<Item>, slots: &mut Vec<Slot<'d>>) {
        let content = !c.children.is_empty();
        items.push(Item::Char { content });
        slots.push(Slot {
            attr: Attr::Type,
            text: &c.kind,
        });
        for n in &c.children {
            match n {
                Node::Parm(p) => {
                    items.push(Item::Parm {
                        value: p.value.is_some(),
                    });
                    slots.push(Slot {
                        attr: Attr::Name,
                        text: &p.name,
                    });
                    if let Some(v) = &p.value {
                        slots.push(Slot {
                            attr: Attr::Value,
                            text: v,
                        });
                    }
                }
                Node::Characteristic(c) => walk(c, items, slots),
            }
        }
        items.push(Item::End { content });
    }
    items.push(Item::Root {
        version: doc.version.is_some(),
        content: !doc.characteristics.is_empty(),
    });
    if let Some(v) = &doc.version {
        slots.push(Slot {
            attr: Attr::Version,
            text: v,
        });
    }
    for c in &doc.characteristics {
        walk(c, items, slots);
    }
    fixed_bytes(items)
}

/// The slots of a [`Flat`] document parsed from `text`; returns the fixed body bytes.
pub(crate) fn collect_flat<'d>(flat: &'d Flat, text: &'d str, slots: &mut Vec<Slot<'d>>) -> usize {
    let mut strings = flat.strings(text);
    // Each string the items announce is there (the reader pushes them together).
    let mut next = |attr| Slot {
        attr,
        text: strings.next().unwrap_or_default(),
    };
    for item in flat.items() {
        match *item {
            Item::Root { version: true, .. } => slots.push(next(Attr::Version)),
            Item::Root { .. } | Item::End { .. } => {}
            Item::Char { .. } => slots.push(next(Attr::Type)),
            Item::Parm { value } => {
                slots.push(next(Attr::Name));
                if value {
                    slots.push(next(Attr::Value));
                }
            }
        }
    }
    fixed_bytes(flat.items())
}

/// Tag bytes and ENDs: the root tag (+ END of its attributes, + END of its content);
/// per characteristic its tag and END of attributes (+ END of content); per parm its
/// tag and END of attributes.
pub(crate) fn fixed_bytes(items: &[Item]) -> usize {
    items
        .iter()
        .map(|i| match *i {
            Item::Root { version, content } => 1 + usize::from(version) + usize::from(content),
            Item::Char { content } => 2 + usize::from(content),
            Item::Parm { .. } => 2,
            Item::End { .. } => 0,
        })
        .sum()
}

/// Reuses `v`'s buffer for elements of another lifetime: an in-place `collect` of an
/// emptied vector keeps the allocation when the element layouts are the same.
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().map(|_| unreachable!("empty")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buffer survives the change of lifetime (what makes the pooled vectors of
    /// borrowed strings allocation-free in steady state).
    #[test]
    fn recycle_keeps_the_allocation() {
        let text = String::from("abc");
        let mut v: Vec<Slot<'_>> = Vec::with_capacity(64);
        v.push(Slot {
            attr: Attr::Name,
            text: &text,
        });
        let ptr = v.as_ptr() as usize;
        let kept: Vec<Slot<'static>> = recycle(v);
        assert!(kept.is_empty());
        assert_eq!(kept.capacity(), 64);
        assert_eq!(kept.as_ptr() as usize, ptr);
    }
}
