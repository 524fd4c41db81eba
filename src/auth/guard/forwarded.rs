//! The client behind the proxies the operator trusts (`TRUSTED_PROXIES`). A header naming
//! the client is believed only when the peer that sent it is a trusted proxy: anyone else can
//! write anything there.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Where a request came from, as far as the trusted proxies vouch for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The client's address: the peer itself unless it is a trusted proxy, else the right-most
    /// forwarded hop that is not one.
    pub ip: IpAddr,
    /// The scheme the client used, when a trusted proxy says (`X-Forwarded-Proto`).
    pub scheme: Option<&'static str>,
}

/// The client of a request whose TCP peer is `peer`. The hops come from `X-Forwarded-For`, or
/// from RFC 7239 `Forwarded` when there is none: common proxies (nginx, Caddy, HAProxy) append
/// to `X-Forwarded-For` and pass a client's own `Forwarded` on untouched, so reading `Forwarded`
/// first would believe whatever the client wrote there.
pub fn client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Client {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer.to_canonical();
    if !is_trusted(&peer) {
        return Client { ip: peer, scheme: None };
    }
    let mut ip = peer;
    for hop in hops(headers).into_iter().rev() {
        if !is_trusted(&ip) {
            break;
        }
        // A hop that names no address (garbage, `unknown`, an obfuscated name) ends the walk:
        // what lies left of it cannot be attributed.
        match node_address(hop) {
            Some(next) => ip = next.to_canonical(),
            None => break,
        }
    }
    Client {
        ip,
        scheme: forwarded_proto(headers),
    }
}

/// Each hop's node as written, oldest first.
fn hops(headers: &HeaderMap) -> Vec<&str> {
    let values = |name| headers.get_all(name).into_iter().filter_map(|v| v.to_str().ok());
    let xff: Vec<&str> = values("x-forwarded-for").flat_map(|v| v.split(',')).collect();
    if !xff.is_empty() {
        return xff;
    }
    values("forwarded")
        .flat_map(split_outside_quotes(','))
        .map(|element| {
            split_outside_quotes(';')(element)
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .map_or("", |(_, value)| value)
        })
        .collect()
}

/// Splits on `separator` where it is not inside a quoted string (RFC 7239 values may be quoted).
fn split_outside_quotes(separator: char) -> impl Fn(&str) -> std::vec::IntoIter<&str> {
    move |text| {
        let (mut parts, mut start, mut quoted) = (Vec::new(), 0, false);
        for (i, c) in text.char_indices() {
            match c {
                '"' => quoted = !quoted,
                c if c == separator && !quoted => {
                    parts.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&text[start..]);
        parts.into_iter()
    }
}

/// The address in a node: `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`, `[2001:db8::1]:443`,
/// possibly quoted. `unknown`, obfuscated names and garbage name none.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    let node = node.strip_prefix('"').and_then(|n| n.strip_suffix('"')).unwrap_or(node);
    if let Some(rest) = node.strip_prefix('[') {
        let (address, port) = rest.split_once(']')?;
        let port_ok = port.is_empty() || port.strip_prefix(':').is_some_and(|p| p.parse::<u16>().is_ok());
        return port_ok.then(|| address.parse().ok()).flatten();
    }
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// `http` or `https` from the first `X-Forwarded-Proto` value (the proxy facing the client).
fn forwarded_proto(headers: &HeaderMap) -> Option<&'static str> {
    let first = headers
        .get("x-forwarded-proto")?
        .to_str()
        .ok()?
        .split(',')
        .next()?
        .trim();
    ["https", "http"]
        .into_iter()
        .find(|scheme| first.eq_ignore_ascii_case(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn nodes_parse_as_rfc_7239_writes_them() {
        for (node, address) in [
            ("192.0.2.60", Some("192.0.2.60")),
            (" 192.0.2.60:4711 ", Some("192.0.2.60")),
            ("\"[2001:db8:cafe::17]:4711\"", Some("2001:db8:cafe::17")),
            ("[2001:db8:cafe::17]", Some("2001:db8:cafe::17")),
            ("2001:db8:cafe::17", Some("2001:db8:cafe::17")),
            ("unknown", None),
            ("_hidden", None),
            ("[2001:db8::1]:port", None),
            ("[2001:db8::1", None),
            ("300.1.1.1", None),
            ("", None),
        ] {
            assert_eq!(node_address(node), address.map(ip), "{node:?}");
        }
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_say() {
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https")]);
        let client = client(ip("198.51.100.7"), &spoofed, &nets(&["10.0.0.0/8"]));
        assert_eq!(
            client,
            Client {
                ip: ip("198.51.100.7"),
                scheme: None
            }
        );
        let nobody = super::client(ip("10.0.0.1"), &spoofed, &[]);
        assert_eq!(nobody.ip, ip("10.0.0.1"), "an empty list trusts nobody");
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        let chain = headers(&[
            ("x-forwarded-for", "6.6.6.6, 203.0.113.9"),
            ("x-forwarded-for", "10.1.1.1"),
            ("x-forwarded-proto", "HTTPS"),
        ]);
        let found = client(ip("10.0.0.2"), &chain, &trusted);
        assert_eq!(
            found,
            Client {
                ip: ip("203.0.113.9"),
                scheme: Some("https")
            }
        );
        let all_trusted = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(client(ip("10.0.0.2"), &all_trusted, &trusted).ip, ip("10.9.9.9"));
        let garbage = headers(&[
            ("x-forwarded-for", "6.6.6.6, not-an-ip"),
            ("x-forwarded-proto", "gopher"),
        ]);
        assert_eq!(
            client(ip("10.0.0.2"), &garbage, &trusted),
            Client {
                ip: ip("10.0.0.2"),
                scheme: None
            }
        );
        let mapped = client(
            ip("::ffff:10.0.0.2"),
            &headers(&[("x-forwarded-for", "203.0.113.9")]),
            &trusted,
        );
        assert_eq!(mapped.ip, ip("203.0.113.9"), "an IPv4-mapped peer is its IPv4 address");
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = nets(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        let forwarded = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=\"a,b\", For=\"[2001:db8:ffff::1]\"",
        )]);
        assert_eq!(client(ip("10.0.0.2"), &forwarded, &trusted).ip, ip("2001:db8:cafe::17"));
        let without_for = headers(&[("forwarded", "for=203.0.113.9, proto=https")]);
        assert_eq!(client(ip("10.0.0.2"), &without_for, &trusted).ip, ip("10.0.0.2"));
        let both = headers(&[("forwarded", "for=6.6.6.6"), ("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(client(ip("10.0.0.2"), &both, &trusted).ip, ip("203.0.113.9"));
    }
}
