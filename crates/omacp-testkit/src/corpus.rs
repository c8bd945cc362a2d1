//! The document corpus in `corpus/` at the repository root: realistic documents that
//! together use every characteristic and parameter of the schema.

use std::path::{Path, PathBuf};

/// Root of the repository (where `corpus/` lives).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// One corpus document.
#[derive(Debug, Clone)]
pub struct CorpusDoc {
    /// File name, e.g. `03-mms-w4.xml`.
    pub name: String,
    /// Full path.
    pub path: PathBuf,
    /// The XML text.
    pub xml: String,
}

/// Every `corpus/*.xml`, sorted by name.
pub fn documents() -> Vec<CorpusDoc> {
    let dir = repo_root().join("corpus");
    let mut out: Vec<CorpusDoc> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|path| CorpusDoc {
            name: path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned(),
            xml: std::fs::read_to_string(&path).expect("corpus file is UTF-8"),
            path,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 25, "corpus has only {} documents", out.len());
    out
}
