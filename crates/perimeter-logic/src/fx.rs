//! A fast non-cryptographic hasher for the crate's internal tables (BDD unique table and
//! operation caches, automaton states): the multiply-rotate scheme of `rustc-hash` 2.
//!
//! The keys hashed with it are the crate's own indexes (node ids, bit vectors of NFA positions),
//! never attacker-chosen strings; HashDoS resistance buys nothing here, and SipHash was the largest
//! single cost of BDD operations.

use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0xf135_7aea_2e62_a9c5;

/// The hasher state.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, i: u64) {
        self.0 = self.0.wrapping_add(i).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak; hashbrown takes the bucket from the low bits.
        self.0.rotate_left(26)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(c);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            for (b, c) in buf.iter_mut().zip(rest) {
                *b = *c;
            }
            self.add(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.add(i as u64);
    }
}

/// `BuildHasher` for [`FxHasher`].
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// A `HashMap` keyed through [`FxHasher`].
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn distinct_small_keys_spread_over_low_bits() {
        // hashbrown picks buckets from the low bits: consecutive node triples must not collide
        // there (a bad finish would put them all in one bucket).
        let b = FxBuild::default();
        let mut low: Vec<u64> = (0u32..256)
            .map(|i| b.hash_one((3u32, i, i + 1)) & 0xff)
            .collect();
        low.sort_unstable();
        low.dedup();
        assert!(low.len() > 128, "only {} distinct low bytes", low.len());
    }
}
