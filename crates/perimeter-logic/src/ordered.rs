//! Numbers and dates, and the partition of a totally ordered domain by comparison
//! literals.
//!
//! # Representation (exact, no floating point)
//!
//! * [`Decimal`]: a fixed-point number with 18 fractional digits stored in an `i128`
//!   (`value = raw / 10^18`), so integers up to about ±1.7 × 10^20 and decimals like
//!   `0.5` or `3.14159` are represented and compared **exactly** (a binary `f64` cannot
//!   hold `0.1`). A literal with more than 18 fractional digits (after trailing zeros
//!   are dropped), or out of range, is rejected by [`Decimal::parse`] instead of being
//!   rounded. The number domain of a key is this finite set of decimals.
//! * [`Date`]: milliseconds since the Unix epoch (UTC) in an `i64`. [`Date::parse`]
//!   reads ISO 8601 (`2024-01-31`, `2024-01-31T12:00:00Z`, `…T12:00:00.250+02:00`) and
//!   epoch seconds (`1700000000`); [`Date`]'s `Display` renders ISO 8601 in UTC.
//!
//! # Partition
//!
//! Given the literals `v1 < … < vn` that a key is compared with, every comparison
//! `x op vi` (`=, ≠, <, ≤, >, ≥`) is constant on each of the cells
//! `(-∞, v1), {v1}, (v1, v2), …, {vn}, (vn, +∞)`. [`OrdPartition`] keeps the non-empty
//! cells (a gap between two adjacent integers is empty) with a witness each, chosen
//! as "round" as possible (an integer before a decimal, a whole day before a second).

use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `≠`
    Ne,
    /// `<`
    Lt,
    /// `≤`
    Le,
    /// `>`
    Gt,
    /// `≥`
    Ge,
}

impl CmpOp {
    /// `lhs op rhs`.
    pub fn eval<T: Ord>(self, lhs: &T, rhs: &T) -> bool {
        match self {
            CmpOp::Eq => lhs == rhs,
            CmpOp::Ne => lhs != rhs,
            CmpOp::Lt => lhs < rhs,
            CmpOp::Le => lhs <= rhs,
            CmpOp::Gt => lhs > rhs,
            CmpOp::Ge => lhs >= rhs,
        }
    }
}

/// A discrete, bounded total order with a notion of "round" values for witnesses.
pub trait Ordinal: Copy + Ord + fmt::Debug {
    /// Step sizes from roundest to finest; the last is 1.
    const GRAINS: &'static [i128];
    /// The raw integer value.
    fn raw(self) -> i128;
    /// From a raw integer, `None` when out of range.
    fn from_raw(raw: i128) -> Option<Self>;
    /// A value to use when no literal constrains the key.
    fn origin() -> Self;
}

/// An exact decimal number: `raw / 10^18`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Decimal(i128);

/// `10^18`, the scale of [`Decimal`].
pub const DECIMAL_SCALE: i128 = 1_000_000_000_000_000_000;

impl Decimal {
    /// An integer value (always representable).
    pub fn from_int(v: i64) -> Decimal {
        Decimal(i128::from(v) * DECIMAL_SCALE)
    }

    /// The raw scaled value.
    pub fn raw(self) -> i128 {
        self.0
    }

    /// Parses `[+-]digits[.digits][e[+-]digits]`. `None` when malformed, when the
    /// value needs more than 18 fractional digits, or when it is out of range.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => {
                let (m, e) = body.split_at(i);
                let e = e.get(1..)?;
                (m, e.parse::<i32>().ok()?)
            }
            None => (body, 0),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        // digits = int ++ frac, value = digits * 10^(exp - |frac|)
        let digits: String = int.chars().chain(frac.chars()).collect();
        let digits = digits.trim_start_matches('0');
        let trimmed = digits.trim_end_matches('0');
        let dropped = i64::try_from(digits.len() - trimmed.len()).ok()?;
        let frac_len = i64::try_from(frac.len()).ok()?;
        // value = trimmed * 10^(power)
        let power = i64::from(exp) - frac_len + dropped + 18;
        if trimmed.is_empty() {
            return Some(Decimal(0));
        }
        if power < 0 || trimmed.len() > 39 {
            return None;
        }
        let mut raw: i128 = trimmed.parse::<i128>().ok()?;
        for _ in 0..power {
            raw = raw.checked_mul(10)?;
        }
        Some(Decimal(if neg { -raw } else { raw }))
    }
}

