//! Interval sets over bounded discrete orders (IPv4 as `u32`, IPv6 as `u128`, …).
//!
//! An [`IntervalSet`] is a sorted list of disjoint, non-adjacent, inclusive intervals
//! `[lo, hi]`. That normal form makes equality structural, and every operation
//! (union, intersection, complement, difference) a linear merge. [`Cidr`] turns an
//! IPv4/IPv6 network into the interval of its addresses.

use crate::natural::Natural;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A bounded discrete total order.
pub trait Point: Copy + Ord + fmt::Debug {
    /// Least element.
    const MIN: Self;
    /// Greatest element.
    const MAX: Self;
    /// Next element, `None` at `MAX`.
    fn succ(self) -> Option<Self>;
    /// Previous element, `None` at `MIN`.
    fn pred(self) -> Option<Self>;
    /// Number of elements in `[lo, hi]`.
    fn span(lo: Self, hi: Self) -> Natural;
}

macro_rules! point_impl {
    ($t:ty) => {
        impl Point for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
            fn span(lo: Self, hi: Self) -> Natural {
                if hi < lo {
                    return Natural::zero();
                }
                Natural::from((hi - lo) as u128).add(&Natural::one())
            }
        }
    };
}
point_impl!(u8);
point_impl!(u32);
point_impl!(u128);

/// A finite union of inclusive intervals, in normal form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntervalSet<T: Point> {
    ranges: Vec<(T, T)>,
}

impl<T: Point> Default for IntervalSet<T> {
    fn default() -> Self {
        IntervalSet::empty()
    }
}

impl<T: Point> IntervalSet<T> {
    /// The empty set.
    pub fn empty() -> Self {
        IntervalSet { ranges: Vec::new() }
    }

    /// Every element.
    pub fn full() -> Self {
        IntervalSet {
            ranges: vec![(T::MIN, T::MAX)],
        }
    }

    /// `[lo, hi]`; empty when `hi < lo`.
    pub fn range(lo: T, hi: T) -> Self {
        if hi < lo {
            IntervalSet::empty()
        } else {
            IntervalSet {
                ranges: vec![(lo, hi)],
            }
        }
    }

    /// Normalizes arbitrary intervals (empty ones are dropped).
    pub fn from_ranges(ranges: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut v: Vec<(T, T)> = ranges.into_iter().filter(|(lo, hi)| lo <= hi).collect();
        v.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            if let Some(last) = out.last_mut() {
                // Merge when overlapping or adjacent.
                let touches = match last.1.succ() {
                    Some(next) => lo <= next,
                    None => true,
                };
                if touches {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            out.push((lo, hi));
        }
        IntervalSet { ranges: out }
    }

    /// The intervals, sorted, disjoint and non-adjacent.
    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    /// True for the empty set.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Membership.
    pub fn contains(&self, x: T) -> bool {
        let i = self.ranges.partition_point(|&(_, hi)| hi < x);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= x)
    }

    /// Number of elements.
    pub fn len(&self) -> Natural {
        self.ranges
            .iter()
            .fold(Natural::zero(), |acc, &(lo, hi)| acc.add(&T::span(lo, hi)))
    }

    /// Least element.
    pub fn first(&self) -> Option<T> {
        self.ranges.first().map(|r| r.0)
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Self) -> Self {
        IntervalSet::from_ranges(self.ranges.iter().chain(other.ranges.iter()).copied())
    }

    /// `¬self` (relative to `[MIN, MAX]`).
    pub fn complement(&self) -> Self {
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut next: Option<T> = Some(T::MIN);
        for &(lo, hi) in &self.ranges {
            if let Some(start) = next
                && start < lo
                && let Some(end) = lo.pred()
            {
                out.push((start, end));
            }
            next = hi.succ();
        }
        if let Some(start) = next {
            out.push((start, T::MAX));
        }
        IntervalSet { ranges: out }
    }

