//! How numbers, money, durations and changes are written on every page.

/// `1234567` → `1,234,567`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A moment as every table writes it: `Nov 28, 2026 14:05 UTC`.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}

/// Large numbers shortened for tight spaces: `12.3k`, `4.56M`.
pub fn compact(n: i64) -> String {
    let x = n as f64;
    match n.unsigned_abs() {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", x / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2}M", x / 1e6),
        _ => format!("{:.2}B", x / 1e9),
    }
}

pub fn millis(ms: Option<f64>) -> String {
    match ms {
        None => "–".into(),
        Some(ms) if ms >= 10_000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) => format!("{} ms", count(ms.round() as i64)),
    }
}

/// A 0–1 ratio as a percentage.
pub fn percent(ratio: Option<f64>) -> String {
    match ratio {
        None => "–".into(),
        Some(r) if (0.9995..1.0).contains(&r) => "99.9%".into(),
        Some(r) => format!("{:.1}%", r * 100.0),
    }
}

pub fn usd(amount: f64) -> String {
    if amount.abs() < 100.0 {
        format!("${amount:.2}")
    } else {
        format!("${}", count(amount.round() as i64))
    }
}

/// Percent-encodes a query-string value (the browser build has no serde_urlencoded).
pub fn url_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(-1_234_567), "-1,234,567");
        assert_eq!(compact(12_345), "12.3k");
        assert_eq!(compact(4_560_000), "4.56M");
        assert_eq!(millis(Some(412.4)), "412 ms");
        assert_eq!(millis(Some(12_300.0)), "12.3 s");
        assert_eq!(percent(Some(0.9999)), "99.9%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(usd(3.456), "$3.46");
        assert_eq!(usd(1234.5), "$1,235");
        assert_eq!(url_component("/a b?c=d"), "%2Fa%20b%3Fc%3Dd");
    }
}
