//! Per-address token buckets for submissions.
//!
//! Each client address (an IPv4 address, or the /64 prefix of an IPv6 address, since one
//! host usually owns a whole /64) has a bucket of `per_minute` tokens that refills
//! continuously at `per_minute` tokens a minute. A request takes one token; with none left it
//! is refused with the time until the next token. Full buckets are forgotten when the table
//! grows, so memory stays bounded however many addresses show up.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle (full) ones are pruned.
const PRUNE_AT: usize = 10_000;

pub struct RateLimiter {
    per_minute: u32,
    /// The bucket's capacity and refill period: `per_minute` tokens each `window`.
    window: Duration,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests a minute (bursts up to that many) per address;
    /// 0 disables limiting.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter::per(per_minute, Duration::from_secs(60))
    }

    /// `count` requests per `window` (bursts up to that many) per address; 0 disables.
    pub fn per(count: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            per_minute: count,
            window,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Requests allowed per window (see [`RateLimiter::per`]).
    pub fn per_window(&self) -> u32 {
        self.per_minute
    }

    /// Takes a token for `ip`, or says how long until one is available.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_sec = capacity / self.window.as_secs_f64().max(1e-3);
        let key = bucket_key(ip);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= PRUNE_AT && !buckets.contains_key(&key) {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * per_sec < capacity
            });
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_sec).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_sec))
        }
    }
}

fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills() {
        let limiter = RateLimiter::new(3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(ip, t0).is_ok());
        }
        let wait = limiter.check_at(ip, t0).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.check_at(other, t0).is_ok());
        assert!(limiter.check_at(ip, t0 + Duration::from_secs(20)).is_ok());
        assert!(limiter.check_at(ip, t0 + Duration::from_secs(21)).is_err());
    }

    #[test]
    fn ipv6_hosts_share_their_64() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert!(limiter.check_at("2001:db8::1".parse().unwrap(), t0).is_ok());
        assert!(limiter
            .check_at("2001:db8::2".parse().unwrap(), t0)
            .is_err());
        assert!(limiter
            .check_at("2001:db8:0:1::1".parse().unwrap(), t0)
            .is_ok());
    }

    #[test]
    fn an_hourly_bucket_refills_over_the_hour() {
        let limiter = RateLimiter::per(2, Duration::from_secs(3600));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert!(limiter.check_at(ip, t0).is_ok());
        assert!(limiter.check_at(ip, t0).is_ok());
        let wait = limiter.check_at(ip, t0).unwrap_err();
        assert!(wait > Duration::from_secs(1799) && wait <= Duration::from_secs(1800));
        assert!(limiter.check_at(ip, t0 + Duration::from_secs(1800)).is_ok());
    }

    #[test]
    fn zero_disables() {
        let limiter = RateLimiter::new(0);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(limiter.check(ip).is_ok());
        }
    }
}
