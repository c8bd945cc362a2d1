//! Creating a campaign: resolve the audience, check each subscriber against the profile
//! (values), the SEC method (IMSI, PIN) and its device model (SEC methods it verifies, the
//! most segments it reassembles), and snapshot the profile.
//!
//! Subscribers that cannot receive the campaign are left out and reported, not silently
//! dropped; the campaign is refused only when nobody is left.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::build;
use super::model::{Claimed, Sec, Spec};
use super::store::NewMessage;
use crate::auth::fill_random;
use crate::store::devices::{self, DeviceModel};
use crate::store::subscribers::{self, Recipient, Search};
use crate::store::tenants::Scope;
use crate::store::{Store, StoreError};
use crate::template::Variable;

/// Who receives a campaign. Exactly one of the fields is used, in this order: `msisdns`,
/// `csv`, `label`, `query`; none of them means every subscriber of the tenant.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Audience {
    /// These MSISDNs (each must be a subscriber of the tenant).
    #[serde(default)]
    pub msisdns: Option<Vec<String>>,
    /// A CSV upload: the first column (or a column named `msisdn`) holds MSISDNs.
    #[serde(default)]
    pub csv: Option<String>,
    /// Subscribers carrying this label.
    #[serde(default)]
    pub label: Option<String>,
    /// Subscribers whose MSISDN, IMSI or IMEI starts with this.
    #[serde(default)]
    pub query: Option<String>,
}

/// A subscriber left out, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    /// MSISDN.
    pub msisdn: String,
    /// Why.
    pub reason: String,
}

/// Why a campaign cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The request is not acceptable.
    #[error("{0}")]
    Bad(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn csv_msisdns(text: &str) -> Vec<String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return Vec::new();
    };
    let head: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let (col, skip_first) = match head.iter().position(|h| h == "msisdn") {
        Some(i) => (i, true),
        None => (0, false),
    };
    let mut out = Vec::new();
    let rows = std::iter::once(first).filter(|_| !skip_first).chain(lines);
    for l in rows {
        if let Some(v) = l.split(',').nth(col) {
            out.push(v.trim().trim_matches('"').to_owned());
        }
    }
    out
}

/// The audience's subscribers, in list order (for `msisdns` and `csv`) or id order; listed
/// MSISDNs without a subscriber are reported in `skipped`. One query either way.
async fn resolve(
    st: &Store,
    tenant_id: &str,
    a: &Audience,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Recipient>, CreateError> {
    let listed = match (&a.msisdns, &a.csv) {
        (Some(m), _) => Some(m.clone()),
        (None, Some(c)) => Some(csv_msisdns(c)),
        _ => None,
    };
    let Some(list) = listed else {
        let search = Search {
            q: a.query.as_deref(),
            label: a.label.as_deref(),
        };
        return Ok(subscribers::recipients(st, tenant_id, &search).await?);
    };
    // (as given, normalised), first occurrence of each normalised MSISDN only.
    let mut seen = HashSet::new();
    let wanted: Vec<(String, String)> = list
        .into_iter()
        .filter_map(|m| {
            let norm = crate::thc::normalize_msisdn(&m).unwrap_or_else(|| m.clone());
            seen.insert(norm.clone()).then_some((m, norm))
        })
        .collect();
    let norms: Vec<&str> = wanted.iter().map(|(_, n)| n.as_str()).collect();
    let mut found: HashMap<String, Recipient> =
        subscribers::recipients_by_msisdn(st, tenant_id, &norms)
            .await?
            .into_iter()
            .map(|r| (r.msisdn.clone(), r))
            .collect();
    let mut out = Vec::with_capacity(found.len());
    for (m, norm) in wanted {
        match found.remove(&norm) {
            Some(r) => out.push(r),
            None => skipped.push(Skipped {
                msisdn: m,
                reason: "no such subscriber".into(),
            }),
        }
    }
    Ok(out)
}

fn random_pin(len: usize) -> Result<String, CreateError> {
    let mut e = [0u8; 64];
    fill_random(&mut e);
    omacp_sec::random_pin(len, &e)
        .map(|p| p.expose().to_owned())
        .map_err(|e| CreateError::Bad(format!("pin_length: {e}")))
}

/// The checked messages of a new campaign, and who was left out.
pub struct Prepared {
    /// One per subscriber.
    pub messages: Vec<NewMessage>,
    /// Left out.
    pub skipped: Vec<Skipped>,
}

/// What `prepare` needs to know of the campaign.
pub struct Draft<'a> {
    /// Tenant.
    pub tenant_id: &'a str,
    /// Template snapshot.
    pub template: &'a str,
    /// Variables.
    pub variables: &'a [Variable],
    /// Campaign values.
    pub campaign_vars: &'a BTreeMap<String, String>,
    /// SEC.
    pub sec: Sec,
    /// The given PIN.
    pub pin: Option<&'a str>,
    /// Generate a PIN of this many digits per subscriber.
    pub pin_length: Option<usize>,
    /// The tenant's scope.
    pub scope: &'a Scope,
    /// source_addr (for the segment count).
    pub source: &'a str,
}

