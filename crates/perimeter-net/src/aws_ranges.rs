//! AWS's own address space: the part of AWS's published ip-ranges that only EC2 uses (generated
//! data, `data/aws-ec2-space.txt`, from a registry package by `data/generate_aws_ec2_space.py`).
//!
//! An address there that no resource of the snapshot holds belongs to another AWS account or is
//! unassigned: traffic from the internet to it never reaches the snapshot (Batfish null-routes it
//! at its AWS backbone node for the same reason).

use std::sync::OnceLock;

use crate::hs::{Cidr, IntervalSet, Ip};

const EC2_SPACE: &str = include_str!("../data/aws-ec2-space.txt");

/// The EC2-only AWS address space as one interval set (parsed once).
#[must_use]
pub fn ec2_space() -> &'static IntervalSet {
    static SET: OnceLock<IntervalSet> = OnceLock::new();
    SET.get_or_init(|| {
        IntervalSet::from_ranges(
            EC2_SPACE
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(Cidr::parse)
                .map(|c| (c.lo, c.hi()))
                .collect(),
        )
    })
}

/// Whether an address lies in the EC2-only AWS address space.
#[must_use]
pub fn is_ec2_space(ip: Ip) -> bool {
    ec2_space().contains(ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hs::parse_ip;

    fn check(ip: &str, expected: bool) {
        assert_eq!(
            is_ec2_space(parse_ip(ip).unwrap_or_default()),
            expected,
            "{ip}"
        );
    }

    #[test]
    fn table_parses_and_classifies() {
        // Every non-comment line of the generated table is a CIDR block.
        let lines = EC2_SPACE
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        assert!(lines.clone().all(|l| Cidr::parse(l).is_some()));
        assert!(lines.count() > 1000);
        // 54.184.0.0/13 is published as AMAZON and EC2 only (us-west-2); Batfish's
        // public-subnet test uses 54.191.107.23 as an AWS address nobody claims.
        check("54.191.107.23", true);
        // 54.222.57.0/24 is also a DynamoDB prefix: an AWS service endpoint, not EC2 space.
        check("54.222.57.1", false);
        // Not AWS at all.
        check("8.8.8.8", false);
        check("10.0.0.1", false);
    }
}
