//! Trust classes (uab.md §2) and the security policy with its secure defaults
//! (security.md §6; every \[U\] rule of uab.md is a knob here). `docs/agent-policy.md` lists
//! the knobs with their reasons.

use std::fmt;

use omacp_bearer::reassembly::Limits;

/// How much a document is trusted, from how it was authenticated (uab.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trust {
    /// No SEC/MAC and not from a trusted TPS path.
    Unauthenticated,
    /// SEC=USERPIN or USERPINMAC, verified: the sender knew a PIN the user was given.
    UserAuthenticated,
    /// Unsigned, but pushed by a context's trusted PPG with "initiator authenticated" and the
    /// context's PROVURL as initiator, or fetched over HTTP from that PROVURL.
    TpsPushed,
    /// SEC=NETWPIN or USERNETWPIN, verified: the operator owning the subscription sent it.
    NetworkAuthenticated,
    /// Read from the smart card: trusted by origin.
    Card,
}

impl Trust {
    /// Every class, weakest first.
    pub const ALL: [Trust; 5] = [
        Trust::Unauthenticated,
        Trust::UserAuthenticated,
        Trust::TpsPushed,
        Trust::NetworkAuthenticated,
        Trust::Card,
    ];

    /// Stable lower-case name (store, JSON).
    pub fn name(self) -> &'static str {
        match self {
            Trust::Unauthenticated => "unauthenticated",
            Trust::UserAuthenticated => "user-authenticated",
            Trust::TpsPushed => "tps-pushed",
            Trust::NetworkAuthenticated => "network-authenticated",
            Trust::Card => "card",
        }
    }

    /// Inverse of [`Trust::name`].
    pub fn from_name(s: &str) -> Option<Trust> {
        Trust::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Rank for overwriting settings: operator classes (card, network) over the TPS, over
    /// the user, over nobody. A document may replace an item only if its rank is at least
    /// the item owner's.
    pub fn rank(self) -> u8 {
        match self {
            Trust::Unauthenticated => 0,
            Trust::UserAuthenticated => 1,
            Trust::TpsPushed => 2,
            Trust::NetworkAuthenticated | Trust::Card => 3,
        }
    }

    /// True for the operator classes.
    pub fn is_operator(self) -> bool {
        self.rank() == 3
    }
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to do with a document of a given kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// Apply without asking (a passive notification is still emitted as `Applied`).
    Silent,
    /// Ask the user, showing the summary; apply only on acceptance.
    Confirm,
    /// Refuse.
    Reject,
}

