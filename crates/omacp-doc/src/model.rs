//! The document tree (content.md §2).
//!
//! ```text
//! wap-provisioningdoc [version]
//!   characteristic type=T      (1..* at the root)
//!     parm name=N [value=V]
//!     characteristic type=T2   (nested)
//! ```
//! Children keep document order. Names and values are kept exactly as received;
//! whether they mean anything is the schema's and validator's business.

use std::cmp::Ordering;

/// A whole provisioning document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// The root's `version` attribute, if present (`"1.0"` in the spec's example).
    pub version: Option<String>,
    /// Top-level characteristics, in document order.
    pub characteristics: Vec<Characteristic>,
}

/// A `characteristic` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Characteristic {
    /// The `type` attribute (`NAPDEF`, `APPLICATION`, …).
    pub kind: String,
    /// Parameters and nested characteristics, in document order.
    pub children: Vec<Node>,
}

/// One child of a characteristic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A `parm` element.
    Parm(Parm),
    /// A nested `characteristic`.
    Characteristic(Characteristic),
}

/// A `parm` element. A value-less parm is a flag (INTERNET, T-BIT, …).
///
/// `Debug` prints `<redacted>` for the values of secret parameters (passwords, keys), so a
/// document can be logged or shown in a test failure without leaking credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Parm {
    /// The `name` attribute.
    pub name: String,
    /// The `value` attribute; `None` when absent (not the same as `Some("")`).
    pub value: Option<String>,
}

impl std::fmt::Debug for Parm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Parm");
        d.field("name", &self.name);
        match &self.value {
            Some(_) if crate::schema::is_secret_name(&self.name) => d.field("value", &"<redacted>"),
            v => d.field("value", v),
        };
        d.finish()
    }
}

impl Parm {
    /// A parm with a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Parm {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A value-less (flag) parm.
    pub fn flag(name: impl Into<String>) -> Self {
        Parm {
            name: name.into(),
            value: None,
        }
    }
}

impl Characteristic {
    /// An empty characteristic of type `kind`.
    pub fn new(kind: impl Into<String>) -> Self {
        Characteristic {
            kind: kind.into(),
            children: Vec::new(),
        }
    }

    /// Builder: appends a valued parm.
    pub fn with_parm(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.children.push(Node::Parm(Parm::new(name, value)));
        self
    }

    /// Builder: appends a flag parm.
    pub fn with_flag(mut self, name: impl Into<String>) -> Self {
        self.children.push(Node::Parm(Parm::flag(name)));
        self
    }

    /// Builder: appends a nested characteristic.
    pub fn with_child(mut self, child: Characteristic) -> Self {
        self.children.push(Node::Characteristic(child));
        self
    }

    /// The parms, in order.
    pub fn parms(&self) -> impl Iterator<Item = &Parm> {
        self.children.iter().filter_map(|n| match n {
            Node::Parm(p) => Some(p),
            Node::Characteristic(_) => None,
        })
    }

    /// The nested characteristics, in order.
    pub fn characteristics(&self) -> impl Iterator<Item = &Characteristic> {
        self.children.iter().filter_map(|n| match n {
            Node::Characteristic(c) => Some(c),
            Node::Parm(_) => None,
        })
    }

    /// Values of every parm called `name`, in order (flags yield `""`).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.parms()
            .filter(move |p| p.name == name)
            .map(|p| p.value.as_deref().unwrap_or(""))
    }

    /// The value of the first parm called `name` (a flag yields `Some("")`).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.parms()
            .find(|p| p.name == name)
            .map(|p| p.value.as_deref().unwrap_or(""))
    }

    /// True when a parm called `name` is present (valued or not).
    pub fn has(&self, name: &str) -> bool {
        self.parms().any(|p| p.name == name)
    }
}

impl Document {
    /// A document with the given version and no characteristics.
    pub fn new(version: Option<&str>) -> Self {
        Document {
            version: version.map(str::to_owned),
            characteristics: Vec::new(),
        }
    }

    /// Builder: appends a top-level characteristic.
    pub fn with(mut self, c: Characteristic) -> Self {
        self.characteristics.push(c);
        self
    }

