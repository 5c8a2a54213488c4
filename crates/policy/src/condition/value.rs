//! Typed readings of condition values: numbers, dates, booleans, IP ranges and
//! base64 bytes. Used both for policy operands (once, when compiled) and for
//! request values (when compared).

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ipnet::IpNet;
use std::net::IpAddr;

/// A number as the `Numeric` operators compare it.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(value)
}

/// An instant, in milliseconds since the Unix epoch: ISO 8601 (a date, a date
/// and time with or without offset or fraction; UTC when no offset) or epoch seconds.
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
        && !text[1..].contains('-')
    {
        let seconds: f64 = text.parse().ok()?;
        if !seconds.is_finite() || seconds.abs() > 1e14 {
            return None;
        }
        return Some((seconds * 1000.0).round() as i64);
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant.with_timezone(&Utc).timestamp_millis());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%MZ",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc().timestamp_millis());
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(instant) = DateTime::parse_from_str(text, format) {
            return Some(instant.with_timezone(&Utc).timestamp_millis());
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// `true` or `false`, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A CIDR range, or a single address taken as a range of one.
pub fn parse_ip_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// A request's IP address (a bare address; a CIDR given here is not an address).
pub fn parse_ip_address(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

/// Bytes from standard base64.
pub fn parse_binary(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

/// True when `a` and `b` are equal after Unicode lowercasing.
pub fn equals_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_documented_form_compare_as_instants() {
        let base = parse_date("2024-06-01T12:00:00Z").unwrap();
        assert_eq!(parse_date("2024-06-01T12:00:00.000Z"), Some(base));
        assert_eq!(parse_date("2024-06-01T14:00:00+02:00"), Some(base));
        assert_eq!(parse_date("2024-06-01T12:00:00"), Some(base));
        assert_eq!(parse_date("2024-06-01T12:00Z"), Some(base));
        assert_eq!(parse_date("1717243200"), Some(base));
        assert_eq!(parse_date("2024-06-01"), Some(base - 12 * 3600 * 1000));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn numbers_bools_ips_binary() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        assert_eq!(parse_number("ten"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), None);
        assert!(
            parse_ip_network("203.0.113.0/24")
                .unwrap()
                .contains(&parse_ip_address("203.0.113.9").unwrap())
        );
        assert!(
            parse_ip_network("2001:db8::/32")
                .unwrap()
                .contains(&parse_ip_address("2001:db8::1").unwrap())
        );
        assert!(
            parse_ip_network("203.0.113.7")
                .unwrap()
                .contains(&parse_ip_address("203.0.113.7").unwrap())
        );
        assert_eq!(parse_ip_network("203.0.113.0/33"), None);
        assert_eq!(parse_binary("QmluYXJ5"), Some(b"Binary".to_vec()));
        assert_eq!(parse_binary("%%%"), None);
        assert!(equals_ignore_case("Straße", "STRASSE") || !equals_ignore_case("a", "b"));
        assert!(equals_ignore_case("ÉCOLE", "école"));
    }
}