/// The agent's security policy. `Policy::default()` is the secure default; each field says
/// what it controls and why it defaults the way it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Documents with no SEC/MAC that did not come through a trusted TPS path. Default
    /// `Reject`: the 2019 OMA CP phishing attacks sent exactly these. `Confirm` stores them
    /// in the default context after the user accepted the summary; never in a TPS context.
    pub unauthenticated: Acceptance,
    /// Verified USERPIN/USERPINMAC documents without BOOTSTRAP. Default `Confirm`: the PIN
    /// only proves the sender knew a PIN the user was given, which an attacker can also send.
    pub user_authenticated: Acceptance,
    /// Verified USERPIN/USERPINMAC bootstrap (creates a TPS context). Default `Confirm`
    /// (ProvBoot as recalled: only after explicit user acceptance).
    pub user_bootstrap: Acceptance,
    /// Verified NETWPIN/USERNETWPIN bootstrap creating the operator's TPS context. Default
    /// `Silent` (uab.md §6: "NETWPIN bootstrap from the home operator" is a silent case).
    pub network_bootstrap: Acceptance,
    /// Other verified NETWPIN/USERNETWPIN documents. Default `Confirm`: NETWPIN is keyed
    /// only with the IMSI, which attackers can learn (the 2019 attacks), so a document that
    /// is not the initial bootstrap is shown to the user with every address it changes.
    pub network_authenticated: Acceptance,
    /// Continuous provisioning from a TPS into its own context. Default `Silent`.
    pub tps: Acceptance,
    /// Card documents. Default `Silent` (trusted by origin).
    pub card: Acceptance,
    /// Accept only NETWPIN (and card) documents; everything else is rejected (Nokia's
    /// `EAuthNETWPINOnly`). Default `false`.
    pub netwpin_only: bool,
    /// PIN entries allowed per message before it is discarded. Default 3 (Windows Mobile,
    /// MediaTek and Spreadtrum all use 3).
    pub pin_attempts_per_message: u8,
    /// Wrong PINs in a row, across messages, before PIN entry is locked. Default 5: a
    /// sender re-sending the message cannot get unlimited guesses.
    pub lockout_after_failures: u32,
    /// First lock-out, in ms; doubled for each further failure. Default 60 000 (1 min).
    pub lockout_base_ms: u64,
    /// Longest lock-out, in ms. Default 24 h.
    pub lockout_max_ms: u64,
    /// How long a message may wait for a PIN or a confirmation before it is discarded.
    /// Default 10 min: an abandoned prompt must not hold the queue forever.
    pub prompt_timeout_ms: u64,
    /// Reject a bootstrap for a context that already exists (Nokia's `EBootstrapExists`).
    /// Default `true`. A card re-read of its own context is always allowed.
    pub reject_second_bootstrap: bool,
    /// Most TPS contexts on the device, whatever CONTEXT-ALLOW says. Default 4.
    pub max_tps_contexts: usize,
    /// Continuous provisioning pushes must come from a PXADDR of the context's trusted PPG
    /// (BOOTSTRAP/PROXY-ID) as well as carry the Push-Flag and initiator URI. Default `true`:
    /// over SMS, Push-Flag and X-Wap-Initiator-URI are only bytes anyone can write.
    pub tps_push_requires_trusted_ppg: bool,
    /// Messages held while another waits for a PIN, a confirmation or a commit. Default 4;
    /// further messages are rejected as `Busy`.
    pub max_queued_messages: usize,
    /// Largest document body accepted, in bytes. Default 64 KiB.
    pub max_document_bytes: usize,
    /// SMS reassembly limits. Default `Limits::HANDSET`.
    pub reassembly: Limits,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            unauthenticated: Acceptance::Reject,
            user_authenticated: Acceptance::Confirm,
            user_bootstrap: Acceptance::Confirm,
            network_bootstrap: Acceptance::Silent,
            network_authenticated: Acceptance::Confirm,
            tps: Acceptance::Silent,
            card: Acceptance::Silent,
            netwpin_only: false,
            pin_attempts_per_message: 3,
            lockout_after_failures: 5,
            lockout_base_ms: 60_000,
            lockout_max_ms: 24 * 3600 * 1000,
            prompt_timeout_ms: 10 * 60 * 1000,
            reject_second_bootstrap: true,
            max_tps_contexts: 4,
            tps_push_requires_trusted_ppg: true,
            max_queued_messages: 4,
            max_document_bytes: 64 * 1024,
            reassembly: Limits::HANDSET,
        }
    }
}

impl Policy {
    /// The acceptance for a trust class (non-bootstrap documents).
    pub fn acceptance(&self, trust: Trust) -> Acceptance {
        match trust {
            Trust::Unauthenticated => self.unauthenticated,
            Trust::UserAuthenticated => self.user_authenticated,
            Trust::TpsPushed => self.tps,
            Trust::NetworkAuthenticated => self.network_authenticated,
            Trust::Card => self.card,
        }
    }
}

/// Global PIN-failure state: consecutive wrong PINs across messages and the lock-out they
/// caused. Shells persist it so a restart does not reset the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinGuard {
    /// Wrong PINs since the last correct one.
    pub failures: u32,
    /// PIN entry is refused until this time (ms on the shell's clock).
    pub locked_until: Option<u64>,
}

impl PinGuard {
    /// True while locked at `now`.
    pub fn locked(&self, now: u64) -> bool {
        self.locked_until.is_some_and(|t| now < t)
    }

    /// Records a wrong PIN at `now`; locks with exponential back-off once the count reaches
    /// the policy's threshold.
    pub fn fail(&mut self, now: u64, policy: &Policy) {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= policy.lockout_after_failures.max(1) {
            let extra = self.failures - policy.lockout_after_failures.max(1);
            let ms = policy
                .lockout_base_ms
                .saturating_mul(1u64 << extra.min(40))
                .min(policy.lockout_max_ms);
            self.locked_until = Some(now.saturating_add(ms));
        }
    }

    /// Records a correct PIN.
    pub fn succeed(&mut self) {
        *self = PinGuard::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = Policy::default();
        let mut g = PinGuard::default();
        for _ in 0..4 {
            g.fail(0, &p);
        }
        assert!(!g.locked(0));
        g.fail(0, &p);
        assert_eq!(g.locked_until, Some(60_000));
        g.fail(0, &p);
        assert_eq!(g.locked_until, Some(120_000));
        for _ in 0..100 {
            g.fail(0, &p);
        }
        assert_eq!(g.locked_until, Some(p.lockout_max_ms));
        g.succeed();
        assert!(!g.locked(0));
    }

    #[test]
    fn trust_names_round_trip() {
        for t in Trust::ALL {
            assert_eq!(Trust::from_name(t.name()), Some(t));
        }
    }
}
