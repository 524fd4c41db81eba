//! Latency histograms with 5 % wide buckets: small to store, and any percentile read from one
//! is within 2.5 % of the true value (the bucket's geometric middle is reported).
//!
//! Bucket 0 holds latencies under 1 ms; bucket i ≥ 1 holds [1.05^(i-1), 1.05^i) ms.

const GROWTH: f64 = 1.05;

pub fn bucket_of(latency_ms: u32) -> usize {
    if latency_ms < 1 {
        return 0;
    }
    // The small epsilon keeps exact powers of 1.05 in their own bucket despite rounding.
    1 + ((f64::from(latency_ms)).ln() / GROWTH.ln() + 1e-9).floor() as usize
}

/// Adds one latency to a histogram, growing it as needed.
pub fn record(histogram: &mut Vec<i64>, latency_ms: u32) {
    let bucket = bucket_of(latency_ms);
    if histogram.len() <= bucket {
        histogram.resize(bucket + 1, 0);
    }
    histogram[bucket] += 1;
}

/// The `q` quantile (0 < q ≤ 1) in milliseconds, or `None` for an empty histogram.
pub fn quantile(histogram: &[i64], q: f64) -> Option<f64> {
    let total: i64 = histogram.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((q * total as f64).ceil() as i64).clamp(1, total);
    let mut seen = 0;
    for (bucket, count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return Some(match bucket {
                0 => 0.5,
                b => GROWTH.powf(b as f64 - 0.5),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_within_a_few_percent_of_exact() {
        // A skewed, realistic spread: many fast answers, a long slow tail.
        let mut latencies: Vec<u32> = (0..20_000u32)
            .map(|i| 40 + (i * 7919) % 400 + (i % 97) * (i % 13) * 9)
            .collect();
        let mut histogram = Vec::new();
        for &latency in &latencies {
            record(&mut histogram, latency);
        }
        latencies.sort_unstable();
        for q in [0.5, 0.95, 0.99] {
            let exact = f64::from(latencies[((q * latencies.len() as f64).ceil() as usize) - 1]);
            let estimate = quantile(&histogram, q).unwrap();
            let error = (estimate - exact).abs() / exact;
            assert!(
                error <= 0.03,
                "p{} estimate {estimate} vs exact {exact}: {error}",
                q * 100.0
            );
        }
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 1);
    }
}
