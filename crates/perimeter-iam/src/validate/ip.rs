//! IP address conditions: `TYPE_MISMATCH_IP_RANGE`, `IMPROVE_IP_RANGE`, `PRIVATE_IP_ADDRESS`,
//! `PRIVATE_NOT_IP_ADDRESS`, `PRIVATE_IP_ADDRESS_SUBSET` and `PRIVATE_NOT_IP_ADDRESS_SUBSET`.
//!
//! AWS check reference: "General Warning – Type mismatch IP range" (standard CIDR), "Suggestion –
//! Improve IP range" (non-zero bits after the mask), "Error – Private IP address" / "Error – Private
//! NotIpAddress" (`aws:SourceIp` only sees public addresses) and the two "… subset" suggestions.
//! Private here means RFC 1918 (`10/8`, `172.16/12`, `192.168/16`) and IPv6 unique local `fc00::/7`.

use std::net::IpAddr;

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Operator, OperatorFamily};

pub const RULE: Rule = Rule {
    name: "ip",
    codes: &[
        ("TYPE_MISMATCH_IP_RANGE", Severity::Warning),
        ("IMPROVE_IP_RANGE", Severity::Suggestion),
        ("PRIVATE_IP_ADDRESS", Severity::Error),
        ("PRIVATE_NOT_IP_ADDRESS", Severity::Error),
        ("PRIVATE_IP_ADDRESS_SUBSET", Severity::Suggestion),
        ("PRIVATE_NOT_IP_ADDRESS_SUBSET", Severity::Suggestion),
    ],
    check,
};

/// An address or CIDR block as `(address bits, width, prefix length)`.
pub fn parse_cidr(text: &str) -> Option<(u128, u32, u32)> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let (bits, width) = match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    let len = match prefix {
        None => width,
        Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u32>().ok().filter(|l| *l <= width)?
        }
        Some(_) => return None,
    };
    Some((bits, width, len))
}

fn host_mask(width: u32, len: u32) -> u128 {
    let host_bits = width - len;
    if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    }
}

/// Whether every address of the block is private.
fn is_private((bits, width, len): (u128, u32, u32)) -> bool {
    let blocks: &[(u128, u32)] = if width == 32 {
        &[(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16)]
    } else {
        &[(0xFC00u128 << 112, 7)]
    };
    blocks.iter().any(|&(base, blen)| {
        len >= blen && (bits & !host_mask(width, blen) & mask_width(width)) == base
    })
}

fn mask_width(width: u32) -> u128 {
    if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

fn render(bits: u128, width: u32, len: u32) -> String {
    let addr = if width == 32 {
        IpAddr::from(std::net::Ipv4Addr::from(
            u32::try_from(bits).unwrap_or_default(),
        ))
    } else {
        IpAddr::from(std::net::Ipv6Addr::from(bits))
    };
    format!("{addr}/{len}")
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in &cx.syntax.statements {
        for (op, k) in super::condition_keys(st) {
            let Some(o) = Operator::parse(&op.operator.value) else {
                continue;
            };
            if o.base.family() != OperatorFamily::Ip {
                continue;
            }
            let mut private = 0usize;
            let mut public = 0usize;
            for v in &k.values.items {
                let Some(c @ (bits, width, len)) = parse_cidr(&v.value) else {
                    out.push(
                        finding(
                            "TYPE_MISMATCH_IP_RANGE",
                            Severity::Warning,
                            "The condition operator is used with an invalid IP range value. Specify the IP range in standard CIDR format.".to_owned(),
                        )
                        .at(v.path.clone(), v.span),
                    );
                    continue;
                };
                let host = host_mask(width, len) & mask_width(width);
                if bits & host != 0 {
                    out.push(
                        finding(
                            "IMPROVE_IP_RANGE",
                            Severity::Suggestion,
                            format!("The non-zero bits in the IP address after the masked bits are ignored. Replace address with {}.", render(bits & !host, width, len)),
                        )
                        .at(v.path.clone(), v.span),
                    );
                }
                if is_private(c) {
                    private += 1
                } else {
                    public += 1
                }
            }
            if !k.key.value.eq_ignore_ascii_case("aws:SourceIp") || private == 0 {
                continue;
            }
            let negated = o.base.is_negated();
            let (code, severity, message) = match (negated, public == 0) {
                (false, true) => (
                    "PRIVATE_IP_ADDRESS",
                    Severity::Error,
                    "aws:SourceIp works only for public IP address ranges. The values for condition key aws:SourceIp include only private IP addresses and will not have the desired effect. Update the value to include only public IP addresses.",
                ),
                (true, true) => (
                    "PRIVATE_NOT_IP_ADDRESS",
                    Severity::Error,
                    "The values for condition key aws:SourceIp include only private IP addresses and has no effect. aws:SourceIp works only for public IP address ranges. Update the value to include only public IP addresses.",
                ),
                (false, false) => (
                    "PRIVATE_IP_ADDRESS_SUBSET",
                    Severity::Suggestion,
                    "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses will not have the desired effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.",
                ),
                (true, false) => (
                    "PRIVATE_NOT_IP_ADDRESS_SUBSET",
                    Severity::Suggestion,
                    "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses have no effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.",
                ),
            };
            out.push(
                finding(code, severity, message.to_owned())
                    .at(k.values.path.clone(), k.values.span),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::RULE;

    fn check(cond: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        let src = stmt(&format!(
            r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{cond}"#
        ));
        assert_eq!(codes(&src, &options, &only), expected, "{cond}");
    }

    #[test]
    fn table() {
        check(
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}"#,
            identity(),
            &["TYPE_MISMATCH_IP_RANGE"],
        );
        check(
            r#"{"IpAddress":{"aws:SourceIp":"not-an-ip"}}"#,
            identity(),
            &["TYPE_MISMATCH_IP_RANGE"],
        );
        check(
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.5/24"}}"#,
            identity(),
            &["IMPROVE_IP_RANGE"],
        );
        check(
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            identity(),
            &["PRIVATE_IP_ADDRESS"],
        );
        check(
            r#"{"NotIpAddress":{"aws:SourceIp":["192.168.0.0/16"]}}"#,
            identity(),
            &["PRIVATE_NOT_IP_ADDRESS"],
        );
        check(
            r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}"#,
            identity(),
            &["PRIVATE_IP_ADDRESS_SUBSET"],
        );
        check(
            r#"{"NotIpAddress":{"aws:SourceIp":["172.16.0.0/12","203.0.113.0/24"]}}"#,
            identity(),
            &["PRIVATE_NOT_IP_ADDRESS_SUBSET"],
        );
        // 172.32/16 is outside 172.16/12: public.
        check(
            r#"{"IpAddress":{"aws:SourceIp":"172.32.0.0/16"}}"#,
            identity(),
            &[],
        );
        // aws:VpcSourceIp takes private addresses.
        check(
            r#"{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"},"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#,
            identity(),
            &[],
        );
    }
}
