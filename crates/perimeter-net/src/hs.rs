//! Header spaces: exact sets of packet headers.
//!
//! A header is five fields: source IP, destination IP, IP protocol, source port and destination port.
//! IPv4 and IPv6 share one 128-bit axis: an IPv4 address `a.b.c.d` is stored as the IPv4-mapped IPv6
//! address `::ffff:a.b.c.d`. For ICMP and ICMPv6 the port fields carry the ICMP code (source port) and
//! the ICMP type (destination port), which is how security groups and network ACLs name them.
//!
//! [`IntervalSet`] is a one-dimensional set of integers kept as sorted disjoint inclusive intervals.
//! [`HeaderSet`] is a finite union of boxes (products of five intervals). Every operation is exact:
//! no widening, no sampling.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address on the shared IPv4/IPv6 axis.
pub type Ip = u128;

/// `::ffff:0.0.0.0`, the start of the IPv4-mapped range.
pub const V4_BASE: u128 = 0xffff_0000_0000;
/// The last IPv4-mapped address.
pub const V4_END: u128 = 0xffff_ffff_ffff;

/// The source-IP dimension.
pub const SRC: usize = 0;
/// The destination-IP dimension.
pub const DST: usize = 1;
/// The IP-protocol dimension (0–255).
pub const PROTO: usize = 2;
/// The source-port dimension (0–65535; ICMP code).
pub const SPORT: usize = 3;
/// The destination-port dimension (0–65535; ICMP type).
pub const DPORT: usize = 4;

/// Upper bound of each dimension.
pub const DIM_MAX: [u128; 5] = [u128::MAX, u128::MAX, 255, 65535, 65535];

/// IP protocol numbers used by the model.
pub const PROTO_ICMP: u8 = 1;
/// TCP.
pub const PROTO_TCP: u8 = 6;
/// UDP.
pub const PROTO_UDP: u8 = 17;
/// ICMPv6.
pub const PROTO_ICMPV6: u8 = 58;

/// Convert an IPv4 address onto the shared axis.
#[must_use]
pub fn ip_from_v4(a: Ipv4Addr) -> Ip {
    V4_BASE | u128::from(u32::from(a))
}

/// Convert any address onto the shared axis.
#[must_use]
pub fn ip_from_addr(a: IpAddr) -> Ip {
    match a {
        IpAddr::V4(v) => ip_from_v4(v),
        IpAddr::V6(v) => u128::from(v),
    }
}

/// Whether an address on the shared axis is IPv4.
#[must_use]
pub fn is_v4(ip: Ip) -> bool {
    (V4_BASE..=V4_END).contains(&ip)
}

/// Convert back from the shared axis.
#[must_use]
pub fn ip_to_addr(ip: Ip) -> IpAddr {
    if is_v4(ip) {
        let low = u32::try_from(ip - V4_BASE).unwrap_or(0);
        IpAddr::V4(Ipv4Addr::from(low))
    } else {
        IpAddr::V6(Ipv6Addr::from(ip))
    }
}

/// Parse an IPv4 or IPv6 address.
#[must_use]
pub fn parse_ip(text: &str) -> Option<Ip> {
    text.trim().parse::<IpAddr>().ok().map(ip_from_addr)
}

/// Render an address as AWS does.
#[must_use]
pub fn render_ip(ip: Ip) -> String {
    ip_to_addr(ip).to_string()
}

/// A CIDR block, IPv4 or IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    /// First address on the shared axis.
    pub lo: Ip,
    /// Prefix length in the address family's own bits (0–32 or 0–128).
    pub len: u8,
    /// IPv4 block.
    pub v4: bool,
}

