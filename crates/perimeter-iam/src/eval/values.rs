//! Typed request and policy values: decimals, dates, IP networks, booleans and base64 binaries.
//!
//! Each parser returns `None` for text that is not a value of its type; the condition that compares it
//! then does not match (the pair is "not equal"), which is how IAM treats an unparsable value.

use std::cmp::Ordering;
use std::net::IpAddr;

/// A decimal number as written (`-12`, `3.50`), compared exactly, without floating point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    /// Integer digits without leading zeros.
    int: String,
    /// Fraction digits without trailing zeros.
    frac: String,
}

impl Decimal {
    /// Parses `[+-]digits[.digits]` (also `.5` and `5.`). Exponents are not accepted.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (negative, rest) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let zero = int.is_empty() && frac.is_empty();
        Some(Decimal {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An instant as (seconds since the Unix epoch, nanoseconds).
pub type Instant = (i64, u32);

/// Parses a date as IAM accepts it: an epoch time in seconds (`1596240000`, also with a fraction), or
/// ISO 8601: `YYYY-MM-DD`, optionally `Thh:mm`, `:ss`, `.fraction`, and `Z` or `±hh:mm`/`±hhmm`
/// (no zone means UTC). (reference_policies_elements_condition_operators.html#Conditions_Date)
pub fn parse_date(text: &str) -> Option<Instant> {
    let t = text.trim();
    if t.bytes().any(|b| b.is_ascii_digit()) && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
        let s: i64 = secs.parse().ok()?;
        return Some((s, frac_nanos(frac)?));
    }
    if let Some(neg) = t.strip_prefix('-')
        && neg.bytes().all(|b| b.is_ascii_digit())
        && !neg.is_empty()
    {
        let s: i64 = neg.parse().ok()?;
        return Some((-s, 0));
    }
    let b = t.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = t.get(from..from + len)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut pos = 10;
    let (mut h, mut mi, mut s, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    if matches!(b.get(pos), Some(b'T' | b't')) {
        h = num(pos + 1, 2)?;
        if b.get(pos + 3) != Some(&b':') {
            return None;
        }
        mi = num(pos + 4, 2)?;
        pos += 6;
        if b.get(pos) == Some(&b':') {
            s = num(pos + 1, 2)?;
            pos += 3;
            if b.get(pos) == Some(&b'.') {
                let start = pos + 1;
                let mut end = start;
                while b.get(end).is_some_and(u8::is_ascii_digit) {
                    end += 1;
                }
                nanos = frac_nanos(t.get(start..end)?)?;
                pos = end;
            }
        }
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
    }
    let offset = match t.get(pos..)? {
        "" | "Z" | "z" => 0,
        zone => {
            let (sign, rest) = match zone.as_bytes().first() {
                Some(b'+') => (1, zone.get(1..)?),
                Some(b'-') => (-1, zone.get(1..)?),
                _ => return None,
            };
            let (oh, om) = match rest.len() {
                5 if rest.as_bytes().get(2) == Some(&b':') => (rest.get(0..2)?, rest.get(3..5)?),
                4 => (rest.get(0..2)?, rest.get(2..4)?),
                2 => (rest, "00"),
                _ => return None,
            };
            let oh: i64 = oh.parse().ok()?;
            let om: i64 = om.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset, nanos))
}

fn frac_nanos(frac: &str) -> Option<u32> {
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: u32 = 0;
    for i in 0..9 {
        let d = frac.as_bytes().get(i).map_or(0, |b| u32::from(b - b'0'));
        n = n * 10 + d;
    }
    Some(n)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IP network: an address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNetwork {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNetwork {
    /// Parses `a.b.c.d/n`, `x::y/n`, or a single address (`/32` or `/128`).
    /// (reference_policies_elements_condition_operators.html#Conditions_IPAddress)
    pub fn parse(text: &str) -> Option<IpNetwork> {
        let t = text.trim();
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (t.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpNetwork { addr, prefix })
    }

    /// Whether `ip` lies in this network (same family only).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// A request IP: a plain address (a `/32` or `/128` network is accepted and means the address).
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let n = IpNetwork::parse(text)?;
    let full = if n.addr.is_ipv4() { 32 } else { 128 };
    (n.prefix == full).then_some(n.addr)
}

/// `true`/`false`, ASCII case-insensitive.
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Decodes standard base64 (RFC 4648 §4), with or without `=` padding; whitespace is not allowed.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    if text.len() - trimmed.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in trimmed.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    // Leftover bits must be zero padding of fewer than 6 bits.
    if bits >= 6 || acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        let check = |a: &str, b: &str, expected: Option<Ordering>| {
            let got = Decimal::parse(a)
                .zip(Decimal::parse(b))
                .map(|(x, y)| x.cmp(&y));
            assert_eq!(got, expected, "{a} vs {b}");
        };
        check("10", "9", Some(Ordering::Greater));
        check("10", "10.0", Some(Ordering::Equal));
        check("-0", "0", Some(Ordering::Equal));
        check("-1.5", "-1.25", Some(Ordering::Less));
        check("0.1", ".1", Some(Ordering::Equal));
        check("007", "7", Some(Ordering::Equal));
        check("1e3", "1000", None);
        check("abc", "1", None);
        check("", "1", None);
    }

    #[test]
    fn dates() {
        let check = |text: &str, expected: Option<Instant>| {
            assert_eq!(parse_date(text), expected, "{text}");
        };
        check("1970-01-01T00:00:00Z", Some((0, 0)));
        check("2020-08-01T00:00:00Z", Some((1_596_240_000, 0)));
        check("1596240000", Some((1_596_240_000, 0)));
        check("2020-08-01", Some((1_596_240_000, 0)));
        check("2020-08-01T02:00:00+02:00", Some((1_596_240_000, 0)));
        check("2020-08-01T00:00:00.5Z", Some((1_596_240_000, 500_000_000)));
        check("2020-02-30T00:00:00Z", None);
        check("2020-08-01T00:00Z", Some((1_596_240_000, 0)));
        check("yesterday", None);
    }

    #[test]
    fn ips() {
        let check = |net: &str, ip: &str, expected: bool| {
            let n = IpNetwork::parse(net).unwrap();
            assert_eq!(n.contains(parse_ip(ip).unwrap()), expected, "{net} ∋ {ip}");
        };
        check("203.0.113.0/24", "203.0.113.7", true);
        check("203.0.113.0/24", "203.0.114.7", false);
        check("203.0.113.7", "203.0.113.7", true);
        check("203.0.113.7", "203.0.113.8", false);
        check("0.0.0.0/0", "1.2.3.4", true);
        check("2001:db8::/32", "2001:db8:1::1", true);
        check("2001:db8::1", "2001:db8::2", false);
        check("2001:db8::/32", "203.0.113.7", false);
        assert_eq!(IpNetwork::parse("1.2.3.4/33"), None);
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8*"), None);
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
    }
}