    /// Semantic equality (content.md §2): the order of characteristics and of parms
    /// with different names carries no meaning; repeated parms of one name keep their
    /// order (TO-NAPID, TO-PROXY preference lists). Encoding details (WBXML string
    /// table, code pages, XML whitespace) never reach the tree, so they cannot matter.
    pub fn same_meaning(&self, other: &Document) -> bool {
        self.version == other.version
            && canonical_list(&self.characteristics) == canonical_list(&other.characteristics)
    }

    /// Number of elements (characteristics and parms) in the tree.
    pub fn element_count(&self) -> usize {
        fn count(c: &Characteristic) -> usize {
            1 + c
                .children
                .iter()
                .map(|n| match n {
                    Node::Parm(_) => 1,
                    Node::Characteristic(c) => count(c),
                })
                .sum::<usize>()
        }
        self.characteristics.iter().map(count).sum()
    }
}

/// A canonical, order-normalised form used for semantic comparison.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Canon<'a> {
    // Parms sort before characteristics; parms sort by name only, and the sort is
    // stable, so same-name parms keep their relative order.
    Parm(&'a str, Option<&'a str>),
    Char(&'a str, Vec<Canon<'a>>),
}

fn canonical(c: &Characteristic) -> Canon<'_> {
    let mut parms: Vec<Canon<'_>> = c
        .parms()
        .map(|p| Canon::Parm(p.name.as_str(), p.value.as_deref()))
        .collect();
    parms.sort_by(|a, b| match (a, b) {
        (Canon::Parm(x, _), Canon::Parm(y, _)) => x.cmp(y),
        _ => Ordering::Equal,
    });
    let mut chars: Vec<Canon<'_>> = c.characteristics().map(canonical).collect();
    chars.sort();
    parms.extend(chars);
    Canon::Char(c.kind.as_str(), parms)
}

fn canonical_list(cs: &[Characteristic]) -> Vec<Canon<'_>> {
    let mut v: Vec<Canon<'_>> = cs.iter().map(canonical).collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nap(id: &str) -> Characteristic {
        Characteristic::new("NAPDEF")
            .with_parm("NAPID", id)
            .with_parm("NAME", "n")
    }

    #[test]
    fn order_of_different_things_does_not_matter() {
        let a = Document::new(Some("1.0")).with(nap("A")).with(nap("B"));
        let b = Document::new(Some("1.0")).with(nap("B")).with(nap("A"));
        assert!(a.same_meaning(&b));
        let c = Document::new(Some("1.0"))
            .with(
                Characteristic::new("NAPDEF")
                    .with_parm("NAME", "n")
                    .with_parm("NAPID", "A"),
            )
            .with(nap("B"));
        assert!(a.same_meaning(&c));
    }

    #[test]
    fn order_of_repeated_parms_matters() {
        let x = Characteristic::new("PXPHYSICAL")
            .with_parm("TO-NAPID", "A")
            .with_parm("TO-NAPID", "B");
        let y = Characteristic::new("PXPHYSICAL")
            .with_parm("TO-NAPID", "B")
            .with_parm("TO-NAPID", "A");
        assert!(
            !Document::new(None)
                .with(x.clone())
                .same_meaning(&Document::new(None).with(y))
        );
        assert!(
            Document::new(None)
                .with(x.clone())
                .same_meaning(&Document::new(None).with(x))
        );
    }

    #[test]
    fn debug_redacts_secret_values() {
        let p = Parm::new("AUTHSECRET", "hunter2");
        let shown = format!("{p:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert!(format!("{:?}", Parm::new("NAME", "Home")).contains("Home"));
    }

    #[test]
    fn flag_differs_from_empty_value_and_version_counts() {
        let f = Document::new(None).with(Characteristic::new("NAPDEF").with_flag("INTERNET"));
        let e = Document::new(None).with(Characteristic::new("NAPDEF").with_parm("INTERNET", ""));
        assert!(!f.same_meaning(&e));
        let mut v = f.clone();
        v.version = Some("1.0".into());
        assert!(!f.same_meaning(&v));
    }
}
