//! Sim time: integer milliseconds from the scenario start, shown as `mm:ss`.

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

#[cfg(test)]
mod tests {
    use super::*;

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

/// A count with thousands separators, as every screen shows counts: `30,593`.
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
