//! The subscriber CSV format, parsed without touching the store (so it can be tested on
//! hostile input): a header line naming the columns — `msisdn` (required), `imsi`, `imei`,
//! `labels` (`;`-separated), `profile_id`, `var:<name>` — then one subscriber per line,
//! comma-separated. A field may be quoted as RFC 4180 says (`"a, b"`, `""` for a quote
//! inside), which spreadsheets do for values with commas; a quoted field cannot span lines
//! (a record is one line, so line numbers stay the user's). Unquoted fields are trimmed.
//! Lines are numbered from 1 (the header).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::store::subscribers::SubscriberInput;

/// Most data lines one upload takes; the rest are reported, not read.
pub const MAX_LINES: usize = 100_000;

/// One refused line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// 1-based line number in the upload.
    pub line: usize,
    /// Why it was refused.
    pub message: String,
}

/// Lines that parsed (not yet checked against the store), and lines that did not.
#[derive(Debug, Default)]
pub struct Parsed {
    /// `(line number, subscriber)`.
    pub rows: Vec<(usize, SubscriberInput)>,
    /// Refused lines.
    pub errors: Vec<LineError>,
}

/// Parses an upload. `Err` when the header itself is unusable (nothing is imported then).
pub fn parse(body: &str) -> Result<Parsed, String> {
    let mut lines = body.lines().enumerate();
    let Some((_, head)) = lines.next() else {
        return Err("empty upload: the first line must name the columns".into());
    };
    let cols: Vec<String> = head
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    if cols.iter().filter(|c| *c == "msisdn").count() != 1 {
        return Err("the header line must have exactly one msisdn column".into());
    }
    let known = |c: &str| {
        matches!(c, "msisdn" | "imsi" | "imei" | "labels" | "profile_id")
            || c.strip_prefix("var:").is_some_and(|v| !v.is_empty())
    };
    if let Some(c) = cols.iter().find(|c| !known(c)) {
        return Err(format!("unknown column {c:?}"));
    }
    let mut out = Parsed::default();
    let mut seen = HashSet::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if i > MAX_LINES {
            out.errors.push(LineError {
                line: n,
                message: format!("more than {MAX_LINES} lines; the rest is ignored"),
            });
            break;
        }
        let fields = match split(line) {
            Ok(f) => f,
            Err(message) => {
                out.errors.push(LineError { line: n, message });
                continue;
            }
        };
        if fields.len() != cols.len() {
            out.errors.push(LineError {
                line: n,
                message: format!("{} fields, the header has {}", fields.len(), cols.len()),
            });
            continue;
        }
        let mut s = SubscriberInput::default();
        let mut vars = BTreeMap::new();
        for (c, f) in cols.iter().zip(&fields) {
            match c.as_str() {
                "msisdn" => s.msisdn = f.to_string(),
                "imsi" => s.imsi = Some(f.to_string()),
                "imei" => s.imei = Some(f.to_string()),
                "labels" => s.labels = f.split(';').map(str::to_string).collect(),
                "profile_id" => s.profile_id = Some(f.to_string()),
                v => {
                    if !f.is_empty() {
                        vars.insert(v["var:".len()..].to_string(), f.to_string());
                    }
                }
            }
        }
        s.vars = vars;
        if !seen.insert(s.msisdn.clone()) {
            out.errors.push(LineError {
                line: n,
                message: "msisdn repeated in this upload".into(),
            });
            continue;
        }
        out.rows.push((n, s));
    }
    Ok(out)
}

/// One line's fields: unquoted ones trimmed, quoted ones as written (`""` → `"`).
fn split(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let t = rest.trim_start();
        if let Some(q) = t.strip_prefix('"') {
            let start = line.len() - q.len();
            let mut value = String::new();
            let mut it = q.char_indices();
            let after = loop {
                match it.next() {
                    Some((i, '"')) => {
                        if q[i + 1..].starts_with('"') {
                            value.push('"');
                            it.next();
                        } else {
                            break &q[i + 1..];
                        }
                    }
                    Some((_, c)) => value.push(c),
                    None => {
                        return Err(format!(
                            "column {}: a quoted field opened at character {} is not closed on this line",
                            fields.len() + 1,
                            line[..start].chars().count()
                        ));
                    }
                }
            };
            fields.push(Cow::Owned(value));
            let after = after.trim_start();
            match after.strip_prefix(',') {
                Some(r) => rest = r,
                None if after.is_empty() => return Ok(fields),
                None => {
                    return Err(format!(
                        "column {}: text after a quoted field's closing quote",
                        fields.len()
                    ));
                }
            }
        } else {
            match rest.split_once(',') {
                Some((f, r)) => {
                    fields.push(Cow::Borrowed(f.trim()));
                    rest = r;
                }
                None => {
                    fields.push(Cow::Borrowed(rest.trim()));
                    return Ok(fields);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_bad_lines_keeps_good_ones() {
        let p = parse("msisdn,labels,var:apn\n1,a;b,x\n2\n\n3,,\n1,,\n").unwrap();
        assert_eq!(p.rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(p.rows[0].1.labels, vec!["a", "b"]);
        assert_eq!(p.rows[0].1.vars.get("apn").map(String::as_str), Some("x"));
        assert_eq!(
            p.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 6]
        );
        assert!(parse("").is_err());
        assert!(parse("imsi\n1\n").is_err());
        assert!(parse("msisdn,var:\n1,2\n").is_err());
    }

    #[test]
    fn quoted_fields() {
        let p = parse(
            "msisdn,labels,var:name\n\"1\", a;b ,\"Smith, \"\"Jo\"\"\"\n2,\"x\n3,\"y\"z,\n4,,\"\"\n",
        )
        .unwrap();
        assert_eq!(p.rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(p.rows[0].1.msisdn, "1");
        assert_eq!(p.rows[0].1.labels, vec!["a", "b"]);
        assert_eq!(
            p.rows[0].1.vars.get("name").map(String::as_str),
            Some("Smith, \"Jo\"")
        );
        assert!(
            p.rows[1].1.vars.is_empty(),
            "an empty quoted value is no value"
        );
        assert_eq!(p.errors.len(), 2);
        assert!(p.errors[0].message.contains("not closed"), "{:?}", p.errors);
        assert!(
            p.errors[1].message.contains("after a quoted field"),
            "{:?}",
            p.errors
        );
    }

    proptest::proptest! {
        // Every non-blank data line ends up either parsed or reported, exactly once, and
        // nothing panics whatever the bytes.
        #[test]
        fn every_line_is_accounted_for(body in "msisdn,imsi,labels\n([0-9a-z;, \"]{0,30}\n){0,40}") {
            let p = parse(&body).unwrap();
            let data = body.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
            proptest::prop_assert_eq!(p.rows.len() + p.errors.len(), data);
        }

        #[test]
        fn arbitrary_text_never_panics(body in "\\PC{0,300}") {
            let _ = parse(&body);
        }
    }
}
