//! `omacp validate`: decode (XML or WBXML), validate against the content schema
//! (content.md §8), print every diagnostic. Exit 0 valid (warnings allowed), 1 invalid,
//! 2 unreadable.

use omacp_doc::validate::{Report, Severity, validate};

use super::Exit;
use crate::args::ValidateArgs;
use crate::{io, load};

/// Runs `omacp validate`.
pub fn run(args: ValidateArgs) -> anyhow::Result<Exit> {
    let bytes = io::read_input(&args.input)?;
    let loaded = load::document(&bytes, false)?;
    let report = validate(&loaded.doc);
    let form = match loaded.form {
        load::Form::Xml => "XML",
        load::Form::Wbxml => "WBXML",
    };
    let out = if args.json {
        json(&report, form, &loaded.notes)?
    } else {
        text(&report, form, &loaded.notes, &args.input)
    };
    io::write_output(None, out.as_bytes())?;
    Ok(if report.is_valid() {
        Exit::Ok
    } else {
        Exit::Invalid
    })
}

/// One line per diagnostic (`error /PATH: message [rule]`), then a summary line.
fn text(report: &Report, form: &str, notes: &[String], input: &std::path::Path) -> String {
    let mut out = String::new();
    for n in notes {
        out.push_str(&format!("note: {n}\n"));
    }
    for d in &report.diagnostics {
        out.push_str(&format!("{d}\n"));
    }
    let (e, w, i) = counts(report);
    let verdict = if report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    out.push_str(&format!(
        "{}: {verdict} {form} document ({e} error{}, {w} warning{}, {i} info{})\n",
        input.display(),
        plural(e),
        plural(w),
        plural(i)
    ));
    out
}

/// `{valid, form, errors, warnings, infos, notes, diagnostics: [{severity, path, rule, message}]}`.
fn json(report: &Report, form: &str, notes: &[String]) -> anyhow::Result<String> {
    let (e, w, i) = counts(report);
    let v = serde_json::json!({
        "valid": report.is_valid(),
        "form": form.to_ascii_lowercase(),
        "errors": e,
        "warnings": w,
        "infos": i,
        "notes": notes,
        "diagnostics": report.diagnostics,
    });
    Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
}

fn counts(r: &Report) -> (usize, usize, usize) {
    (
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.count(Severity::Info),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