impl Cidr {
    /// Parse `a.b.c.d/n` or `x::/n`. Host bits are cleared, as AWS does for routes and rules.
    #[must_use]
    pub fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (text, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(v) => {
                let len = len.unwrap_or(32);
                if len > 32 {
                    return None;
                }
                let bits = u32::from(v);
                let mask = if len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(len))
                };
                Some(Cidr {
                    lo: V4_BASE | u128::from(bits & mask),
                    len,
                    v4: true,
                })
            }
            IpAddr::V6(v) => {
                let len = len.unwrap_or(128);
                if len > 128 {
                    return None;
                }
                let bits = u128::from(v);
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(len))
                };
                Some(Cidr {
                    lo: bits & mask,
                    len,
                    v4: false,
                })
            }
        }
    }

    /// Last address of the block.
    #[must_use]
    pub fn hi(&self) -> Ip {
        let host_bits = if self.v4 {
            32 - u32::from(self.len)
        } else {
            128 - u32::from(self.len)
        };
        let span = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        self.lo.saturating_add(span)
    }

    /// Whether the block holds an address.
    #[must_use]
    pub fn contains(&self, ip: Ip) -> bool {
        self.lo <= ip && ip <= self.hi()
    }

    /// Prefix length on the shared 128-bit axis (IPv4 /n is /(96+n)), for longest-prefix comparisons.
    #[must_use]
    pub fn axis_len(&self) -> u8 {
        if self.v4 {
            self.len.saturating_add(96)
        } else {
            self.len
        }
    }

    /// The block as an interval set.
    #[must_use]
    pub fn to_set(&self) -> IntervalSet {
        IntervalSet::interval(self.lo, self.hi())
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", render_ip(self.lo), self.len)
    }
}

/// A set of integers kept as sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IntervalSet {
    ranges: Vec<(u128, u128)>,
}

impl IntervalSet {
    /// The empty set, as a constant.
    pub const EMPTY: IntervalSet = IntervalSet { ranges: Vec::new() };

    /// The empty set.
    #[must_use]
    pub fn empty() -> Self {
        IntervalSet { ranges: Vec::new() }
    }

    /// `[lo, hi]`, empty when `lo > hi`.
    #[must_use]
    pub fn interval(lo: u128, hi: u128) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            IntervalSet {
                ranges: vec![(lo, hi)],
            }
        }
    }

    /// One point.
    #[must_use]
    pub fn point(x: u128) -> Self {
        Self::interval(x, x)
    }

    /// Build from arbitrary intervals (any order, overlapping allowed).
    #[must_use]
    pub fn from_ranges(mut ranges: Vec<(u128, u128)>) -> Self {
        ranges.retain(|(lo, hi)| lo <= hi);
        ranges.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            if let Some(last) = out.last_mut()
                && lo <= last.1.saturating_add(1)
            {
                if hi > last.1 {
                    last.1 = hi;
                }
                continue;
            }
            out.push((lo, hi));
        }
        IntervalSet { ranges: out }
    }

    /// The intervals, sorted and disjoint.
    #[must_use]
    pub fn ranges(&self) -> &[(u128, u128)] {
        &self.ranges
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Membership, by binary search.
    #[must_use]
    pub fn contains(&self, x: u128) -> bool {
        let idx = self.ranges.partition_point(|(_, hi)| *hi < x);
        self.ranges.get(idx).is_some_and(|(lo, _)| *lo <= x)
    }

    /// Union.
    #[must_use]
    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut all = self.ranges.clone();
        all.extend_from_slice(&other.ranges);
        Self::from_ranges(all)
    }

    /// Intersection.
    #[must_use]
    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(a), Some(b)) = (self.ranges.get(i), other.ranges.get(j)) {
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { ranges: out }
    }

    /// Complement within `[0, max]`.
    #[must_use]
    pub fn complement(&self, max: u128) -> IntervalSet {
        let mut out = Vec::new();
        let mut next: Option<u128> = Some(0);
        for &(lo, hi) in &self.ranges {
            if let Some(n) = next
                && lo > n
            {
                out.push((n, lo - 1));
            }
            next = hi.checked_add(1);
        }
        if let Some(n) = next
            && n <= max
        {
            out.push((n, max));
        }
        IntervalSet { ranges: out }
    }

    /// Difference.
    #[must_use]
    pub fn subtract(&self, other: &IntervalSet) -> IntervalSet {
        self.intersect(&other.complement(u128::MAX))
    }

    /// The smallest element.
    #[must_use]
    pub fn first(&self) -> Option<u128> {
        self.ranges.first().map(|r| r.0)
    }

    /// Cover an address set with the fewest CIDR blocks. A block inside the IPv4-mapped range
    /// renders as IPv4.
    #[must_use]
    pub fn to_cidrs(&self) -> Vec<Cidr> {
        let mut out = Vec::new();
        for &(lo, hi) in &self.ranges {
            cover_range(lo, hi, &mut out);
        }
        out
    }
}

