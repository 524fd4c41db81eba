//! The secret links the portal mails (password reset, address confirmation): 32 random bytes,
//! URL-safe base64 in the link's `token`, and only their SHA-256 in the database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use url::Url;

/// Anything longer is not a token of ours and is never looked up.
const MAX_TOKEN_CHARS: usize = 100;

pub struct MailedLink {
    /// `app_url` + the page + `?token=…`: what the mail carries.
    pub url: Url,
    /// What the database keeps.
    pub hash: Vec<u8>,
}

/// A fresh link to `path` on the portal's public origin.
pub fn new(app_url: &Url, path: &str) -> MailedLink {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let mut url = app_url.join(path).expect("a path joins an origin");
    url.query_pairs_mut().append_pair("token", &token);
    MailedLink {
        url,
        hash: hash(&token),
    }
}

/// The stored form of a token from a link, or `None` when it cannot be one.
pub fn lookup_hash(token: &str) -> Option<Vec<u8>> {
    (!token.is_empty() && token.len() <= MAX_TOKEN_CHARS).then(|| hash(token))
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_carries_a_token_whose_hash_is_kept() {
        let app_url = Url::parse("https://portal.example").unwrap();
        let link = new(&app_url, "/auth/verify");
        assert_eq!(link.url.path(), "/auth/verify");
        let (name, token) = link.url.query_pairs().next().unwrap();
        assert_eq!(name, "token");
        assert_eq!(token.len(), 43, "32 bytes in unpadded base64");
        assert_eq!(lookup_hash(&token), Some(link.hash));
        assert_eq!(lookup_hash(""), None);
        assert_eq!(lookup_hash(&"a".repeat(101)), None);
    }
}