    /// `self ∩ other` (a linear two-pointer merge).
    pub fn intersection(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut a, mut b) = (
            self.ranges.iter().peekable(),
            other.ranges.iter().peekable(),
        );
        while let (Some(&&(alo, ahi)), Some(&&(blo, bhi))) = (a.peek(), b.peek()) {
            let lo = alo.max(blo);
            let hi = ahi.min(bhi);
            if lo <= hi {
                out.push((lo, hi));
            }
            if ahi < bhi {
                a.next();
            } else {
                b.next();
            }
        }
        IntervalSet { ranges: out }
    }

    /// `self ∖ other`.
    pub fn difference(&self, other: &Self) -> Self {
        self.intersection(&other.complement())
    }

    /// `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.difference(other).is_empty()
    }
}

/// An IPv4 or IPv6 network, normalized (host bits cleared).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cidr {
    /// IPv4 network: address and prefix length (0..=32).
    V4(u32, u8),
    /// IPv6 network: address and prefix length (0..=128).
    V6(u128, u8),
}

impl Cidr {
    /// A network from an address and a prefix length; host bits are cleared.
    /// `None` when the prefix is too long for the family.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Cidr> {
        match addr {
            IpAddr::V4(a) if prefix <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                Some(Cidr::V4(u32::from(a) & mask, prefix))
            }
            IpAddr::V6(a) if prefix <= 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                Some(Cidr::V6(u128::from(a) & mask, prefix))
            }
            _ => None,
        }
    }

    /// Parses `addr/len` or a bare address (a host network). Host bits are cleared
    /// (`10.0.0.1/8` is `10.0.0.0/8`).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, Some(p.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let prefix = prefix.unwrap_or(match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        });
        Cidr::new(addr, prefix)
    }

    /// First and last IPv4 address, when this is an IPv4 network.
    pub fn v4_range(&self) -> Option<(u32, u32)> {
        match *self {
            Cidr::V4(a, p) => Some((a, a | u32::MAX.checked_shr(u32::from(p)).unwrap_or(0))),
            Cidr::V6(..) => None,
        }
    }

    /// First and last IPv6 address, when this is an IPv6 network.
    pub fn v6_range(&self) -> Option<(u128, u128)> {
        match *self {
            Cidr::V6(a, p) => Some((a, a | u128::MAX.checked_shr(u32::from(p)).unwrap_or(0))),
            Cidr::V4(..) => None,
        }
    }

    /// Whether `addr` lies in the network (an IPv4 address is never in an IPv6 network).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => self
                .v4_range()
                .is_some_and(|(lo, hi)| (lo..=hi).contains(&u32::from(a))),
            IpAddr::V6(a) => self
                .v6_range()
                .is_some_and(|(lo, hi)| (lo..=hi).contains(&u128::from(a))),
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cidr::V4(a, p) => write!(f, "{}/{p}", Ipv4Addr::from(a)),
            Cidr::V6(a, p) => write!(f, "{}/{p}", Ipv6Addr::from(a)),
        }
    }
}

/// Special-purpose IPv4 blocks (IANA IPv4 Special-Purpose Address Registry, RFC 6890
/// and successors) plus multicast and reserved space: addresses that are not
/// globally routable unicast. Used only to prefer a *public* witness address.
const V4_SPECIAL: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
];

/// Public IPv6 space used to prefer witnesses: global unicast `2000::/3` minus the
/// documentation (`2001:db8::/32`), ORCHID/benchmarking and 6to4 blocks.
const V6_SPECIAL: &[&str] = &["2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20"];

/// Globally routable IPv4 unicast space (complement of the special-purpose blocks).
pub fn public_v4() -> IntervalSet<u32> {
    IntervalSet::from_ranges(
        V4_SPECIAL
            .iter()
            .filter_map(|t| Cidr::parse(t).and_then(|c| c.v4_range())),
    )
    .complement()
}