fn cover_range(mut lo: u128, hi: u128, out: &mut Vec<Cidr>) {
    loop {
        // Largest aligned block starting at lo that stays within hi.
        let mut size_bits: u32 = if lo == 0 { 128 } else { lo.trailing_zeros() };
        while size_bits > 0 {
            let span = if size_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << size_bits) - 1
            };
            if lo.checked_add(span).is_some_and(|end| end <= hi) {
                break;
            }
            size_bits -= 1;
        }
        let span = if size_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << size_bits) - 1
        };
        let end = lo.saturating_add(span);
        let v4 = size_bits <= 32 && is_v4(lo) && is_v4(end);
        let len = if v4 { 32 - size_bits } else { 128 - size_bits };
        out.push(Cidr {
            lo,
            len: u8::try_from(len).unwrap_or(0),
            v4,
        });
        if end >= hi {
            return;
        }
        lo = end + 1;
    }
}

/// One packet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packet {
    /// Source address.
    pub src: Ip,
    /// Destination address.
    pub dst: Ip,
    /// IP protocol number.
    pub proto: u8,
    /// Source port (ICMP code).
    pub sport: u16,
    /// Destination port (ICMP type).
    pub dport: u16,
}

impl Packet {
    /// The field values in dimension order.
    #[must_use]
    pub fn fields(&self) -> [u128; 5] {
        [
            self.src,
            self.dst,
            u128::from(self.proto),
            u128::from(self.sport),
            u128::from(self.dport),
        ]
    }

    /// The reply a stateful peer sends back: addresses swapped, and ports swapped except for ICMP,
    /// whose type and code stay as they are (the model does not map echo request to echo reply).
    #[must_use]
    pub fn reply(&self) -> Packet {
        if is_icmp(self.proto) {
            Packet {
                src: self.dst,
                dst: self.src,
                ..*self
            }
        } else {
            Packet {
                src: self.dst,
                dst: self.src,
                proto: self.proto,
                sport: self.dport,
                dport: self.sport,
            }
        }
    }
}

/// ICMP or ICMPv6.
#[must_use]
pub fn is_icmp(proto: u8) -> bool {
    proto == PROTO_ICMP || proto == PROTO_ICMPV6
}

/// A box: the product of one closed interval per dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HBox {
    /// Lower bounds.
    pub lo: [u128; 5],
    /// Upper bounds.
    pub hi: [u128; 5],
}

impl HBox {
    /// Every header.
    #[must_use]
    pub fn all() -> HBox {
        HBox {
            lo: [0; 5],
            hi: DIM_MAX,
        }
    }

    fn is_empty(&self) -> bool {
        self.lo.iter().zip(self.hi.iter()).any(|(l, h)| l > h)
    }

    /// Intersection of two boxes.
    #[must_use]
    pub fn intersect(&self, other: &HBox) -> Option<HBox> {
        let mut out = *self;
        for d in 0..5 {
            let lo = out
                .lo
                .get(d)
                .copied()
                .unwrap_or(0)
                .max(other.lo.get(d).copied().unwrap_or(0));
            let hi = out
                .hi
                .get(d)
                .copied()
                .unwrap_or(0)
                .min(other.hi.get(d).copied().unwrap_or(0));
            if lo > hi {
                return None;
            }
            if let (Some(l), Some(h)) = (out.lo.get_mut(d), out.hi.get_mut(d)) {
                *l = lo;
                *h = hi;
            }
        }
        Some(out)
    }

    fn contains_box(&self, other: &HBox) -> bool {
        (0..5).all(|d| self.lo.get(d) <= other.lo.get(d) && other.hi.get(d) <= self.hi.get(d))
    }

    fn contains(&self, p: &[u128; 5]) -> bool {
        p.iter()
            .zip(self.lo.iter().zip(self.hi.iter()))
            .all(|(x, (l, h))| l <= x && x <= h)
    }

