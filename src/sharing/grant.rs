//! The proof that this browser gave a share link's password: a signed cookie naming the link and
//! the moment it stops counting. It belongs to no account, and it proves one link at a time:
//! opening another protected link asks for that one's password.

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::Mac;
use uuid::Uuid;

use crate::server::config::Config;
use crate::server::cookies::{self, CookieName};

const NAME: CookieName = CookieName::new("__Host-ragsites_share");
/// How long a given password counts in this browser.
const LASTS: Duration = Duration::hours(12);
const PURPOSE: &str = "ragsites-portal share link password v1";

/// `Set-Cookie` for a password just given to link `link_id`.
pub fn cookie(config: &Config, link_id: Uuid, now: DateTime<Utc>) -> HeaderValue {
    let until = (now + LASTS).timestamp();
    let value = format!("{link_id}.{until}.{}", signature(config, link_id, until));
    cookies::set_cookie(config, &NAME, value, time::Duration::seconds(LASTS.num_seconds()))
}

/// Whether the request's cookie proves the password of link `link_id`, still in time.
pub fn granted(config: &Config, headers: &HeaderMap, link_id: Uuid, now: DateTime<Utc>) -> bool {
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(NAME.get(config)) else {
        return false;
    };
    let mut parts = cookie.value().splitn(3, '.');
    let (Some(id), Some(until), Some(given)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(id), Ok(until)) = (id.parse::<Uuid>(), until.parse::<i64>()) else {
        return false;
    };
    let Ok(given) = URL_SAFE_NO_PAD.decode(given) else {
        return false;
    };
    id == link_id && now.timestamp() < until && mac(config, link_id, until).verify_slice(&given).is_ok()
}

fn signature(config: &Config, link_id: Uuid, until: i64) -> String {
    URL_SAFE_NO_PAD.encode(mac(config, link_id, until).finalize().into_bytes())
}

fn mac(config: &Config, link_id: Uuid, until: i64) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = config.jwt_secret.keyed_mac(PURPOSE);
    mac.update(link_id.as_bytes());
    mac.update(&until.to_be_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::tests::config;
    use axum::http::header;

    fn sent_back(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, pair.parse().unwrap());
        headers
    }

    #[test]
    fn a_grant_opens_its_link_only_and_only_until_it_lapses() {
        let config = config();
        let (link, other) = (Uuid::new_v4(), Uuid::new_v4());
        let now = Utc::now();
        let headers = sent_back(&cookie(&config, link, now));
        assert!(granted(&config, &headers, link, now));
        assert!(!granted(&config, &headers, other, now), "another link");
        assert!(!granted(&config, &headers, link, now + LASTS), "lapsed");
        let forged = headers
            .get(header::COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .replace(&link.to_string(), &other.to_string());
        let mut forged_headers = HeaderMap::new();
        forged_headers.insert(header::COOKIE, forged.parse().unwrap());
        assert!(
            !granted(&config, &forged_headers, other, now),
            "a grant moved to another link"
        );
        assert!(!granted(&config, &HeaderMap::new(), link, now), "no cookie");
    }
}
