//! Sim time: integer milliseconds from the scenario start, shown as `mm:ss`.
//!
//! The one rounding rule every screen (game, debrief, Compare, Mentor, CLI) uses: a moment is
//! shown floored to its second ([`fmt_clock`]); a span `[start, end)` is shown as
//! `start–end`, the end being the first moment it no longer held (exclusive), and its
//! duration is the difference of the two *shown* clocks ([`span_ms`]), so "02:22–04:56" always
//! lasts 02:34 and a difference of two shown clocks is what a reader computes. Counts get
//! thousands separators ([`fmt_count`]); signs are `+` and `−` (U+2212).

/// Formats sim time as `mm:ss` (or `h:mm:ss` past an hour).
pub fn fmt_clock(ms: u64) -> String {
    let total_s = ms / 1000;
    let (h, m, s) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Parses `mm:ss`, `h:mm:ss` or `mm:ss.mmm` into milliseconds.
pub fn parse_clock(text: &str) -> Option<u64> {
    let (main, frac_ms) = match text.split_once('.') {
        Some((main, frac)) => {
            if frac.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let padded = format!("{frac:0<3}");
            (main, padded.parse::<u64>().ok()?)
        }
        None => (text, 0),
    };
    let parts: Vec<&str> = main.split(':').collect();
    let nums: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let nums = nums?;
    let seconds = match nums.as_slice() {
        [m, s] if *s < 60 => m * 60 + s,
        [h, m, s] if *m < 60 && *s < 60 => h * 3600 + m * 60 + s,
        _ => return None,
    };
    Some(seconds * 1000 + frac_ms)
}

/// The second a moment is shown at (floored, as [`fmt_clock`] shows it).
pub fn clock_s(ms: u64) -> u64 {
    ms / 1000
}

/// The duration of the span `[start_ms, end_ms)` as shown: the difference of the two shown
/// clocks, in whole seconds (as ms).
pub fn span_ms(start_ms: u64, end_ms: u64) -> u64 {
    clock_s(end_ms).saturating_sub(clock_s(start_ms)) * 1000
}

/// A span as every screen shows it: `02:22–04:56` (the end is the moment it ended).
pub fn fmt_span(start_ms: u64, end_ms: u64) -> String {
    format!("{}–{}", fmt_clock(start_ms), fmt_clock(end_ms))
}

/// The signed difference `a − b` of two shown clocks: `+00:22`, `−00:22`, `00:00`.
pub fn fmt_delta(a_ms: u64, b_ms: u64) -> String {
    let (a, b) = (clock_s(a_ms), clock_s(b_ms));
    match a.cmp(&b) {
        std::cmp::Ordering::Greater => format!("+{}", fmt_clock((a - b) * 1000)),
        std::cmp::Ordering::Less => format!("−{}", fmt_clock((b - a) * 1000)),
        std::cmp::Ordering::Equal => fmt_clock(0),
    }
}

/// A count with thousands separators, as every screen shows counts: `30,593`.
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A signed count: `+1,500`, `−1,500`, `0`.
pub fn fmt_signed(n: i64) -> String {
    match n {
        0 => "0".to_string(),
        n if n > 0 => format!("+{}", fmt_count(n.unsigned_abs())),
        n => format!("−{}", fmt_count(n.unsigned_abs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_lasts_the_difference_of_its_shown_clocks() {
        // The debrief showed "02:22 → 04:56" lasting 02:33 (153.2 s, floored).
        let (start, end) = (142_900, 296_100);
        assert_eq!(fmt_span(start, end), "02:22–04:56");
        assert_eq!(fmt_clock(span_ms(start, end)), "02:34");
        assert_eq!(span_ms(1_999, 2_000), 1_000, "across a second boundary");
        assert_eq!(span_ms(2_000, 2_999), 0, "within one second");
        assert_eq!(span_ms(5_000, 1_000), 0);
    }

    #[test]
    fn a_difference_of_two_clocks_is_what_the_reader_computes() {
        // Compare showed −00:21 for 14:54 vs 14:32.
        let (a, b) = (894_200, 872_900);
        assert_eq!(
            (fmt_clock(a), fmt_clock(b)),
            ("14:54".into(), "14:32".into())
        );
        assert_eq!(fmt_delta(a, b), "+00:22");
        assert_eq!(fmt_delta(b, a), "−00:22");
        assert_eq!(fmt_delta(894_200, 894_900), "00:00");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1_000), "1,000");
        assert_eq!(fmt_count(30_593), "30,593");
        assert_eq!(fmt_count(540_000), "540,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_signed(-1_500), "−1,500");
        assert_eq!(fmt_signed(1_500), "+1,500");
        assert_eq!(fmt_signed(0), "0");
        assert_eq!(fmt_signed(i64::MIN), "−9,223,372,036,854,775,808");
    }

    #[test]
    fn clock_round_trips() {
        assert_eq!(fmt_clock(0), "00:00");
        assert_eq!(fmt_clock(432_000), "07:12");
        assert_eq!(fmt_clock(3_723_000), "1:02:03");
        assert_eq!(parse_clock("07:12"), Some(432_000));
        assert_eq!(parse_clock("1:02:03"), Some(3_723_000));
        assert_eq!(parse_clock("00:01.5"), Some(1_500));
        assert_eq!(parse_clock("7:60"), None);
        assert_eq!(parse_clock("ab:00"), None);
        assert_eq!(parse_clock(""), None);
        assert_eq!(parse_clock("-1:00"), None);
    }
}