    /// `self − other` as at most ten disjoint boxes.
    fn subtract_into(&self, other: &HBox, out: &mut Vec<HBox>) {
        let Some(cut) = self.intersect(other) else {
            out.push(*self);
            return;
        };
        let mut rest = *self;
        for d in 0..5 {
            let (Some(&rl), Some(&rh), Some(&cl), Some(&ch)) =
                (rest.lo.get(d), rest.hi.get(d), cut.lo.get(d), cut.hi.get(d))
            else {
                continue;
            };
            if rl < cl {
                let mut below = rest;
                if let Some(h) = below.hi.get_mut(d) {
                    *h = cl - 1;
                }
                out.push(below);
            }
            if ch < rh {
                let mut above = rest;
                if let Some(l) = above.lo.get_mut(d) {
                    *l = ch + 1;
                }
                out.push(above);
            }
            if let (Some(l), Some(h)) = (rest.lo.get_mut(d), rest.hi.get_mut(d)) {
                *l = cl;
                *h = ch;
            }
        }
    }
}

/// A finite union of boxes. Boxes may overlap; every operation is exact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderSet {
    boxes: Vec<HBox>,
}

impl HeaderSet {
    /// No header.
    #[must_use]
    pub fn empty() -> Self {
        HeaderSet { boxes: Vec::new() }
    }

    /// Every header.
    #[must_use]
    pub fn all() -> Self {
        HeaderSet {
            boxes: vec![HBox::all()],
        }
    }

    /// One box (empty if any interval is empty).
    #[must_use]
    pub fn from_box(b: HBox) -> Self {
        if b.is_empty() {
            Self::empty()
        } else {
            HeaderSet { boxes: vec![b] }
        }
    }

    /// One header.
    #[must_use]
    pub fn packet(p: &Packet) -> Self {
        let f = p.fields();
        HeaderSet {
            boxes: vec![HBox { lo: f, hi: f }],
        }
    }

    /// The product of one interval set per dimension.
    #[must_use]
    pub fn product(dims: [&IntervalSet; 5]) -> Self {
        let mut boxes = vec![HBox::all()];
        for (d, set) in dims.iter().enumerate() {
            let mut next = Vec::with_capacity(boxes.len() * set.ranges().len());
            for b in &boxes {
                for &(lo, hi) in set.ranges() {
                    let mut nb = *b;
                    if let (Some(l), Some(h)) = (nb.lo.get_mut(d), nb.hi.get_mut(d)) {
                        *l = lo;
                        *h = hi;
                    }
                    next.push(nb);
                }
            }
            boxes = next;
        }
        HeaderSet { boxes }
    }

    /// The boxes.
    #[must_use]
    pub fn boxes(&self) -> &[HBox] {
        &self.boxes
    }

    /// Whether no header is in the set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }

    /// Membership.
    #[must_use]
    pub fn contains(&self, p: &Packet) -> bool {
        let f = p.fields();
        self.boxes.iter().any(|b| b.contains(&f))
    }

    /// Union. Boxes already covered by one box of the other operand are dropped.
    #[must_use]
    pub fn union(&self, other: &HeaderSet) -> HeaderSet {
        let mut boxes = self.boxes.clone();
        for b in &other.boxes {
            if !boxes.iter().any(|a| a.contains_box(b)) {
                boxes.push(*b);
            }
        }
        HeaderSet { boxes }
    }

    /// Intersection.
    #[must_use]
    pub fn intersect(&self, other: &HeaderSet) -> HeaderSet {
        let mut boxes = Vec::new();
        for a in &self.boxes {
            for b in &other.boxes {
                if let Some(c) = a.intersect(b)
                    && !boxes.iter().any(|x: &HBox| x.contains_box(&c))
                {
                    boxes.push(c);
                }
            }
        }
        HeaderSet { boxes }
    }

    /// Difference.
    #[must_use]
    pub fn subtract(&self, other: &HeaderSet) -> HeaderSet {
        let mut cur = self.boxes.clone();
        for b in &other.boxes {
            let mut next = Vec::with_capacity(cur.len());
            for a in &cur {
                a.subtract_into(b, &mut next);
            }
            cur = next;
            if cur.is_empty() {
                break;
            }
        }
        HeaderSet { boxes: cur }
    }

    /// Keep the headers whose field `dim` lies in `set`.
    #[must_use]
    pub fn restrict(&self, dim: usize, set: &IntervalSet) -> HeaderSet {
        let mut boxes = Vec::new();
        for b in &self.boxes {
            let (Some(&bl), Some(&bh)) = (b.lo.get(dim), b.hi.get(dim)) else {
                continue;
            };
            let start = set.ranges().partition_point(|(_, hi)| *hi < bl);
            for &(lo, hi) in set.ranges().iter().skip(start) {
                if lo > bh {
                    break;
                }
                let mut nb = *b;
                if let (Some(l), Some(h)) = (nb.lo.get_mut(dim), nb.hi.get_mut(dim)) {
                    *l = lo.max(bl);
                    *h = hi.min(bh);
                }
                boxes.push(nb);
            }
        }
        HeaderSet { boxes }
    }

