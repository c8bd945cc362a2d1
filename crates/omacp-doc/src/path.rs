//! Where a diagnostic points: a path from the document root to a characteristic or a
//! parameter, written as people read it (content.md §6.3 identity keys):
//!
//! ```text
//! /NAPDEF[NAPID=gprs1]/NAP-ADDRESS
//! /PXLOGICAL[PROXY-ID=p1]/PXPHYSICAL[PHYSICAL-PROXY-ID=a]/TO-NAPID
//! /APPLICATION[APPID=w2]        a characteristic identified by its key parameter
//! /ACCESS[2]                    no usable key: 1-based index among same-type siblings
//! /PXPHYSICAL[…]/TO-NAPID[2]    the 2nd of several parameters with one name
//! ```
//! A key is used only when its value is non-empty and unique among the siblings of the
//! same type; otherwise the index is shown. Each segment also records the child
//! position in the tree, so tools can find the node without re-parsing the text.

use std::collections::HashMap;
use std::fmt;

use crate::model::{Characteristic, Node};
use crate::schema::CharType;

/// One characteristic on the way down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The characteristic's `type`.
    pub kind: String,
    /// `(key parameter, value)` when the key identifies it among its siblings.
    pub key: Option<(String, String)>,
    /// 1-based index among siblings of the same type.
    pub ordinal: usize,
    /// Index in the parent's child list (`Document::characteristics` at the root,
    /// `Characteristic::children` below).
    pub position: usize,
}

/// A parameter at the end of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParmRef {
    /// The parameter's name.
    pub name: String,
    /// 1-based index among same-name parameters; shown only when `repeated`.
    pub ordinal: usize,
    /// True when the characteristic has more than one parameter of this name.
    pub repeated: bool,
    /// Index in the characteristic's child list.
    pub position: usize,
}

/// A path to the document itself (`/`), a characteristic or a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocPath {
    /// Characteristics from the root down.
    pub segments: Vec<Segment>,
    /// The parameter, when the path ends at one.
    pub parm: Option<ParmRef>,
}

impl DocPath {
    /// The document root.
    pub fn root() -> DocPath {
        DocPath::default()
    }

    /// The paths of `siblings` (each `(position in the parent, characteristic)`), one per
    /// sibling in order, below `self`. Linear in the number of siblings.
    pub(crate) fn child_paths(&self, siblings: &[(usize, &Characteristic)]) -> Vec<DocPath> {
        // Per type: how many so far (ordinals) and how often each key value occurs.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut keys: HashMap<(&str, &str), usize> = HashMap::new();
        let key_of = |c: &'_ Characteristic| -> Option<(&'static str, String)> {
            let k = CharType::from_name(&c.kind).spec()?.key?;
            let v = c.parms().find(|p| p.name == k)?.value.clone()?;
            (!v.is_empty()).then_some((k, v))
        };
        let found: Vec<Option<(&'static str, String)>> =
            siblings.iter().map(|(_, c)| key_of(c)).collect();
        for ((_, c), k) in siblings.iter().zip(&found) {
            if let Some((_, v)) = k {
                *keys.entry((c.kind.as_str(), v.as_str())).or_default() += 1;
            }
        }
        siblings
            .iter()
            .zip(&found)
            .map(|((position, c), k)| {
                let n = seen.entry(c.kind.as_str()).or_default();
                *n += 1;
                let key = k
                    .as_ref()
                    .filter(|(_, v)| keys.get(&(c.kind.as_str(), v.as_str())) == Some(&1))
                    .map(|(k, v)| ((*k).to_owned(), v.clone()));
                let mut out = self.clone();
                out.segments.push(Segment {
                    kind: c.kind.clone(),
                    key,
                    ordinal: *n,
                    position: *position,
                });
                out
            })
            .collect()
    }

