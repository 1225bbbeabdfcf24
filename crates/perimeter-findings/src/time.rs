//! Timestamps. The clock is always passed in: this crate never reads it.

use std::fmt;

/// Milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// `self + days`.
    pub fn plus_days(self, days: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(days.saturating_mul(86_400_000)))
    }

    fn parts(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let ms = self.0.rem_euclid(1000);
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let h = u32::try_from(sod / 3600).unwrap_or(0);
        let mi = u32::try_from((sod % 3600) / 60).unwrap_or(0);
        let s = u32::try_from(sod % 60).unwrap_or(0);
        (y, m, d, h, mi, s, u32::try_from(ms).unwrap_or(0))
    }

    /// The aws CLI's rendering of API timestamps: `2021-02-26T21:17:50.905000+00:00`.
    pub fn render_api(self) -> String {
        let (y, m, d, h, mi, s, ms) = self.parts();
        format!(
            "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}+00:00",
            ms * 1000
        )
    }

    /// EventBridge's rendering: `2019-11-21T01:22:22Z`.
    pub fn render_event(self) -> String {
        let (y, m, d, h, mi, s, _) = self.parts();
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|+00:00)`, the forms rendered above (UTC only).
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text
            .strip_suffix('Z')
            .or_else(|| text.strip_suffix("+00:00"))?;
        let (date, time) = text.split_once('T')?;
        let mut dp = date.split('-');
        let y: i64 = dp.next()?.parse().ok()?;
        let m: u32 = dp.next()?.parse().ok()?;
        let d: u32 = dp.next()?.parse().ok()?;
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut tp = hms.split(':');
        let h: i64 = tp.next()?.parse().ok()?;
        let mi: i64 = tp.next()?.parse().ok()?;
        let s: i64 = tp.next()?.parse().ok()?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let ms: i64 = if frac.is_empty() {
            0
        } else {
            let digits: String = frac.chars().chain("000".chars()).take(3).collect();
            digits.parse().ok()?
        };
        let days = days_from_civil(y, m, d);
        Some(Timestamp(
            ((days * 86_400 + h * 3600 + mi * 60 + s) * 1000) + ms,
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_api())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.render_api())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("bad timestamp `{text}`")))
    }
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ms: i64, api: &str, event: &str) {
        let t = Timestamp(ms);
        assert_eq!(t.render_api(), api);
        assert_eq!(t.render_event(), event);
        assert_eq!(Timestamp::parse(api), Some(t));
    }

    #[test]
    fn renderings() {
        // Reference values: `date -u -d @SECONDS` (GNU coreutils).
        check(
            0,
            "1970-01-01T00:00:00.000000+00:00",
            "1970-01-01T00:00:00Z",
        );
        // 1582751870.905 = 2020-02-26T21:17:50.905Z (a leap year, before 29 February).
        check(
            1_582_751_870_905,
            "2020-02-26T21:17:50.905000+00:00",
            "2020-02-26T21:17:50Z",
        );
        // 1574299342 = 2019-11-21T01:22:22Z, the EventBridge example's analyzedAt.
        check(
            1_574_299_342_000,
            "2019-11-21T01:22:22.000000+00:00",
            "2019-11-21T01:22:22Z",
        );
        // 951782400 = 2000-02-29T00:00:00Z.
        check(
            951_782_400_000,
            "2000-02-29T00:00:00.000000+00:00",
            "2000-02-29T00:00:00Z",
        );
        assert_eq!(
            Timestamp::parse("2019-11-21T01:22:22Z"),
            Some(Timestamp(1_574_299_342_000))
        );
        assert_eq!(Timestamp::parse("2019-13-21T01:22:22Z"), None);
        assert_eq!(Timestamp::parse("yesterday"), None);
    }
}
