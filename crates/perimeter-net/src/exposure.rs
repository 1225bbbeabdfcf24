//! Internet exposure findings: for every ENI (and its instance), exactly which internet sources can
//! open connections to it, on which protocols and ports, the path hop by hop, and a severity.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::hs::{DPORT, DST, HeaderSet, IntervalSet, PROTO, Packet, SPORT, SRC};
use crate::model::{Diagnostic, Network};
use crate::report::{PathComponent, PortRange, render_path, render_protocol};
use crate::symbolic::Engine;
use crate::walk::{Start, eval_flow};

/// One exposed (protocol, ports) group with its sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Exposure {
    /// Protocol (`tcp`, `udp`, `icmp`, a number, or `a-b` for a range of protocol numbers).
    pub protocol: String,
    /// Destination ports (ICMP: types).
    pub destination_port_ranges: Vec<PortRange>,
    /// Source ports, when not all ports (for example when a network ACL admits replies only to ephemeral ports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_port_ranges: Option<Vec<PortRange>>,
    /// Internet sources, as the fewest CIDR blocks.
    pub source_addresses: Vec<String>,
    /// Number of source addresses, as a decimal string (IPv6 counts exceed 64 bits).
    pub source_address_count: String,
    /// Severity of this group.
    pub severity: String,
}

/// One exposed network interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExposureFinding {
    /// `INTERNET_EXPOSURE`.
    pub finding_type: String,
    /// `EXPOSED` (some connections certainly open) or `UNKNOWN` (only unknown ones).
    pub status: String,
    /// Highest severity of the exposures.
    pub severity: String,
    /// ENI.
    pub network_interface_id: String,
    /// Instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// VPC.
    pub vpc_id: String,
    /// Subnet.
    pub subnet_id: String,
    /// Public addresses reached.
    pub public_ips: Vec<String>,
    /// Exposures that certainly hold.
    pub exposures: Vec<Exposure>,
    /// Exposures that depend on data missing from the snapshot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_exposures: Vec<Exposure>,
    /// Path of one witness connection (the most severe exposure), hop by hop.
    pub forward_path_components: Vec<PathComponent>,
    /// Its return path.
    pub return_path_components: Vec<PathComponent>,
    /// The witness header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<crate::report::AnalysisPacketHeader>,
}

/// The exposure report of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExposureReport {
    /// Findings, most severe first.
    pub findings: Vec<ExposureFinding>,
    /// Network interfaces analysed.
    pub network_interfaces_analyzed: usize,
    /// Network interfaces with a public address.
    pub public_network_interfaces: usize,
    /// Load diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

const REMOTE_ADMIN: &[u16] = &[22, 23, 3389, 5900, 5985, 5986];
const DATA_STORES: &[u16] = &[
    1433, 1521, 2375, 2376, 2379, 3306, 5432, 5984, 6379, 6443, 7000, 7001, 8020, 9042, 9092, 9200,
    9300, 10250, 11211, 27017, 27018,
];
const WEB: &[u16] = &[80, 443];

fn severity_rank(s: &str) -> u8 {
    match s {
        "CRITICAL" => 4,
        "HIGH" => 3,
        "MEDIUM" => 2,
        "LOW" => 1,
        _ => 0,
    }
}

/// Severity of an exposed group: remote administration or every port from a wide range of the
/// internet is critical; data stores high; web ports low; anything else medium. A narrow source
/// range (fewer than 2^16 addresses) lowers the severity one step.
#[must_use]
pub fn decide_severity(
    protos: (u128, u128),
    dports: &[(u128, u128)],
    source_count: u128,
) -> &'static str {
    let tcp_udp = protos.0 <= 17 && protos.1 >= 6;
    let has = |list: &[u16]| {
        dports.iter().any(|(a, b)| {
            list.iter()
                .any(|p| *a <= u128::from(*p) && u128::from(*p) <= *b)
        })
    };
    let all_ports = dports.iter().map(|(a, b)| b - a + 1).sum::<u128>() >= 60000;
    let wide = source_count >= (1u128 << 16);
    let base: u8 = if protos == (0, 255) || (tcp_udp && (all_ports || has(REMOTE_ADMIN))) {
        4
    } else if tcp_udp && has(DATA_STORES) {
        3
    } else if tcp_udp
        && dports.iter().all(|(a, b)| {
            WEB.iter()
                .any(|p| *a == u128::from(*p) && *b == u128::from(*p))
        })
    {
        1
    } else {
        2
    };
    let rank = if wide {
        base
    } else {
        base.saturating_sub(1).max(1)
    };
    match rank {
        4 => "CRITICAL",
        3 => "HIGH",
        2 => "MEDIUM",
        _ => "LOW",
    }
}

fn count(set: &IntervalSet) -> u128 {
    set.ranges()
        .iter()
        .map(|(a, b)| b.saturating_sub(*a).saturating_add(1))
        .fold(0u128, u128::saturating_add)
}

