//! Stand-ins for `oss_resumable_core::{sign, crc64}` with the core's promised signatures, used
//! only until the core's own modules are merged into `main`; then every `crate::compat::…` use
//! becomes `oss_resumable_core::…` and this file is deleted.

// The stand-in mirrors the core's whole promised API, not only what the server calls.
#![allow(dead_code)]

pub mod sign {
    //! OSS V1 (HMAC-SHA1) and V4 (OSS4-HMAC-SHA256) string-to-sign rules (oss-protocol.md §2–3).

    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    use sha2::{Digest, Sha256};

    pub type Query = [(String, Option<String>)];
    pub type Headers = [(String, String)];

    /// RFC 3986 unreserved characters stay literal; everything else is `%XX` (uppercase).
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

    /// Query parameters OSS signs in V1 (oss2 `_subresource_key_set`, go-v2 `requiredSignedParametersMap`).
    const V1_SUBRESOURCES: &[&str] = &[
        "acl",
        "append",
        "asyncFetch",
        "bucketInfo",
        "callback",
        "callback-var",
        "cname",
        "comp",
        "continuation-token",
        "cors",
        "delete",
        "encryption",
        "endTime",
        "group",
        "inventory",
        "inventoryId",
        "lifecycle",
        "link",
        "live",
        "location",
        "logging",
        "metaQuery",
        "objectInfo",
        "objectMeta",
        "partNumber",
        "policy",
        "position",
        "qos",
        "qosInfo",
        "referer",
        "replication",
        "replicationLocation",
        "replicationProgress",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "security-token",
        "sequential",
        "startTime",
        "stat",
        "status",
        "symlink",
        "tagging",
        "transferAcceleration",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "vod",
        "website",
        "worm",
        "wormExtend",
        "wormId",
    ];

    fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Lowercased, sorted `name:value` pairs of the `x-oss-*` headers (values trimmed).
    fn oss_headers(headers: &Headers) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
            .filter(|(n, _)| n.starts_with("x-oss-"))
            .collect();
        out.sort();
        out
    }

    pub fn v1_string_to_sign(
        method: &str,
        bucket: &str,
        key: &str,
        query: &Query,
        headers: &Headers,
    ) -> String {
        let mut s = String::new();
        s.push_str(method);
        s.push('\n');
        s.push_str(header(headers, "content-md5").unwrap_or(""));
        s.push('\n');
        s.push_str(header(headers, "content-type").unwrap_or(""));
        s.push('\n');
        // x-oss-date wins over Date on the DATE line (oss2, ali-oss, py-v2).
        let date = header(headers, "x-oss-date")
            .or_else(|| header(headers, "date"))
            .unwrap_or("");
        s.push_str(date);
        s.push('\n');
        for (n, v) in oss_headers(headers) {
            s.push_str(&n);
            s.push(':');
            s.push_str(&v);
            s.push('\n');
        }
        if bucket.is_empty() {
            s.push('/');
        } else {
            s.push('/');
            s.push_str(bucket);
            s.push('/');
            s.push_str(key);
        }
        let mut sub: Vec<&(String, Option<String>)> = query
            .iter()
            .filter(|(n, _)| V1_SUBRESOURCES.contains(&n.as_str()) || n.starts_with("x-oss-"))
            .collect();
        sub.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (n, v)) in sub.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(n);
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push('=');
                s.push_str(v);
            }
        }
        s
    }

    pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
            .expect("HMAC accepts any key length");
        mac.update(string_to_sign.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    pub fn v4_canonical_request(
        method: &str,
        bucket: &str,
        key: &str,
        query: &Query,
        headers: &Headers,
        additional_headers: &[String],
    ) -> String {
        let uri = if bucket.is_empty() {
            "/".to_string()
        } else {
            format!("/{bucket}/{key}")
        };
        let mut q: Vec<(String, Option<String>)> = query
            .iter()
            .map(|(n, v)| {
                (
                    utf8_percent_encode(n, UNRESERVED).to_string(),
                    v.as_deref()
                        .filter(|v| !v.is_empty())
                        .map(|v| utf8_percent_encode(v, UNRESERVED).to_string()),
                )
            })
            .collect();
        q.sort();
        let q: Vec<String> = q
            .into_iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n,
            })
            .collect();
        let additional: Vec<String> = additional_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let mut signed: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
            .filter(|(n, _)| {
                n.starts_with("x-oss-")
                    || n == "content-type"
                    || n == "content-md5"
                    || additional.contains(n)
            })
            .collect();
        signed.sort();
        let mut s = format!(
            "{method}\n{}\n{}\n",
            utf8_percent_encode(&uri, UNRESERVED_AND_SLASH),
            q.join("&")
        );
        for (n, v) in &signed {
            s.push_str(&format!("{n}:{v}\n"));
        }
        s.push('\n');
        let mut additional = additional;
        additional.sort();
        s.push_str(&additional.join(";"));
        s.push('\n');
        s.push_str(header(headers, "x-oss-content-sha256").unwrap_or("UNSIGNED-PAYLOAD"));
        s
    }

    pub fn v4_string_to_sign(
        x_oss_date: &str,
        region: &str,
        product: &str,
        canonical_request: &str,
    ) -> String {
        let day = x_oss_date.get(..8).unwrap_or("");
        format!(
            "OSS4-HMAC-SHA256\n{x_oss_date}\n{day}/{region}/{product}/aliyun_v4_request\n{}",
            hex(&Sha256::digest(canonical_request.as_bytes()))
        )
    }

    fn hmac256(key: &[u8], msg: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
        mac.update(msg);
        mac.finalize().into_bytes().into()
    }

    pub fn v4_signing_key(secret: &str, yyyymmdd: &str, region: &str, product: &str) -> [u8; 32] {
        let k = hmac256(format!("aliyun_v4{secret}").as_bytes(), yyyymmdd.as_bytes());
        let k = hmac256(&k, region.as_bytes());
        let k = hmac256(&k, product.as_bytes());
        hmac256(&k, b"aliyun_v4_request")
    }

    pub fn v4_signature(key: &[u8; 32], string_to_sign: &str) -> String {
        hex(&hmac256(key, string_to_sign.as_bytes()))
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];

    /// (year, month 1..=12, day) from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    fn civil_from_days(z: i64) -> (i64, u32, u32) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }

    fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    struct Civil {
        y: i64,
        mo: u32,
        d: u32,
        h: i64,
        mi: i64,
        s: i64,
        ms: i64,
        days: i64,
    }

    fn civil(ms: i64) -> Civil {
        let days = ms.div_euclid(86_400_000);
        let rem = ms.rem_euclid(86_400_000);
        let (y, mo, d) = civil_from_days(days);
        Civil {
            y,
            mo,
            d,
            h: rem / 3_600_000,
            mi: rem / 60_000 % 60,
            s: rem / 1000 % 60,
            ms: rem % 1000,
            days,
        }
    }

    pub fn format_x_oss_date_v4(ms: i64) -> String {
        let c = civil(ms);
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            c.y, c.mo, c.d, c.h, c.mi, c.s
        )
    }

    pub fn format_rfc1123(ms: i64) -> String {
        let c = civil(ms);
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[c.days.rem_euclid(7) as usize],
            c.d,
            MONTHS[(c.mo - 1) as usize],
            c.y,
            c.h,
            c.mi,
            c.s
        )
    }

    /// `2022-12-28T10:27:41.000Z`, the form OSS uses in XML bodies.
    pub fn format_iso8601_ms(ms: i64) -> String {
        let c = civil(ms);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            c.y, c.mo, c.d, c.h, c.mi, c.s, c.ms
        )
    }

    fn num(s: &str) -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }

    fn to_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> Option<i64> {
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        Some(
            days_from_civil(y, mo as u32, d as u32) * 86_400_000
                + h * 3_600_000
                + mi * 60_000
                + s * 1000
                + ms,
        )
    }

    /// `2022-12-28T10:27:41Z` or with fractional seconds.
    pub fn parse_iso8601_ms(s: &str) -> Option<i64> {
        let s = s.strip_suffix('Z')?;
        let (date, time) = s.split_once('T')?;
        let mut d = date.split('-');
        let (y, mo, da) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
        let (hms, frac) = match time.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (time, None),
        };
        let mut t = hms.split(':');
        let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
        let ms = match frac {
            Some(f) => num(&format!("{f:0<3}")[..3])?,
            None => 0,
        };
        to_ms(y, mo, da, h, mi, se, ms)
    }

    /// `Wed, 28 Dec 2022 10:27:41 GMT`.
    pub fn parse_rfc1123_ms(s: &str) -> Option<i64> {
        let mut it = s.split(' ');
        let _weekday = it.next()?;
        let d = num(it.next()?)?;
        let mon = it.next()?;
        let mo = MONTHS.iter().position(|m| *m == mon)? as i64 + 1;
        let y = num(it.next()?)?;
        let mut t = it.next()?.split(':');
        let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
        if it.next()? != "GMT" {
            return None;
        }
        to_ms(y, mo, d, h, mi, se, 0)
    }

    /// `20221228T102741Z`.
    pub fn parse_x_oss_date_v4_ms(s: &str) -> Option<i64> {
        if s.len() != 16 || s.as_bytes()[8] != b'T' || !s.ends_with('Z') {
            return None;
        }
        let n = |r: std::ops::Range<usize>| s.get(r).and_then(num);
        to_ms(
            n(0..4)?,
            n(4..6)?,
            n(6..8)?,
            n(9..11)?,
            n(11..13)?,
            n(13..15)?,
            0,
        )
    }
}

