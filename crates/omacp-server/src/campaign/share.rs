//! Rate limits shared by the runners on one database.
//!
//! Every runner heartbeats with the names of the SMSC routes it binds
//! (`queue::heartbeat`). Each one then takes an equal share of each limit: the campaign
//! and tenant rates are divided by the number of live runners, a route's rate by the
//! number of live runners binding a route of that name (the same SMSC account). So the
//! runners together stay within the configured rates. The shares are recounted every
//! second: for that long after a runner starts, the others still send at their old share
//! (at most one runner's share over), and a runner that stopped without a word is counted
//! until its heartbeat is older than a lease (the others send under the limit meanwhile).
//! Work the runners do not split evenly (one runner idle) leaves rate unused; the limits
//! are ceilings, never exceeded by design.

/// How many runners share each limit, this runner included (never 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shares {
    /// Runners sharing the campaign and tenant rates.
    pub all: u32,
    /// Per route of this runner (same order): runners binding a route of that name.
    pub routes: Vec<u32>,
}

/// The shares of a runner binding `mine`, given the routes of every live runner (`live`,
/// which should include this one; if it does not, it is counted anyway).
pub fn shares(mine: &[String], live: &[Vec<String>], includes_me: bool) -> Shares {
    let me = u32::from(!includes_me);
    let all = (live.len() as u32).saturating_add(me).max(1);
    let routes = mine
        .iter()
        .map(|name| {
            let others = live.iter().filter(|r| r.iter().any(|n| n == name)).count() as u32;
            others.saturating_add(me).max(1)
        })
        .collect();
    Shares { all, routes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn alone_takes_everything() {
        let me = names(&["smsc-a"]);
        assert_eq!(
            shares(&me, std::slice::from_ref(&me), true),
            Shares {
                all: 1,
                routes: vec![1]
            }
        );
        // Not yet in the table (first heartbeat failed): still counts itself once.
        assert_eq!(
            shares(&me, &[], false),
            Shares {
                all: 1,
                routes: vec![1]
            }
        );
    }

    #[test]
    fn routes_are_shared_by_name_campaigns_by_everyone() {
        let a = names(&["smsc-a", "smsc-b"]);
        let b = names(&["smsc-a"]);
        let api_only_runner = names(&[]);
        let live = vec![a.clone(), b.clone(), api_only_runner];
        assert_eq!(
            shares(&a, &live, true),
            Shares {
                all: 3,
                routes: vec![2, 1]
            }
        );
        assert_eq!(
            shares(&b, &live, true),
            Shares {
                all: 3,
                routes: vec![2]
            }
        );
        // Seen from a runner missing from the list.
        assert_eq!(
            shares(&b, &live[..1], false),
            Shares {
                all: 2,
                routes: vec![2]
            }
        );
    }
}