    /// A [`ParmRef`] for each child of `c` that is a parameter (`None` for characteristics).
    pub(crate) fn parm_refs(c: &Characteristic) -> Vec<Option<ParmRef>> {
        let mut total: HashMap<&str, usize> = HashMap::new();
        for p in c.parms() {
            *total.entry(p.name.as_str()).or_default() += 1;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        c.children
            .iter()
            .enumerate()
            .map(|(position, n)| match n {
                Node::Parm(p) => {
                    let k = seen.entry(p.name.as_str()).or_default();
                    *k += 1;
                    let repeated = total.get(p.name.as_str()).is_some_and(|t| *t > 1);
                    Some(ParmRef {
                        name: p.name.clone(),
                        ordinal: *k,
                        repeated,
                        position,
                    })
                }
                Node::Characteristic(_) => None,
            })
            .collect()
    }

    /// This path extended by a parameter.
    pub fn with(&self, parm: ParmRef) -> DocPath {
        let mut out = self.clone();
        out.parm = Some(parm);
        out
    }

    /// Tree positions from the root (characteristic positions, then the parameter's),
    /// which order diagnostics in document order.
    pub fn positions(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.segments.iter().map(|s| s.position).collect();
        if let Some(p) = &self.parm {
            v.push(p.position);
        }
        v
    }

    /// True for the document root.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty() && self.parm.is_none()
    }
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str("/");
        }
        for s in &self.segments {
            write!(f, "/{}", s.kind)?;
            match &s.key {
                Some((k, v)) => write!(f, "[{k}={v}]")?,
                None => write!(f, "[{}]", s.ordinal)?,
            }
        }
        if let Some(p) = &self.parm {
            write!(f, "/{}", p.name)?;
            if p.repeated {
                write!(f, "[{}]", p.ordinal)?;
            }
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for DocPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_path(cs: &[Characteristic], i: usize) -> DocPath {
        let sib: Vec<(usize, &Characteristic)> = cs.iter().enumerate().collect();
        DocPath::root().child_paths(&sib).swap_remove(i)
    }

    fn parm_path(p: &DocPath, c: &Characteristic, i: usize) -> DocPath {
        p.with(DocPath::parm_refs(c).swap_remove(i).expect("a parm"))
    }

    #[test]
    fn keyed_indexed_and_parm_paths() {
        let cs = vec![
            Characteristic::new("NAPDEF")
                .with_parm("NAPID", "gprs1")
                .with_parm("NAP-ADDRESS", "x"),
            Characteristic::new("ACCESS"),
            Characteristic::new("ACCESS")
                .with_parm("TO-NAPID", "a")
                .with_parm("TO-NAPID", "b"),
            Characteristic::new("APPLICATION").with_parm("APPID", "w2"),
            Characteristic::new("APPLICATION").with_parm("APPID", "w4"),
            Characteristic::new("APPLICATION").with_parm("APPID", "w4"),
        ];
        let nap = root_path(&cs, 0);
        assert_eq!(nap.to_string(), "/NAPDEF[NAPID=gprs1]");
        assert_eq!(
            parm_path(&nap, &cs[0], 1).to_string(),
            "/NAPDEF[NAPID=gprs1]/NAP-ADDRESS"
        );
        assert_eq!(root_path(&cs, 1).to_string(), "/ACCESS[1]");
        let acc = root_path(&cs, 2);
        assert_eq!(acc.to_string(), "/ACCESS[2]");
        assert_eq!(
            parm_path(&acc, &cs[2], 1).to_string(),
            "/ACCESS[2]/TO-NAPID[2]"
        );
        assert_eq!(root_path(&cs, 3).to_string(), "/APPLICATION[APPID=w2]");
        // Not unique: the index says which one.
        assert_eq!(root_path(&cs, 5).to_string(), "/APPLICATION[3]");
        assert_eq!(parm_path(&acc, &cs[2], 1).positions(), vec![2, 1]);
        assert_eq!(DocPath::root().to_string(), "/");
    }

    #[test]
    fn nested_path() {
        let phys = Characteristic::new("PXPHYSICAL")
            .with_parm("PHYSICAL-PROXY-ID", "a")
            .with_parm("TO-NAPID", "n");
        let px = Characteristic::new("PXLOGICAL")
            .with_parm("PROXY-ID", "p1")
            .with_child(phys.clone());
        let cs = vec![px.clone()];
        let p = root_path(&cs, 0);
        let q = parm_path(&p.child_paths(&[(1, &phys)]).swap_remove(0), &phys, 1);
        assert_eq!(
            q.to_string(),
            "/PXLOGICAL[PROXY-ID=p1]/PXPHYSICAL[PHYSICAL-PROXY-ID=a]/TO-NAPID"
        );
    }
}
