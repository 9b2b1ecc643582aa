//! The one pinned, portable PRNG: PCG-XSH-RR 64/32 (`rand_pcg::Pcg32`), seeded explicitly and
//! forked per subsystem so that adding draws in one subsystem does not shift another's.
//! Its output is the same on every platform (64-bit integer arithmetic only).

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg32;

#[derive(Clone, Debug)]
pub struct Prng(Pcg32);

impl Prng {
    /// A generator for `subsystem`, derived from the drill's seed.
    pub fn fork(seed: u64, subsystem: &str) -> Prng {
        // FNV-1a of the label, mixed into the seed with SplitMix64's finaliser.
        let mut label_hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in subsystem.bytes() {
            label_hash ^= u64::from(byte);
            label_hash = label_hash.wrapping_mul(0x0100_0000_01b3);
        }
        Prng(Pcg32::seed_from_u64(splitmix64(seed ^ label_hash)))
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[lo, hi]` (inclusive), without modulo bias.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        let span = hi - lo;
        if span < u64::from(u32::MAX) {
            return lo + u64::from(self.below(span as u32 + 1));
        }
        if span == u64::MAX {
            return self.next_u64();
        }
        let n = span + 1;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return lo + x % n;
            }
        }
    }

    /// Uniform in `[0, n)` for `n > 0`: Lemire's multiply-and-shift, which needs a division
    /// only on the rare rejection path (the traffic model draws every tick).
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        let mut m = u64::from(self.next_u32()) * u64::from(n);
        if (m as u32) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u32) < threshold {
                m = u64::from(self.next_u32()) * u64::from(n);
            }
        }
        (m >> 32) as u32
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_pinned() {
        // If this changes, every golden log changes: bump SIM_VERSION.
        let mut rng = Prng::fork(42, "test");
        let draws: Vec<u64> = (0..4).map(|_| rng.range(0, 999)).collect();
        expect_test::expect!["[23, 231, 814, 526]"].assert_eq(&format!("{draws:?}"));
    }

    #[test]
    fn forks_differ_and_ranges_hold() {
        let mut a = Prng::fork(1, "ec2");
        let mut b = Prng::fork(1, "es");
        assert_ne!(a.next_u64(), b.next_u64());
        for _ in 0..1000 {
            let x = a.range(5, 7);
            assert!((5..=7).contains(&x));
        }
    }
}
