//! English / 日本語. Every UI string goes through `tr(lang, en, ja)` at its point of use, so
//! each component keeps its own strings next to its markup; scenario texts come from the
//! scenario files (`Text::get(lang)`), event messages from `Event::message(lang)`.

pub use quorum_sim::scenario::Lang;

/// The string for `lang`.
pub fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// Sim time as the clock shows it (`mm:ss`).
pub fn clock(ms: u64) -> String {
    quorum_sim::time::fmt_clock(ms)
}

/// `x` with exactly `decimals` (at most 3) digits after the point, rounded as
/// `format!("{x:.2}")` rounds (half to even on the exact binary value), but worked out in
/// integers: Rust's float formatting would add ~20 KB to the wasm. `x` is finite and below
/// 10^15 in magnitude (beyond, the digits saturate).
pub fn fixed(x: f64, decimals: u32) -> String {
    let mut out = String::new();
    push_fixed(&mut out, x, decimals);
    out
}

/// [`fixed`], appended to `out` (the chart paths write hundreds of numbers into one string).
pub fn push_fixed(out: &mut String, x: f64, decimals: u32) {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        out.push('-');
    }
    // x = mantissa · 2^exp exactly.
    let biased_exp = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exp) = if biased_exp == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased_exp - 1075)
    };
    let pow = 10u64.pow(decimals);
    // The value in units of 10^-decimals, rounded. mantissa · pow < 2^63.
    let units = if exp >= 0 {
        (x.abs() as u64).saturating_mul(pow)
    } else if exp <= -64 {
        0
    } else {
        let shift = exp.unsigned_abs();
        let scaled = mantissa * pow;
        let whole = scaled >> shift;
        let rest = scaled & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        whole + u64::from(rest > half || (rest == half && whole & 1 == 1))
    };
    // At least one digit before the point: 5 hundredths are "0.05".
    let decimals = decimals as usize;
    let mut digits = units.to_string();
    while digits.len() <= decimals {
        digits.insert(0, '0');
    }
    let (int_part, frac_part) = digits.split_at(digits.len() - decimals);
    out.push_str(int_part);
    if decimals > 0 {
        out.push('.');
        out.push_str(frac_part);
    }
}

/// A chart coordinate or size as `x.to_string()` writes it (`40`, `41.5`): every one the
/// charts write is a whole or half pixel, for which one decimal without a trailing `.0` is
/// exactly the shortest form.
pub fn num(x: f64) -> String {
    let mut out = fixed(x, 1);
    if out.ends_with(".0") {
        out.truncate(out.len() - 2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rounds_like_format() {
        let mut values = vec![
            0.0,
            -0.0,
            0.05,
            0.15,
            0.25,
            0.35,
            1.25,
            1.35,
            2.5,
            0.5,
            1.5,
            -0.04,
            0.045,
            0.005,
            0.015,
            99.995,
            123.456,
            5e-324,
            1e-20,
            4503599627370496.5,
            9007199254740993.0,
        ];
        // A deterministic spread of values, ties included.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for i in 0..20_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push((state % 2_000_000) as f64 / 1000.0);
            values.push((state % 100_000) as f64 / 8.0);
            values.push(i as f64 * 100.0 / 7.0);
            values.push(f64::from_bits(state >> 2) % 10_000.0);
        }
        for x in values {
            assert_eq!(fixed(x, 0), format!("{x:.0}"), "{x}");
            assert_eq!(fixed(x, 1), format!("{x:.1}"), "{x}");
            assert_eq!(fixed(x, 2), format!("{x:.2}"), "{x}");
            assert_eq!(fixed(x, 3), format!("{x:.3}"), "{x}");
        }
    }

    #[test]
    fn num_matches_display_for_half_pixels() {
        for half_px in -100..20_000 {
            let x = f64::from(half_px) / 2.0;
            assert_eq!(num(x), x.to_string());
        }
    }
}
