//! Arbitrary-precision natural numbers for exact model counting.
//!
//! Counts of requests overflow any machine integer quickly (the IPv6 space alone has
//! 2^128 addresses, one more than `u128::MAX`), so counts are [`Natural`]s. Only what
//! counting needs is provided: addition, multiplication, comparison and decimal
//! rendering.

use std::cmp::Ordering;
use std::fmt;

/// A natural number of unbounded size (little-endian base 2^32 limbs, no trailing zero limb).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Natural {
    limbs: Vec<u32>,
}

impl Natural {
    /// Zero.
    pub fn zero() -> Natural {
        Natural { limbs: Vec::new() }
    }

    /// One.
    pub fn one() -> Natural {
        Natural::from(1u32)
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// `2^exp`.
    pub fn pow2(exp: u32) -> Natural {
        let mut limbs = vec![0u32; (exp / 32) as usize];
        limbs.push(1u32 << (exp % 32));
        Natural { limbs }
    }

    /// The value as `u128` when it fits.
    pub fn to_u128(&self) -> Option<u128> {
        if self.limbs.len() > 4 {
            return None;
        }
        Some(
            self.limbs
                .iter()
                .rev()
                .fold(0u128, |acc, &l| (acc << 32) | u128::from(l)),
        )
    }

    fn trim(mut self) -> Natural {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
        self
    }

    /// `self + other`.
    pub fn add(&self, other: &Natural) -> Natural {
        let n = self.limbs.len().max(other.limbs.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let a = u64::from(self.limbs.get(i).copied().unwrap_or(0));
            let b = u64::from(other.limbs.get(i).copied().unwrap_or(0));
            let s = a + b + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        out.push(carry as u32);
        Natural { limbs: out }.trim()
    }

    /// `self * other`.
    pub fn mul(&self, other: &Natural) -> Natural {
        if self.is_zero() || other.is_zero() {
            return Natural::zero();
        }
        let mut out = vec![0u32; self.limbs.len() + other.limbs.len()];
        for (i, &a) in self.limbs.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.limbs.iter().enumerate() {
                if let Some(slot) = out.get_mut(i + j) {
                    let t = u64::from(*slot) + u64::from(a) * u64::from(b) + carry;
                    *slot = t as u32;
                    carry = t >> 32;
                }
            }
            let mut k = i + other.limbs.len();
            while carry > 0 {
                if let Some(slot) = out.get_mut(k) {
                    let t = u64::from(*slot) + carry;
                    *slot = t as u32;
                    carry = t >> 32;
                    k += 1;
                } else {
                    break;
                }
            }
        }
        Natural { limbs: out }.trim()
    }

    /// Divides in place by a small divisor, returning the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / u64::from(d)) as u32;
            rem = cur % u64::from(d);
        }
        let trimmed = std::mem::take(self).trim();
        *self = trimmed;
        rem as u32
    }
}

impl From<u32> for Natural {
    fn from(v: u32) -> Natural {
        Natural { limbs: vec![v] }.trim()
    }
}

impl From<u64> for Natural {
    fn from(v: u64) -> Natural {
        Natural::from(u128::from(v))
    }
}

impl From<u128> for Natural {
    fn from(mut v: u128) -> Natural {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Natural { limbs }
    }
}

impl PartialOrd for Natural {
    fn partial_cmp(&self, other: &Natural) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Natural {
    fn cmp(&self, other: &Natural) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

impl fmt::Display for Natural {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        let mut iter = chunks.iter().rev();
        if let Some(first) = iter.next() {
            write!(f, "{first}")?;
        }
        for c in iter {
            write!(f, "{c:09}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn render_table() {
        let check = |n: Natural, expected: &str| assert_eq!(n.to_string(), expected);
        check(Natural::zero(), "0");
        check(Natural::from(1_000_000_000u32), "1000000000");
        // 2^128 = 340282366920938463463374607431768211456 (OEIS A000079).
        check(
            Natural::pow2(128),
            "340282366920938463463374607431768211456",
        );
        check(
            Natural::from(u128::MAX).add(&Natural::one()),
            "340282366920938463463374607431768211456",
        );
    }

    proptest! {
        #[test]
        fn arithmetic_matches_u128(a in any::<u64>(), b in any::<u64>()) {
            let (na, nb) = (Natural::from(a), Natural::from(b));
            prop_assert_eq!(na.add(&nb).to_u128(), Some(u128::from(a) + u128::from(b)));
            prop_assert_eq!(na.mul(&nb).to_u128(), Some(u128::from(a) * u128::from(b)));
            prop_assert_eq!(na.cmp(&nb), a.cmp(&b));
            prop_assert_eq!(na.mul(&nb).to_string(), (u128::from(a) * u128::from(b)).to_string());
        }
    }
}
