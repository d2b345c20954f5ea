//! Dates as OSS and STS write them, in UTC on the proleptic Gregorian calendar: the V4
//! `x-oss-date` (§3.1), the RFC 1123 date of V1 (§2.4), ISO 8601 as in STS `Expiration` and OSS's
//! `<ServerTime>` (§5.3, §8). By hand (Howard Hinnant's day-count algorithms) rather than chrono,
//! whose time-zone and locale machinery the core does not need; nothing here reads a clock. The
//! public functions are re-exported by `sign`, whose headers they write.

const MS_PER_DAY: i64 = 86_400_000;
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
    weekday: usize,
}

fn civil(unix_ms: i64) -> Civil {
    let days = unix_ms.div_euclid(MS_PER_DAY);
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        millis: (ms_of_day % 1000) as u32,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

fn to_unix_ms(c: &Civil) -> Option<i64> {
    if !(1..=12).contains(&c.month)
        || c.day == 0
        || c.day > days_in_month(c.year, c.month)
        || c.hour > 23
        || c.minute > 59
        || c.second > 59
    {
        return None;
    }
    let secs = i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second);
    days_from_civil(c.year, c.month, c.day)
        .checked_mul(MS_PER_DAY)?
        .checked_add(secs * 1000 + i64::from(c.millis))
}

/// `x-oss-date` for V4: ISO 8601 basic, UTC, e.g. `20221228T102741Z` (§3.1).
pub fn format_x_oss_date_v4(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// RFC 1123 GMT date, e.g. `Wed, 28 Dec 2022 10:27:41 GMT` (day always 2 digits, §2.4).
pub fn format_rfc1123(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[c.weekday],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// ISO 8601 extended UTC with milliseconds, e.g. `2022-09-04T08:11:37.000Z` (OSS's own form).
pub fn format_iso8601(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

/// Parses a fixed-width run of ASCII digits.
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses ISO 8601 date-times as STS (`Expiration`: `2015-04-09T11:52:19Z`) and OSS
/// (`<ServerTime>`: `2022-09-04T08:11:37.000Z`) write them: `YYYY-MM-DDTHH:MM:SS[.fff…]` followed
/// by `Z` or `±HH:MM`. Fractions beyond milliseconds are truncated.
pub fn parse_iso8601_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_ascii() || s.len() < 20 {
        return None;
    }
    let b = s.as_bytes();
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let mut c = Civil {
        year: i64::from(digits(&s[0..4])?),
        month: digits(&s[5..7])?,
        day: digits(&s[8..10])?,
        hour: digits(&s[11..13])?,
        minute: digits(&s[14..16])?,
        second: digits(&s[17..19])?,
        millis: 0,
        weekday: 0,
    };
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let ms: String = frac[..n].chars().chain("00".chars()).take(3).collect();
        c.millis = digits(&ms)?;
        rest = &frac[n..];
    }
    let offset_ms: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let h = digits(&rest[1..3])?;
            let m = digits(&rest[4..6])?;
            if h > 23 || m > 59 {
                return None;
            }
            sign * (i64::from(h) * 3600 + i64::from(m) * 60) * 1000
        }
        _ => return None,
    };
    to_unix_ms(&c)?.checked_sub(offset_ms)
}

/// Parses an RFC 1123 GMT date (`Wed, 28 Dec 2022 10:27:41 GMT`). The weekday must be right.
pub fn parse_rfc1123_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (weekday, rest) = s.split_once(", ")?;
    let mut fields = rest.split(' ');
    let day = fields.next()?;
    let month = fields.next()?;
    let year = fields.next()?;
    let time = fields.next()?;
    if fields.next()? != "GMT" || fields.next().is_some() || day.len() != 2 || year.len() != 4 {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let mut t = time.split(':');
    let (hh, mm, ss) = (t.next()?, t.next()?, t.next()?);
    if t.next().is_some() || hh.len() != 2 || mm.len() != 2 || ss.len() != 2 {
        return None;
    }
    let c = Civil {
        year: i64::from(digits(year)?),
        month,
        day: digits(day)?,
        hour: digits(hh)?,
        minute: digits(mm)?,
        second: digits(ss)?,
        millis: 0,
        weekday: 0,
    };
    let ms = to_unix_ms(&c)?;
    (WEEKDAYS[civil(ms).weekday] == weekday).then_some(ms)
}

/// Parses a V4 `x-oss-date` (`20221228T102741Z`).
pub fn parse_x_oss_date_v4_ms(s: &str) -> Option<i64> {
    if s.len() != 16 || !s.is_ascii() || &s[8..9] != "T" || &s[15..] != "Z" {
        return None;
    }
    let c = Civil {
        year: i64::from(digits(&s[0..4])?),
        month: digits(&s[4..6])?,
        day: digits(&s[6..8])?,
        hour: digits(&s[9..11])?,
        minute: digits(&s[11..13])?,
        second: digits(&s[13..15])?,
        millis: 0,
        weekday: 0,
    };
    to_unix_ms(&c)
}