fn ports(set: &IntervalSet) -> Vec<PortRange> {
    set.ranges()
        .iter()
        .map(|(a, b)| PortRange {
            from: i64::try_from(*a).unwrap_or(0),
            to: i64::try_from(*b).unwrap_or(0),
        })
        .collect()
}

fn render_protocols(lo: u128, hi: u128) -> String {
    if lo == 0 && hi == 255 {
        "-1".to_owned()
    } else if lo == hi {
        render_protocol(u8::try_from(lo).unwrap_or(0))
    } else {
        format!("{lo}-{hi}")
    }
}

type GroupKey = (u128, u128, Vec<(u128, u128)>, Vec<(u128, u128)>);

/// Group a header set (as sent by internet hosts) into exposures: per protocol range, per source
/// port set, the destination ports and sources. Exact: the union of the groups is the set.
#[must_use]
pub fn render_exposures(set: &HeaderSet) -> Vec<Exposure> {
    let disjoint = set.disjoint();
    // (proto lo, proto hi, sport lo, sport hi, dport lo, dport hi) -> sources
    let mut cells: BTreeMap<(u128, u128, u128, u128, u128, u128), IntervalSet> = BTreeMap::new();
    for b in disjoint.boxes() {
        let key = (
            b.lo[PROTO],
            b.hi[PROTO],
            b.lo[SPORT],
            b.hi[SPORT],
            b.lo[DPORT],
            b.hi[DPORT],
        );
        let src = IntervalSet::interval(b.lo[SRC], b.hi[SRC]);
        let slot = cells.entry(key).or_default();
        *slot = slot.union(&src);
    }
    // Merge destination ports of cells that share protocol, source ports and sources.
    let mut groups: BTreeMap<GroupKey, IntervalSet> = BTreeMap::new();
    for ((pl, ph, sl, sh, dl, dh), src) in cells {
        let key = (pl, ph, vec![(sl, sh)], src.ranges().to_vec());
        let slot = groups.entry(key).or_default();
        *slot = slot.union(&IntervalSet::interval(dl, dh));
    }
    // Then source ports of groups sharing protocol, destination ports and sources.
    let mut merged: BTreeMap<GroupKey, IntervalSet> = BTreeMap::new();
    for ((pl, ph, sports, src), dports) in groups {
        let key = (pl, ph, dports.ranges().to_vec(), src);
        let slot = merged.entry(key).or_default();
        *slot = slot.union(&IntervalSet::from_ranges(sports));
    }
    let mut out: Vec<Exposure> = merged
        .into_iter()
        .map(|((pl, ph, dports, src), sports)| {
            let src_set = IntervalSet::from_ranges(src);
            let shown = render_sources(&src_set);
            let dport_set = IntervalSet::from_ranges(dports);
            let n = count(&src_set);
            let full_sports = sports == IntervalSet::interval(0, 65535);
            Exposure {
                protocol: render_protocols(pl, ph),
                destination_port_ranges: ports(&dport_set),
                source_port_ranges: if full_sports {
                    None
                } else {
                    Some(ports(&sports))
                },
                source_addresses: shown,
                source_address_count: n.to_string(),
                severity: decide_severity((pl, ph), dport_set.ranges(), n).to_owned(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        severity_rank(&b.severity)
            .cmp(&severity_rank(&a.severity))
            .then(a.protocol.cmp(&b.protocol))
    });
    out
}

/// The sources as the fewest CIDR blocks. Addresses that are never internet sources (private and
/// reserved ranges, see `walk::PRIVATE_BLOCKS`) may be added when that gives a shorter list, so
/// "every internet address" renders as `0.0.0.0/0`. The count stays exact.
fn render_sources(set: &IntervalSet) -> Vec<String> {
    static NON_INTERNET: std::sync::OnceLock<IntervalSet> = std::sync::OnceLock::new();
    let non_internet = NON_INTERNET.get_or_init(|| {
        crate::walk::PRIVATE_BLOCKS
            .iter()
            .filter_map(|c| crate::hs::Cidr::parse(c))
            .fold(IntervalSet::empty(), |acc, c| acc.union(&c.to_set()))
    });
    let exact = set.to_cidrs();
    let widened = set.union(non_internet);
    // Widen only within the address families present.
    let v4 = IntervalSet::interval(crate::hs::V4_BASE, crate::hs::V4_END);
    let fam = if set.intersect(&v4).is_empty() {
        v4.complement(u128::MAX)
    } else if set.subtract(&v4).is_empty() {
        v4
    } else {
        IntervalSet::interval(0, u128::MAX)
    };
    let widened = widened.intersect(&fam).to_cidrs();
    let best = if widened.len() < exact.len() {
        widened
    } else {
        exact
    };
    best.iter().map(ToString::to_string).collect()
}

fn pick_witness(set: &HeaderSet) -> Option<Packet> {
    // Prefer the most severe exposure: try well-known ports first, then any header.
    let order: Vec<u16> = REMOTE_ADMIN
        .iter()
        .chain(DATA_STORES)
        .chain(WEB)
        .copied()
        .collect();
    let tcp = set.restrict(PROTO, &IntervalSet::point(6));
    for p in order {
        let s = tcp.restrict(DPORT, &IntervalSet::point(u128::from(p)));
        if let Some(w) = prefer_defaults(&s) {
            return Some(w);
        }
    }
    prefer_defaults(&tcp).or_else(|| prefer_defaults(set))
}

fn prefer_defaults(set: &HeaderSet) -> Option<Packet> {
    if set.is_empty() {
        return None;
    }
    let mut s = set.clone();
    if let Some(ip) = crate::hs::parse_ip(crate::reach::DEFAULT_INTERNET_ADDRESS) {
        let d = s.restrict(SRC, &IntervalSet::point(ip));
        if !d.is_empty() {
            s = d;
        }
    }
    let e = s.restrict(
        SPORT,
        &IntervalSet::point(u128::from(crate::reach::DEFAULT_SOURCE_PORT)),
    );
    if !e.is_empty() {
        s = e;
    }
    s.witness()
}

/// Compute the exposure findings of a network.
#[must_use]
pub fn decide_exposure_report(net: &Network) -> ExposureReport {
    let mut engine = Engine::new(net);
    let mut findings = Vec::new();
    let mut public = 0;
    for eni in net.network_interfaces.iter() {
        if eni.public_ip().is_some() || !eni.ipv6.is_empty() {
            public += 1;
        }
        let answer = engine.decide_exposure(eni);
        if answer.is_empty() {
            continue;
        }
        let exposures = render_exposures(&answer.allowed);
        let unknown_exposures = render_exposures(&answer.unknown);
        let severity = exposures
            .iter()
            .chain(&unknown_exposures)
            .map(|e| e.severity.clone())
            .max_by_key(|s| severity_rank(s))
            .unwrap_or_else(|| "LOW".to_owned());
        let public_ips: Vec<String> = {
            let mut v: Vec<String> = answer
                .allowed
                .union(&answer.unknown)
                .project(DST)
                .ranges()
                .iter()
                .map(|(a, _)| crate::hs::render_ip(*a))
                .collect();
            v.dedup();
            v
        };
        let witness = pick_witness(&answer.allowed);
        let (fwd, ret) = match witness {
            Some(w) => {
                let flow = eval_flow(net, &Start::Internet, w);
                (
                    render_path(net, &flow.forward.steps),
                    flow.reply
                        .map(|r| render_path(net, &r.steps))
                        .unwrap_or_default(),
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        findings.push(ExposureFinding {
            finding_type: "INTERNET_EXPOSURE".to_owned(),
            status: if answer.allowed.is_empty() {
                "UNKNOWN".to_owned()
            } else {
                "EXPOSED".to_owned()
            },
            severity,
            network_interface_id: eni.id.clone(),
            instance_id: eni.instance_id.clone(),
            vpc_id: eni.vpc_id.clone(),
            subnet_id: eni.subnet_id.clone(),
            public_ips,
            exposures,
            unknown_exposures,
            forward_path_components: fwd,
            return_path_components: ret,
            witness: witness
                .as_ref()
                .map(crate::report::AnalysisPacketHeader::from_packet),
        });
    }
    findings.sort_by(|a, b| {
        severity_rank(&b.severity)
            .cmp(&severity_rank(&a.severity))
            .then(a.network_interface_id.cmp(&b.network_interface_id))
    });
    ExposureReport {
        findings,
        network_interfaces_analyzed: net.network_interfaces.len(),
        public_network_interfaces: public,
        diagnostics: net.diagnostics.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::decide_severity;

    const ANY: u128 = 1 << 32;

    fn check(protos: (u128, u128), ports: &[(u128, u128)], sources: u128, expected: &str) {
        assert_eq!(
            decide_severity(protos, ports, sources),
            expected,
            "{protos:?} {ports:?} {sources}"
        );
    }

    #[test]
    fn severity_follows_the_port_classes() {
        check((0, 255), &[(0, 65535)], ANY, "CRITICAL"); // every protocol
        check((6, 6), &[(0, 65535)], ANY, "CRITICAL"); // every TCP port
        check((6, 6), &[(22, 22)], ANY, "CRITICAL"); // SSH from the internet
        check((6, 6), &[(3389, 3389)], ANY, "CRITICAL"); // RDP
        check((6, 6), &[(5432, 5432)], ANY, "HIGH"); // PostgreSQL
        check((6, 6), &[(6379, 6379)], ANY, "HIGH"); // Redis
        check((6, 6), &[(443, 443)], ANY, "LOW"); // HTTPS
        check((6, 6), &[(80, 80), (443, 443)], ANY, "LOW");
        check((6, 6), &[(8080, 8080)], ANY, "MEDIUM");
        check((17, 17), &[(53, 53)], ANY, "MEDIUM");
        check((1, 1), &[(8, 8)], ANY, "MEDIUM"); // ICMP echo
        check((6, 6), &[(22, 22)], 256, "HIGH"); // SSH from one /24 only: one step lower
        check((6, 6), &[(443, 443)], 1, "LOW");
    }
}