impl Ordinal for Decimal {
    const GRAINS: &'static [i128] = &[
        DECIMAL_SCALE,
        DECIMAL_SCALE / 10,
        DECIMAL_SCALE / 100,
        DECIMAL_SCALE / 1_000,
        DECIMAL_SCALE / 1_000_000,
        DECIMAL_SCALE / 1_000_000_000,
        1_000_000,
        1_000,
        1,
    ];
    fn raw(self) -> i128 {
        self.0
    }
    fn from_raw(raw: i128) -> Option<Self> {
        Some(Decimal(raw))
    }
    fn origin() -> Self {
        Decimal(0)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = DECIMAL_SCALE.unsigned_abs();
        let (int, frac) = (abs / scale, abs % scale);
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            let s = format!("{frac:018}");
            write!(f, "{sign}{int}.{}", s.trim_end_matches('0'))
        }
    }
}

/// An instant: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub i64);

const MS_PER_DAY: i64 = 86_400_000;

impl Ordinal for Date {
    const GRAINS: &'static [i128] = &[86_400_000, 3_600_000, 60_000, 1_000, 1];
    fn raw(self) -> i128 {
        i128::from(self.0)
    }
    fn from_raw(raw: i128) -> Option<Self> {
        i64::try_from(raw).ok().map(Date)
    }
    fn origin() -> Self {
        // 2024-01-01T00:00:00Z: a readable default witness.
        Date(1_704_067_200_000)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &str, n: usize) -> Option<i64> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Date {
    /// Parses ISO 8601 (`YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` and `Z` or
    /// `±HH:MM`; no zone means UTC) or an integer number of epoch seconds.
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse::<i64>().ok()?.checked_mul(1000).map(Date);
        }
        let (date, rest) = match t.split_once(['T', 't']) {
            Some((d, r)) => (d, Some(r)),
            None => (t, None),
        };
        let mut parts = date.split('-');
        let y = digits(parts.next()?, 4)?;
        let m = digits(parts.next()?, 2)?;
        let d = digits(parts.next()?, 2)?;
        if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        let mut ms = days_from_civil(y, m, d) * MS_PER_DAY;
        if let Some(rest) = rest {
            let (time, offset_ms) = if let Some(tm) = rest.strip_suffix(['Z', 'z']) {
                (tm, 0)
            } else if let Some(i) = rest.rfind(['+', '-']) {
                let (tm, off) = rest.split_at(i);
                let sign = if off.starts_with('-') { -1 } else { 1 };
                let (oh, om) = off.get(1..)?.split_once(':')?;
                let (oh, om) = (digits(oh, 2)?, digits(om, 2)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                (tm, sign * (oh * 3_600_000 + om * 60_000))
            } else {
                (rest, 0)
            };
            let mut hms = time.split(':');
            let h = digits(hms.next()?, 2)?;
            let mi = digits(hms.next()?, 2)?;
            let (s, frac_ms) = match hms.next() {
                None => (0, 0),
                Some(sec) => {
                    let (s, frac) = sec.split_once('.').unwrap_or((sec, ""));
                    let s = digits(s, 2)?;
                    if !frac.bytes().all(|b| b.is_ascii_digit())
                        || (sec.contains('.') && frac.is_empty())
                    {
                        return None;
                    }
                    let mut f3: String = frac.chars().take(3).collect();
                    while f3.len() < 3 {
                        f3.push('0');
                    }
                    (s, f3.parse::<i64>().ok()?)
                }
            };
            if hms.next().is_some() || h > 23 || mi > 59 || s > 59 {
                return None;
            }
            ms += h * 3_600_000 + mi * 60_000 + s * 1000 + frac_ms - offset_ms;
        }
        Some(Date(ms))
    }
}