    /// Replace field `dim` by one value in every header (the image under an address translation).
    #[must_use]
    pub fn assign(&self, dim: usize, value: u128) -> HeaderSet {
        let mut out = HeaderSet::empty();
        for b in &self.boxes {
            let mut nb = *b;
            if let (Some(l), Some(h)) = (nb.lo.get_mut(dim), nb.hi.get_mut(dim)) {
                *l = value;
                *h = value;
            }
            out = out.union(&HeaderSet { boxes: vec![nb] });
        }
        out
    }

    /// Widen field `dim` to its full range in every header (the preimage of [`HeaderSet::assign`]).
    #[must_use]
    pub fn forget(&self, dim: usize) -> HeaderSet {
        let mut out = HeaderSet::empty();
        for b in &self.boxes {
            let mut nb = *b;
            if let (Some(l), Some(h)) = (nb.lo.get_mut(dim), nb.hi.get_mut(dim)) {
                *l = 0;
                *h = DIM_MAX.get(dim).copied().unwrap_or(u128::MAX);
            }
            out = out.union(&HeaderSet { boxes: vec![nb] });
        }
        out
    }

    /// The set of replies ([`Packet::reply`]) to the headers in this set.
    #[must_use]
    pub fn replies(&self) -> HeaderSet {
        let icmp = IntervalSet::from_ranges(vec![
            (u128::from(PROTO_ICMP), u128::from(PROTO_ICMP)),
            (u128::from(PROTO_ICMPV6), u128::from(PROTO_ICMPV6)),
        ]);
        let non_icmp = icmp.complement(255);
        let mut out = Vec::new();
        for b in &self.boxes {
            let (Some(&pl), Some(&ph)) = (b.lo.get(PROTO), b.hi.get(PROTO)) else {
                continue;
            };
            let protos = IntervalSet::interval(pl, ph);
            for (set, swap_ports) in [
                (protos.intersect(&non_icmp), true),
                (protos.intersect(&icmp), false),
            ] {
                for &(lo, hi) in set.ranges() {
                    let mut nb = *b;
                    nb.lo.swap(SRC, DST);
                    nb.hi.swap(SRC, DST);
                    if swap_ports {
                        nb.lo.swap(SPORT, DPORT);
                        nb.hi.swap(SPORT, DPORT);
                    }
                    if let (Some(l), Some(h)) = (nb.lo.get_mut(PROTO), nb.hi.get_mut(PROTO)) {
                        *l = lo;
                        *h = hi;
                    }
                    out.push(nb);
                }
            }
        }
        HeaderSet { boxes: out }
    }

    /// The values field `dim` takes.
    #[must_use]
    pub fn project(&self, dim: usize) -> IntervalSet {
        IntervalSet::from_ranges(
            self.boxes
                .iter()
                .filter_map(|b| Some((*b.lo.get(dim)?, *b.hi.get(dim)?)))
                .collect(),
        )
    }

    /// Some header in the set: the lowest corner of its first box.
    #[must_use]
    pub fn witness(&self) -> Option<Packet> {
        let b = self.boxes.first()?;
        let [src, dst, proto, sport, dport] = b.lo;
        Some(Packet {
            src,
            dst,
            proto: u8::try_from(proto).ok()?,
            sport: u16::try_from(sport).ok()?,
            dport: u16::try_from(dport).ok()?,
        })
    }

    /// The same set as pairwise disjoint boxes.
    #[must_use]
    pub fn disjoint(&self) -> HeaderSet {
        let mut out: Vec<HBox> = Vec::new();
        for b in &self.boxes {
            let mut pieces = vec![*b];
            for a in &out {
                let mut next = Vec::new();
                for p in &pieces {
                    p.subtract_into(a, &mut next);
                }
                pieces = next;
                if pieces.is_empty() {
                    break;
                }
            }
            out.extend(pieces);
        }
        HeaderSet { boxes: out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[&str]) {
        let c = Cidr::parse(input).unwrap();
        let got: Vec<String> = c
            .to_set()
            .to_cidrs()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, expected, "{input}");
    }