pub mod crc64 {
    //! CRC-64/XZ ("crc64ecma" in OSS), slicing-by-8, with zlib-style combine (oss-protocol.md §6).

    const POLY: u64 = 0xC96C_5795_D787_0F42;

    const fn tables() -> [[u64; 256]; 8] {
        let mut t = [[0u64; 256]; 8];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u64;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
                k += 1;
            }
            t[0][i] = c;
            i += 1;
        }
        let mut i = 0;
        while i < 256 {
            let mut j = 1;
            while j < 8 {
                t[j][i] = (t[j - 1][i] >> 8) ^ t[0][(t[j - 1][i] & 0xFF) as usize];
                j += 1;
            }
            i += 1;
        }
        t
    }
    static TABLES: [[u64; 256]; 8] = tables();

    #[derive(Clone, Debug)]
    pub struct Crc64 {
        state: u64,
    }

    impl Default for Crc64 {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Crc64 {
        pub fn new() -> Self {
            Crc64 { state: !0 }
        }

        pub fn update(&mut self, data: &[u8]) {
            let t = &TABLES;
            let mut c = self.state;
            let mut chunks = data.chunks_exact(8);
            for b in &mut chunks {
                let v = c ^ u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                c = t[7][(v & 0xFF) as usize]
                    ^ t[6][((v >> 8) & 0xFF) as usize]
                    ^ t[5][((v >> 16) & 0xFF) as usize]
                    ^ t[4][((v >> 24) & 0xFF) as usize]
                    ^ t[3][((v >> 32) & 0xFF) as usize]
                    ^ t[2][((v >> 40) & 0xFF) as usize]
                    ^ t[1][((v >> 48) & 0xFF) as usize]
                    ^ t[0][(v >> 56) as usize];
            }
            for &b in chunks.remainder() {
                c = t[0][((c ^ u64::from(b)) & 0xFF) as usize] ^ (c >> 8);
            }
            self.state = c;
        }

        pub fn finish(&self) -> u64 {
            !self.state
        }
    }

    pub fn crc64(data: &[u8]) -> u64 {
        let mut c = Crc64::new();
        c.update(data);
        c.finish()
    }

    fn multmodp(a: u64, mut b: u64) -> u64 {
        let mut m = 1u64 << 63;
        let mut p = 0;
        loop {
            if a & m != 0 {
                p ^= b;
                if a & (m - 1) == 0 {
                    break;
                }
            }
            m >>= 1;
            b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        }
        p
    }

    fn x2nmodp(mut n: u64, mut k: u32) -> u64 {
        let mut x2n = [0u64; 64];
        x2n[0] = 1 << 62;
        for i in 1..64 {
            x2n[i] = multmodp(x2n[i - 1], x2n[i - 1]);
        }
        let mut p = 1u64 << 63;
        while n != 0 {
            if n & 1 != 0 {
                p = multmodp(x2n[(k & 63) as usize], p);
            }
            n >>= 1;
            k += 1;
        }
        p
    }

    /// `crc(A‖B)` from `crc(A)`, `crc(B)` and `len(B)`.
    pub fn combine(crc1: u64, crc2: u64, len2: u64) -> u64 {
        multmodp(x2nmodp(len2, 3), crc1) ^ crc2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_values() {
        assert_eq!(crc64::crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64::crc64(b""), 0);
        let a = b"123456789";
        let b = b"This is a test of the emergency broadcast system.";
        let whole = [&a[..], &b[..]].concat();
        assert_eq!(
            crc64::combine(crc64::crc64(a), crc64::crc64(b), b.len() as u64),
            crc64::crc64(&whole)
        );
    }

    #[test]
    fn dates_round_trip() {
        let ms = sign::parse_rfc1123_ms("Wed, 28 Dec 2022 10:27:41 GMT").unwrap();
        assert_eq!(sign::format_rfc1123(ms), "Wed, 28 Dec 2022 10:27:41 GMT");
        assert_eq!(sign::format_x_oss_date_v4(ms), "20221228T102741Z");
        assert_eq!(sign::parse_x_oss_date_v4_ms("20221228T102741Z"), Some(ms));
        assert_eq!(sign::parse_iso8601_ms("2022-12-28T10:27:41.000Z"), Some(ms));
        assert_eq!(sign::format_iso8601_ms(ms + 5), "2022-12-28T10:27:41.005Z");
    }
}