impl fmt::Display for Date {
    /// ISO 8601 in UTC, with milliseconds only when non-zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms = self.0.rem_euclid(MS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let (h, mi, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        write!(f, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if milli != 0 {
            write!(f, ".{milli:03}")?;
        }
        f.write_str("Z")
    }
}

/// A cell of an [`OrdPartition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrdCell<T> {
    /// Exactly one literal value.
    Point(T),
    /// The values strictly between two bounds (`None` = unbounded).
    Gap(Option<T>, Option<T>),
}

/// The cells induced on an ordered domain by a set of literals, each with a witness.
#[derive(Clone, Debug)]
pub struct OrdPartition<T: Ordinal> {
    cells: Vec<(OrdCell<T>, T)>,
}

/// The roundest value in the open interval `(lo, hi)` (raw values, `None` = unbounded).
fn roundest<T: Ordinal>(lo: Option<i128>, hi: Option<i128>) -> Option<T> {
    let (lo_raw, hi_raw) = (lo, hi);
    if let (Some(l), Some(h)) = (lo_raw, hi_raw)
        && h.checked_sub(l).is_none_or(|d| d < 2)
    {
        return None;
    }
    // Unbounded on both sides: the origin.
    if lo_raw.is_none() && hi_raw.is_none() {
        return Some(T::origin());
    }
    for &g in T::GRAINS {
        // Smallest multiple of g strictly above lo (or the largest below hi).
        let cand = match (lo_raw, hi_raw) {
            (Some(l), _) => l
                .div_euclid(g)
                .checked_add(1)
                .and_then(|q| q.checked_mul(g)),
            (None, Some(h)) => h
                .checked_sub(1)
                .map(|x| x.div_euclid(g))
                .and_then(|q| q.checked_mul(g)),
            (None, None) => None,
        };
        if let Some(c) = cand
            && lo_raw.is_none_or(|l| c > l)
            && hi_raw.is_none_or(|h| c < h)
            && let Some(v) = T::from_raw(c)
        {
            return Some(v);
        }
    }
    None
}

impl<T: Ordinal> OrdPartition<T> {
    /// The partition induced by `literals` (any order, duplicates allowed).
    pub fn new(literals: &[T]) -> OrdPartition<T> {
        let mut vals: Vec<T> = literals.to_vec();
        vals.sort_unstable();
        vals.dedup();
        let mut cells = Vec::with_capacity(vals.len() * 2 + 1);
        let mut prev: Option<T> = None;
        for &v in &vals {
            if let Some(w) = roundest::<T>(prev.map(Ordinal::raw), Some(v.raw())) {
                cells.push((OrdCell::Gap(prev, Some(v)), w));
            }
            cells.push((OrdCell::Point(v), v));
            prev = Some(v);
        }
        if let Some(w) = roundest::<T>(prev.map(Ordinal::raw), None) {
            cells.push((OrdCell::Gap(prev, None), w));
        }
        OrdPartition { cells }
    }

    /// The cells with their witnesses, in increasing order.
    pub fn cells(&self) -> &[(OrdCell<T>, T)] {
        &self.cells
    }