/// Resolves the audience and checks every subscriber.
pub async fn prepare(
    st: &Store,
    d: &Draft<'_>,
    audience: &Audience,
) -> Result<Prepared, CreateError> {
    let mut skipped = Vec::new();
    let subs = resolve(st, d.tenant_id, audience, &mut skipped).await?;
    let models: HashMap<String, DeviceModel> = {
        let mut m = HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = devices::list(st, d.tenant_id, None, cursor.as_deref(), 500).await?;
            for dm in page.items {
                m.insert(dm.tac.clone(), dm);
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        m
    };
    let spec = Spec {
        id: "check".into(),
        tenant_id: d.tenant_id.into(),
        template: d.template.into(),
        variables: d.variables.to_vec(),
        campaign_vars: d.campaign_vars.clone(),
        sec: d.sec,
        pin: d.pin.map(str::to_owned),
        rate: 0,
        max_attempts: 1,
        state: super::model::CampaignState::Running,
    };
    let method = d.sec.method().name().unwrap_or("?");
    let mut messages = Vec::with_capacity(subs.len());
    // The full build (validate, encode, sign, segment) is done once per distinct filled
    // document and device model, not once per subscriber.
    let mut checked: HashMap<(String, Option<String>), Result<usize, String>> = HashMap::new();
    for s in subs {
        let pin = match d.pin_length {
            Some(n) if d.sec.needs_pin() => Some(random_pin(n)?),
            _ => None,
        };
        let m = Claimed {
            id: format!("check.{}", s.id),
            campaign_id: "check".into(),
            msisdn: s.msisdn.clone(),
            imsi: s.imsi.clone(),
            imei: s.imei.clone(),
            vars: s.vars.clone(),
            pin: pin.clone(),
            attempts: 0,
        };
        let skip = |reason: String| Skipped {
            msisdn: s.msisdn.clone(),
            reason,
        };
        if d.sec.needs_imsi()
            && s.imsi
                .as_deref()
                .is_none_or(|i| omacp_sec::Imsi::parse(i).is_err())
        {
            skipped.push(skip(format!("no valid IMSI (needed by {method})")));
            continue;
        }
        let filled = match build::render(&spec, &m) {
            Ok(f) => f,
            Err(e) => {
                skipped.push(skip(e.to_string()));
                continue;
            }
        };
        let model = s
            .imei
            .as_deref()
            .and_then(|i| models.get(&i.chars().take(8).collect::<String>()));
        if let Some(model) = model
            && !model.sec_methods.is_empty()
            && !model
                .sec_methods
                .iter()
                .any(|x| x.eq_ignore_ascii_case(method))
        {
            skipped.push(skip(format!(
                "device model {} does not verify {method}",
                model.name
            )));
            continue;
        }
        let key = (filled, model.map(|m| m.id.clone()));
        let segs = checked
            .entry(key)
            .or_insert_with(|| {
                build::build(&spec, d.scope, &m, d.source)
                    .map(|b| b.submits.len())
                    .map_err(|e| e.to_string())
            })
            .clone();
        match segs {
            Err(e) => {
                skipped.push(skip(e));
                continue;
            }
            Ok(n) => {
                if let Some(model) = model
                    && n as i64 > model.max_segments
                {
                    skipped.push(skip(format!(
                        "needs {n} SMS; device model {} reassembles at most {}",
                        model.name, model.max_segments
                    )));
                    continue;
                }
            }
        }
        messages.push(NewMessage {
            subscriber_id: s.id,
            msisdn: s.msisdn,
            imsi: s.imsi,
            imei: s.imei,
            vars: s.vars,
            pin,
        });
    }
    Ok(Prepared { messages, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_and_without_header() {
        assert_eq!(
            csv_msisdns("name,msisdn\nA,4477001\nB, \"4477002\"\n"),
            vec!["4477001", "4477002"]
        );
        assert_eq!(
            csv_msisdns("4477001\n\n4477002,x\n"),
            vec!["4477001", "4477002"]
        );
    }
}
