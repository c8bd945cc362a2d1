//! The three provisioning files and the OIDs that announce them in an EF(DODF)
//! (smartcard.md §1, §2.2).
//!
//! The ProvSC OIDs could not be confirmed \[U\]. The defaults follow the one confirmed
//! neighbour — OMA DM's smart-card bootstrap object is `2.23.43.7.1` — and number the CP
//! files `2.23.43.7.1` Bootstrap, `.2` Config1, `.3` Config2. Because the Bootstrap default
//! is also the DM bootstrap OID, the walker by default keeps only documents whose WBXML
//! public id is the provisioning one (`0x0B`), so a DM bootstrap file is noted and skipped
//! instead of being taken for a CP bootstrap. The table is configuration: [`RoleTable::parse`]
//! reads `OID ROLE [LAYOUT]` lines, and `omacp card read --oid OID=ROLE` overrides entries.

use crate::oid::Oid;
use crate::split::Layout;

/// Which provisioning file a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The operator's bootstrap document (read-only for the ME).
    Bootstrap,
    /// Further operator configuration (read-only for the ME).
    Config1,
    /// Configuration the ME stores on the card (read and update).
    Config2,
}

impl Role {
    /// The three roles, in processing order.
    pub const ALL: [Role; 3] = [Role::Bootstrap, Role::Config1, Role::Config2];

    /// Lower-case name (`bootstrap`, `config1`, `config2`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Bootstrap => "bootstrap",
            Role::Config1 => "config1",
            Role::Config2 => "config2",
        }
    }

    /// The name used as the DODF label by the image builder.
    pub fn label(self) -> &'static str {
        match self {
            Role::Bootstrap => "Bootstrap",
            Role::Config1 => "Config1",
            Role::Config2 => "Config2",
        }
    }
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Role {
    type Err = RoleTableError;

    fn from_str(s: &str) -> Result<Role, RoleTableError> {
        Role::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s.trim()))
            .ok_or(RoleTableError {
                line: 0,
                why: "a role is bootstrap, config1 or config2",
            })
    }
}

/// The default OID for each role \[U\].
pub static DEFAULT_ROLE_OIDS: &[(&str, Role)] = &[
    ("2.23.43.7.1", Role::Bootstrap),
    ("2.23.43.7.2", Role::Config1),
    ("2.23.43.7.3", Role::Config2),
];

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleEntry {
    /// The OID in the DODF.
    pub oid: Oid,
    /// The file's role.
    pub role: Role,
    /// How documents are laid out in the file.
    pub layout: Layout,
}

/// OID → role configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleTable {
    entries: Vec<RoleEntry>,
}

/// A bad line in a role table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role table line {line}: {why}")]
pub struct RoleTableError {
    /// 1-based line (0 when not from a file).
    pub line: usize,
    /// What is wrong.
    pub why: &'static str,
}

impl Default for RoleTable {
    fn default() -> Self {
        RoleTable::provsc_default()
    }
}

impl RoleTable {
    /// The defaults of [`DEFAULT_ROLE_OIDS`], every file concatenated.
    pub fn provsc_default() -> RoleTable {
        let entries = DEFAULT_ROLE_OIDS
            .iter()
            .map(|(oid, role)| RoleEntry {
                oid: oid.parse().expect("default OIDs are well formed"),
                role: *role,
                layout: Layout::Concatenated,
            })
            .collect();
        RoleTable { entries }
    }

    /// A table with no entries.
    pub fn empty() -> RoleTable {
        RoleTable {
            entries: Vec::new(),
        }
    }

    /// Maps `oid` to `role`, replacing an existing entry for that OID.
    pub fn set(&mut self, oid: Oid, role: Role, layout: Layout) {
        self.entries.retain(|e| e.oid != oid);
        self.entries.push(RoleEntry { oid, role, layout });
    }

    /// Removes every entry for `role` (before [`RoleTable::set`] gives it a new OID).
    pub fn clear_role(&mut self, role: Role) {
        self.entries.retain(|e| e.role != role);
    }

    /// The entry for `oid`.
    pub fn lookup(&self, oid: &Oid) -> Option<&RoleEntry> {
        self.entries.iter().find(|e| e.oid == *oid)
    }

    /// The first OID configured for `role`.
    pub fn oid_for(&self, role: Role) -> Option<&Oid> {
        self.entries.iter().find(|e| e.role == role).map(|e| &e.oid)
    }

    /// The layout configured for `role` (the first entry's).
    pub fn layout_for(&self, role: Role) -> Layout {
        self.entries
            .iter()
            .find(|e| e.role == role)
            .map(|e| e.layout)
            .unwrap_or_default()
    }

    /// All entries.
    pub fn entries(&self) -> &[RoleEntry] {
        &self.entries
    }

    /// Reads `OID ROLE [concatenated|length-prefixed]` lines (`#` starts a comment) into a
    /// new table.
    pub fn parse(text: &str) -> Result<RoleTable, RoleTableError> {
        let mut t = RoleTable::empty();
        for (i, line) in text.lines().enumerate() {
            let err = |why| RoleTableError { line: i + 1, why };
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(oid) = words.next() else { continue };
            let oid: Oid = oid.parse().map_err(|_| err("not an OID"))?;
            let role: Role = words
                .next()
                .ok_or(err("missing role"))?
                .parse()
                .map_err(|e: RoleTableError| err(e.why))?;
            let layout = match words.next() {
                None | Some("concatenated") => Layout::Concatenated,
                Some("length-prefixed") => Layout::LengthPrefixed,
                Some(_) => return Err(err("layout is concatenated or length-prefixed")),
            };
            if words.next().is_some() {
                return Err(err("extra words"));
            }
            t.set(oid, role, layout);
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let mut t = RoleTable::default();
        let boot: Oid = "2.23.43.7.1".parse().unwrap();
        assert_eq!(t.lookup(&boot).unwrap().role, Role::Bootstrap);
        assert_eq!(t.oid_for(Role::Config2).unwrap().to_string(), "2.23.43.7.3");
        t.clear_role(Role::Config2);
        t.set(
            "1.3.6.1.4.1.99999.1".parse().unwrap(),
            Role::Config2,
            Layout::LengthPrefixed,
        );
        assert_eq!(
            t.oid_for(Role::Config2).unwrap().to_string(),
            "1.3.6.1.4.1.99999.1"
        );
        assert_eq!(t.layout_for(Role::Config2), Layout::LengthPrefixed);
        assert_eq!(t.entries().len(), 3);
    }

    #[test]
    fn parses_text() {
        let t = RoleTable::parse(
            "# ours\n2.23.43.7.1 bootstrap\n\n2.23.43.7.9 config2 length-prefixed # x\n",
        )
        .unwrap();
        assert_eq!(t.entries().len(), 2);
        assert_eq!(t.layout_for(Role::Config2), Layout::LengthPrefixed);
        assert_eq!(RoleTable::parse("2 bootstrap").unwrap_err().line, 1);
        assert_eq!(
            RoleTable::parse("\nx bootstrap").unwrap_err(),
            RoleTableError {
                line: 2,
                why: "not an OID"
            }
        );
        assert_eq!(
            RoleTable::parse("1.2.3 boot").unwrap_err().why,
            "a role is bootstrap, config1 or config2"
        );
        assert_eq!(RoleTable::parse("1.2.3 config1 zip").unwrap_err().line, 1);
    }
}
