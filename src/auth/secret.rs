//! Secrets the portal hands out once and keeps only as their SHA-256: ingestion keys
//! (`rsk_…`) and API tokens (`rpt_…`), written `<kind>_<8-sign prefix>_<32-sign secret>`. The
//! prefix finds the row and may be shown; the whole is checked against the hash.

use rand::Rng;
use sha2::{Digest, Sha256};

const PREFIX_CHARS: usize = 8;
const SECRET_CHARS: usize = 32;

/// A secret just made: show `whole` once, store `prefix` and `hash`.
pub struct Issued {
    pub prefix: String,
    pub whole: String,
    pub hash: Vec<u8>,
}

/// A new secret of `kind` (`"rsk"`, `"rpt"`): 190 random bits after the prefix.
pub fn issue(kind: &str) -> Issued {
    let prefix = random_lowercase(PREFIX_CHARS);
    let whole = format!("{kind}_{prefix}_{}", random_lowercase(SECRET_CHARS));
    let hash = hash(&whole);
    Issued { prefix, whole, hash }
}

/// The prefix of `text` if it is written like a secret of `kind`.
pub fn prefix_of<'a>(kind: &str, text: &'a str) -> Option<&'a str> {
    text.strip_prefix(kind)?
        .strip_prefix('_')?
        .split_once('_')
        .filter(|(prefix, secret)| prefix.len() == PREFIX_CHARS && secret.len() == SECRET_CHARS)
        .map(|(prefix, _)| prefix)
}

/// Whether `text` is the secret whose hash is `stored`, compared in constant time.
pub fn matches(stored: &[u8], text: &str) -> bool {
    let given = hash(text);
    stored.len() == given.len() && stored.iter().zip(&given).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hash(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// `length` random lowercase letters and digits (5.17 bits each).
pub fn random_lowercase(length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_secret_reads_back_and_nothing_else_does() {
        let issued = issue("rpt");
        assert_eq!(prefix_of("rpt", &issued.whole), Some(issued.prefix.as_str()));
        assert!(matches(&issued.hash, &issued.whole));
        assert_eq!(prefix_of("rsk", &issued.whole), None, "another kind");
        let mut changed = issued.whole.clone();
        changed.pop();
        changed.push('_');
        assert!(!matches(&issued.hash, &changed));
        for bad in [
            "rpt_",
            "rpt_abc_def",
            "rptabcdefgh_0123456789012345678901234567890a",
            "",
        ] {
            assert_eq!(prefix_of("rpt", bad), None, "{bad:?}");
        }
    }
}