/// Globally routable IPv6 unicast space (`2000::/3` minus special blocks).
pub fn public_v6() -> IntervalSet<u128> {
    let global = Cidr::parse("2000::/3")
        .and_then(|c| c.v6_range())
        .map(|(lo, hi)| IntervalSet::range(lo, hi))
        .unwrap_or_default();
    let special = IntervalSet::from_ranges(
        V6_SPECIAL
            .iter()
            .filter_map(|t| Cidr::parse(t).and_then(|c| c.v6_range())),
    );
    global.difference(&special)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_cidr(text: &str, expected: Option<(u32, u32)>) {
        assert_eq!(
            Cidr::parse(text).and_then(|c| c.v4_range()),
            expected,
            "{text}"
        );
    }

    #[test]
    fn cidr_table() {
        // CIDR notation per RFC 4632 §3.1; IAM accepts host bits set and masks them.
        check_cidr("10.0.0.0/8", Some((0x0a00_0000, 0x0aff_ffff)));
        check_cidr("10.1.2.3/8", Some((0x0a00_0000, 0x0aff_ffff)));
        check_cidr("0.0.0.0/0", Some((0, u32::MAX)));
        check_cidr("1.2.3.4", Some((0x0102_0304, 0x0102_0304)));
        check_cidr("1.2.3.4/32", Some((0x0102_0304, 0x0102_0304)));
        check_cidr("1.2.3.4/33", None);
        check_cidr("1.2.3.4/", None);
        check_cidr("1.2.3/24", None);
        check_cidr("::/0", None); // IPv6: no v4 range
        let v6 = Cidr::parse("2001:db8::1/32").unwrap();
        assert_eq!(v6.to_string(), "2001:db8::/32");
        assert_eq!(
            v6.v6_range().map(|r| r.1),
            Some(0x2001_0db8_ffff_ffff_ffff_ffff_ffff_ffff)
        );
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn public_space() {
        let p = public_v4();
        assert!(p.contains(u32::from(Ipv4Addr::new(8, 8, 8, 8))));
        assert!(!p.contains(u32::from(Ipv4Addr::new(10, 1, 1, 1))));
        assert!(!p.contains(u32::from(Ipv4Addr::new(192, 168, 0, 1))));
        assert!(public_v6().contains(u128::from("2600::1".parse::<Ipv6Addr>().unwrap())));
    }

    fn small_set() -> impl Strategy<Value = IntervalSet<u8>> {
        prop::collection::vec((any::<u8>(), any::<u8>()), 0..6).prop_map(IntervalSet::from_ranges)
    }

    /// The set as a 256-bit membership vector: the brute-force model.
    fn model(s: &IntervalSet<u8>) -> Vec<bool> {
        (0..=255u8).map(|x| s.contains(x)).collect()
    }

    proptest! {
        #[test]
        fn normal_form_and_membership(raw in prop::collection::vec((any::<u8>(), any::<u8>()), 0..6)) {
            let s = IntervalSet::from_ranges(raw.clone());
            for x in 0..=255u8 {
                let expected = raw.iter().any(|&(lo, hi)| lo <= x && x <= hi);
                prop_assert_eq!(s.contains(x), expected);
            }
            for w in s.ranges().windows(2) {
                prop_assert!(w[0].1 < w[1].0 && w[0].1 + 1 < w[1].0);
            }
            prop_assert_eq!(s.len().to_u128(), Some(model(&s).iter().filter(|b| **b).count() as u128));
        }

        #[test]
        fn set_laws(a in small_set(), b in small_set(), c in small_set()) {
            // commutativity
            prop_assert_eq!(a.union(&b), b.union(&a));
            prop_assert_eq!(a.intersection(&b), b.intersection(&a));
            // associativity
            prop_assert_eq!(a.union(&b).union(&c), a.union(&b.union(&c)));
            prop_assert_eq!(a.intersection(&b).intersection(&c), a.intersection(&b.intersection(&c)));
            // distributivity
            prop_assert_eq!(a.intersection(&b.union(&c)), a.intersection(&b).union(&a.intersection(&c)));
            prop_assert_eq!(a.union(&b.intersection(&c)), a.union(&b).intersection(&a.union(&c)));
            // De Morgan
            prop_assert_eq!(a.union(&b).complement(), a.complement().intersection(&b.complement()));
            prop_assert_eq!(a.intersection(&b).complement(), a.complement().union(&b.complement()));
            // double complement, identities
            prop_assert_eq!(a.complement().complement(), a.clone());
            prop_assert_eq!(a.union(&a.complement()), IntervalSet::full());
            prop_assert!(a.intersection(&a.complement()).is_empty());
            // difference against the membership model
            let (ma, mb) = (model(&a), model(&b));
            let md: Vec<bool> = ma.iter().zip(&mb).map(|(x, y)| *x && !*y).collect();
            prop_assert_eq!(model(&a.difference(&b)), md);
            prop_assert_eq!(a.is_subset(&b), ma.iter().zip(&mb).all(|(x, y)| !*x || *y));
        }
    }
}