    #[test]
    fn cidr_round_trips() {
        // Host bits are cleared, as the EC2 API does when it stores a route or a rule.
        check("10.0.0.0/16", &["10.0.0.0/16"]);
        check("10.0.0.7/16", &["10.0.0.0/16"]);
        check("0.0.0.0/0", &["0.0.0.0/0"]);
        check("1.2.3.4/32", &["1.2.3.4/32"]);
        check("::/0", &["::/0"]);
        check("2600:1f18::/56", &["2600:1f18::/56"]);
    }

    #[test]
    fn interval_cover_is_minimal() {
        let s = IntervalSet::interval(
            ip_from_v4("10.0.0.0".parse().unwrap()),
            ip_from_v4("10.0.2.255".parse().unwrap()),
        );
        let got: Vec<String> = s.to_cidrs().iter().map(ToString::to_string).collect();
        assert_eq!(got, vec!["10.0.0.0/23", "10.0.2.0/24"]);
    }

    #[test]
    fn box_subtraction_is_exact() {
        let all = HeaderSet::all();
        let p = Packet {
            src: 5,
            dst: 6,
            proto: 6,
            sport: 7,
            dport: 8,
        };
        let hole = HeaderSet::packet(&p);
        let rest = all.subtract(&hole);
        assert!(!rest.contains(&p));
        assert!(rest.contains(&Packet { dport: 9, ..p }));
        assert_eq!(
            rest.union(&hole).subtract(&HeaderSet::all()),
            HeaderSet::empty()
        );
    }

    mod laws {
        use proptest::prelude::*;

        use super::super::*;

        // Small dimensions make collisions (and therefore interesting overlaps) likely.
        fn boxes() -> impl Strategy<Value = HeaderSet> {
            let b = (0u128..8, 0u128..4, 0u128..8, 0u128..4, 0u128..4, 0u128..3).prop_map(
                |(sl, sw, dl, dw, pl, pw)| {
                    HeaderSet::from_box(HBox {
                        lo: [sl, dl, pl, 0, 0],
                        hi: [sl + sw, dl + dw, pl + pw, 65535, 3],
                    })
                },
            );
            proptest::collection::vec(b, 0..4)
                .prop_map(|v| v.iter().fold(HeaderSet::empty(), |acc, x| acc.union(x)))
        }

        fn pkt() -> impl Strategy<Value = Packet> {
            (0u128..12, 0u128..12, 0u8..8, 0u16..4).prop_map(|(src, dst, proto, dport)| Packet {
                src,
                dst,
                proto,
                sport: 7,
                dport,
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn set_operations_match_membership(a in boxes(), b in boxes(), p in pkt()) {
                prop_assert_eq!(a.union(&b).contains(&p), a.contains(&p) || b.contains(&p));
                prop_assert_eq!(a.intersect(&b).contains(&p), a.contains(&p) && b.contains(&p));
                prop_assert_eq!(a.subtract(&b).contains(&p), a.contains(&p) && !b.contains(&p));
                prop_assert_eq!(a.disjoint().contains(&p), a.contains(&p));
                prop_assert_eq!(a.replies().contains(&p.reply()), a.contains(&p));
                prop_assert!(a.subtract(&a).is_empty());
            }

            #[test]
            fn interval_sets_obey_the_laws(x in proptest::collection::vec((0u128..40, 0u128..6), 0..5), y in proptest::collection::vec((0u128..40, 0u128..6), 0..5), v in 0u128..50) {
                let a = IntervalSet::from_ranges(x.iter().map(|(l, w)| (*l, l + w)).collect());
                let b = IntervalSet::from_ranges(y.iter().map(|(l, w)| (*l, l + w)).collect());
                prop_assert_eq!(a.union(&b).contains(v), a.contains(v) || b.contains(v));
                prop_assert_eq!(a.intersect(&b).contains(v), a.contains(v) && b.contains(v));
                prop_assert_eq!(a.subtract(&b).contains(v), a.contains(v) && !b.contains(v));
                prop_assert_eq!(a.complement(49).contains(v), v <= 49 && !a.contains(v));
                // CIDR covers are exact.
                let cover = IntervalSet::from_ranges(a.to_cidrs().iter().map(|c| (c.lo, c.hi())).collect());
                prop_assert_eq!(cover, a);
            }
        }
    }
}
