//! Calendar dates from day counts, for the few places that print UTC times (receipt
//! dates, the web UI) without a date-time dependency.

/// The proleptic Gregorian date `(year, month 1–12, day 1–31)` of `days` since
/// 1970-01-01; negative counts are days before it. Howard Hinnant's civil-from-days.
pub fn date_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // d is 1..=31 and m 1..=12 by construction.
    (y, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::date_from_days;

    #[test]
    fn known_dates() {
        assert_eq!(date_from_days(0), (1970, 1, 1));
        assert_eq!(date_from_days(-1), (1969, 12, 31));
        assert_eq!(date_from_days(59), (1970, 3, 1));
        assert_eq!(date_from_days(11_016), (2000, 2, 29));
        assert_eq!(date_from_days(20_781), (2026, 11, 24));
    }

    #[test]
    fn consecutive_days_advance_by_one() {
        let mut prev = date_from_days(-800_000);
        for n in -799_999..800_000 {
            let cur = date_from_days(n);
            let next_month = (prev.0, prev.1 + 1, 1);
            let next_year = (prev.0 + 1, 1, 1);
            assert!(
                cur == (prev.0, prev.1, prev.2 + 1) || cur == next_month || cur == next_year,
                "{prev:?} -> {cur:?}"
            );
            prev = cur;
        }
    }
}