    /// Indices of the cells whose values satisfy `x op v` (exact when `v` is one of the
    /// literals the partition was built from: every cell then lies entirely inside or
    /// outside the comparison, so testing its witness decides the whole cell).
    pub fn select(&self, op: CmpOp, v: &T) -> Vec<usize> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, (_, w))| op.eval(w, v))
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_decimal(text: &str, expected: Option<&str>) {
        assert_eq!(
            Decimal::parse(text).map(|d| d.to_string()).as_deref(),
            expected,
            "{text}"
        );
    }

    #[test]
    fn decimal_table() {
        check_decimal("10", Some("10"));
        check_decimal("-0.50", Some("-0.5"));
        check_decimal("+3.14159", Some("3.14159"));
        check_decimal("1e3", Some("1000"));
        check_decimal("1.5E-2", Some("0.015"));
        check_decimal(".5", Some("0.5"));
        check_decimal("5.", Some("5"));
        check_decimal("0.000000000000000001", Some("0.000000000000000001"));
        check_decimal("0.0000000000000000001", None); // 19 fractional digits: not exact
        check_decimal("1e30", None); // out of range
        check_decimal("abc", None);
        check_decimal("", None);
        check_decimal(".", None);
        check_decimal("1.2.3", None);
        assert!(Decimal::parse("0.1").unwrap() < Decimal::parse("0.10000000001").unwrap());
        assert_eq!(Decimal::parse("2.50"), Decimal::parse("2.5"));
    }

    fn check_date(text: &str, expected: Option<&str>) {
        assert_eq!(
            Date::parse(text).map(|d| d.to_string()).as_deref(),
            expected,
            "{text}"
        );
    }

    #[test]
    fn date_table() {
        // ISO 8601 / RFC 3339 forms accepted by IAM date conditions (IAM user guide,
        // "Date condition operators"), plus epoch seconds.
        check_date("2019-07-16", Some("2019-07-16T00:00:00Z"));
        check_date("2019-07-16T12:00:00Z", Some("2019-07-16T12:00:00Z"));
        check_date("2019-07-16T12:00:00.250Z", Some("2019-07-16T12:00:00.250Z"));
        check_date("2019-07-16T12:00:00+02:00", Some("2019-07-16T10:00:00Z"));
        check_date("2019-07-16T12:00Z", Some("2019-07-16T12:00:00Z"));
        check_date("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00Z"));
        check_date("1563278400", Some("2019-07-16T12:00:00Z")); // `date -d @1563278400 -u`
        check_date("2024-02-29", Some("2024-02-29T00:00:00Z"));
        check_date("2023-02-29", None);
        check_date("2019-13-01", None);
        check_date("2019-07-16T24:00:00Z", None);
        check_date("yesterday", None);
        assert_eq!(Date::parse("1970-01-02").unwrap().0, 86_400_000);
    }

    #[test]
    fn partition_cells() {
        let d = |s: &str| Decimal::parse(s).unwrap();
        let p = OrdPartition::new(&[d("1"), d("1.5"), d("3")]);
        let shown: Vec<String> = p.cells().iter().map(|(_, w)| w.to_string()).collect();
        // (-inf,1) {1} (1,1.5) {1.5} (1.5,3) {3} (3,inf), with round witnesses.
        assert_eq!(shown, ["0", "1", "1.1", "1.5", "2", "3", "4"]);
        // Discrete dates: no gap between adjacent milliseconds.
        let q = OrdPartition::new(&[Date(10), Date(11)]);
        assert_eq!(q.cells().len(), 4);
        assert_eq!(OrdPartition::<Decimal>::new(&[]).cells().len(), 1);
    }

    proptest! {
        #[test]
        fn cells_partition_the_line(lits in prop::collection::vec(-50i64..50, 0..6), x in -60i64..60) {
            let lits: Vec<Decimal> = lits.into_iter().map(|v| Decimal(i128::from(v))).collect();
            let p = OrdPartition::new(&lits);
            let x = Decimal(i128::from(x));
            let inside = |cell: &OrdCell<Decimal>| match cell {
                OrdCell::Point(v) => x == *v,
                OrdCell::Gap(lo, hi) => lo.is_none_or(|l| x > l) && hi.is_none_or(|h| x < h),
            };
            // x lies in exactly one cell, and agrees with its witness on every comparison.
            let hits: Vec<_> = p.cells().iter().filter(|(c, _)| inside(c)).collect();
            prop_assert_eq!(hits.len(), 1);
            let (cell, w) = hits[0];
            let witness_inside = match cell {
                OrdCell::Point(v) => w == v,
                OrdCell::Gap(lo, hi) => lo.is_none_or(|l| *w > l) && hi.is_none_or(|h| *w < h),
            };
            prop_assert!(witness_inside);
            for v in &lits {
                for op in [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge] {
                    prop_assert_eq!(op.eval(&x, v), op.eval(w, v));
                }
            }
        }

        #[test]
        fn date_roundtrip(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            let d = Date(ms);
            prop_assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
    }
}
