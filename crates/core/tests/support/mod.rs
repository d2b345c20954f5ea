//! Test support for the upload machine: a scripted model of OSS (`FakeOss`) that holds uploads,
//! parts (MD5 ETags, real CRC-64s) and objects, answers the machine's signed requests by method
//! and query, and injects faults; and a driver (`Harness`) that runs the machine on a virtual
//! clock, performing its actions against the model the way the browser driver would.
// Each test binary uses a part of it; `pub` items are its interface to the tests, not an API.
#![allow(dead_code, unreachable_pub)]

pub mod link;

use std::collections::{BTreeMap, HashMap, HashSet};

use base64::Engine as _;
use md5::{Digest, Md5};
use oss_resumable_core::checkpoint::{Checkpoint, FileIdentity};
use oss_resumable_core::crc64::crc64;
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::operation::{classify, Classified, Operation};
use oss_resumable_core::request::{Body, Endpoint, ObjectOptions, Request};
use oss_resumable_core::retry::RetryPolicy;
use oss_resumable_core::sign::{Credentials, SignatureVersion};
use oss_resumable_core::upload::{
    Abort, AbortConfig, Action, Event, Phase, Response, TransportError, Upload, UploadConfig,
    UploadResult,
};

pub const KIB: u64 = 1024;
pub const PART: u64 = 100 * KIB;
pub const BUCKET: &str = "examplebucket";
pub const KEY: &str = "dir/video 1.bin";
pub const SECRET: &str = "sEcReT-AccessKeySecret-9f8e7d";
pub const START_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub fn token(n: u32) -> String {
    format!("CAIS-token-{n}+sEcReT/security==")
}

/// Deterministic file content (xorshift), different for each `seed`.
pub fn file_bytes(size: u64, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn identity(data: &[u8]) -> FileIdentity {
    FileIdentity {
        name: "video 1.bin".to_owned(),
        size: data.len() as u64,
        last_modified_ms: 1_700_000_000_000,
        mime_type: "application/octet-stream".to_owned(),
        sample_crc64: crc64(&data[..data.len().min(4096)]),
    }
}

/// The identity of a file of `size` bytes whose bytes nobody reads (the link model's files).
pub fn identity_of_size(size: u64) -> FileIdentity {
    FileIdentity {
        name: "big.bin".to_owned(),
        size,
        last_modified_ms: 1_700_000_000_000,
        mime_type: "application/octet-stream".to_owned(),
        sample_crc64: size,
    }
}

pub fn config(part_size: Option<u64>, parallel: usize) -> UploadConfig {
    UploadConfig {
        endpoint: Endpoint::parse("http://127.0.0.1:9000", true).expect("endpoint"),
        bucket: BUCKET.to_owned(),
        key: KEY.to_owned(),
        region: "cn-hangzhou".to_owned(),
        signature_version: SignatureVersion::V4,
        part_size,
        parallel,
        adaptive: false,
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 200,
            max_delay_ms: 5_000,
            ..RetryPolicy::default()
        },
        should_retry: None,
        object: ObjectOptions::default(),
        jitter_seed: 7,
    }
}

/// How the abort machine signs and retries: as [`config`] does.
pub fn abort_config() -> AbortConfig {
    let cfg = config(None, 1);
    AbortConfig {
        region: cfg.region,
        signature_version: cfg.signature_version,
        retry: cfg.retry,
        should_retry: None,
        jitter_seed: cfg.jitter_seed,
    }
}

pub fn etag_of(data: &[u8]) -> String {
    let digest = Md5::digest(data);
    let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
    format!("\"{hex}\"")
}

// ---------------------------------------------------------------------------------------------
// Time formats (the model must not reuse the code under test)
// ---------------------------------------------------------------------------------------------

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `20260101T000000Z` → unix ms.
pub fn parse_v4_date(s: &str) -> Option<i64> {
    let n = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let days = days_from_civil(n(0, 4)?, n(4, 6)?, n(6, 8)?);
    Some(((days * 24 + n(9, 11)?) * 60 + n(11, 13)?) * 60_000 + n(13, 15)? * 1000)
}

/// unix ms → `2026-01-01T00:00:00.000Z` (OSS's `<ServerTime>`).
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3600,
        t / 60 % 60,
        t % 60,
        ms.rem_euclid(1000)
    )
}

// ---------------------------------------------------------------------------------------------
// The OSS model
// ---------------------------------------------------------------------------------------------

/// A request as the model logs it and the tests match it: the core's [`Operation`], as the core's
/// own [`classify`] reads it, with the part number of an UploadPart and the page marker of a
/// ListParts. `Other` is a request the model does not serve (named by its operation, or by its
/// method when it is none of the core's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    PutObject,
    InitiateMultipartUpload,
    UploadPart(u32),
    ListParts { marker: Option<u32> },
    CompleteMultipartUpload,
    HeadObject,
    AbortMultipartUpload,
    Other(String),
}

#[derive(Debug, Clone)]
pub enum FaultKind {
    Transport(TransportError),
    /// Answer with this status and OSS error code, without performing the operation.
    Status(u16, &'static str),
    /// Answer with this status and OSS error code, with `<ServerTime>` (the model's clock).
    StatusWithServerTime(u16, &'static str),
    /// Answer with this status and a body that is not XML at all.
    Garbage(u16),
    /// Perform the operation, then lose the answer (the driver sees a timeout).
    LoseResponse,
    /// Store the part with one byte flipped (so the CRC header differs from the client's).
    CorruptPart,
    /// Perform the operation but report this CRC-64 for the object.
    WrongObjectCrc,
    /// Store the object, then answer 203 CallbackFailed, as OSS does when the callback fails.
    CallbackFailed,
}

/// What the model's callback server answers (OSS returns it as the body, §10.1).
pub const CALLBACK_ANSWER: &str = "{\"Status\":\"OK\"}";

pub struct Fault {
    pub when: Box<dyn Fn(&Op) -> bool>,
    pub times: u32,
    pub kind: FaultKind,
}

#[derive(Debug, Clone)]
pub struct FakePart {
    pub data: Vec<u8>,
    pub etag: String,
}

#[derive(Debug, Clone, Default)]
pub struct FakeUpload {
    pub key: String,
    pub parts: BTreeMap<u32, FakePart>,
}

#[derive(Debug, Clone)]
pub struct FakeObject {
    pub data: Vec<u8>,
    pub etag: String,
}

pub struct FakeOss {
    pub objects: HashMap<String, FakeObject>,
    pub uploads: BTreeMap<String, FakeUpload>,
    next_upload: u32,
    next_request: u32,
    /// Every request seen, in order, with the security token it carried.
    pub log: Vec<(Op, String)>,
    /// Every error answered: (op, code).
    pub errors: Vec<(Op, String)>,
    /// Accepted security tokens and when (server clock) they expire.
    pub tokens: HashMap<String, Option<i64>>,
    /// Server clock minus the harness clock.
    pub skew_ms: i64,
    /// CORS hides these response headers.
    pub hide_etag: bool,
    pub hide_crc: bool,
    /// ListParts leaves out `HashCrc64ecma` (very old parts, §4.4).
    pub list_without_crc: bool,
    pub list_page_size: usize,
    pub faults: Vec<Fault>,
    /// Largest number of UploadPart requests processed without their answer delivered.
    pub request_ids: Vec<String>,
}

impl Default for FakeOss {
    fn default() -> Self {
        FakeOss {
            objects: HashMap::new(),
            uploads: BTreeMap::new(),
            next_upload: 1,
            next_request: 1,
            log: Vec::new(),
            errors: Vec::new(),
            tokens: HashMap::new(),
            skew_ms: 0,
            hide_etag: false,
            hide_crc: false,
            list_without_crc: false,
            list_page_size: 1000,
            faults: Vec::new(),
            request_ids: Vec::new(),
        }
    }
}

fn query<'a>(req: &'a Request, name: &str) -> Option<Option<&'a str>> {
    req.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_deref())
}

/// A request that stored an object, answered as OSS does with a callback: the callback's answer
/// as the body, or 203 CallbackFailed (the object stays stored, §10.1).
fn callback_answer(req: &Request, fault: Option<&FaultKind>, mut resp: Response) -> Response {
    if header(req, "x-oss-callback").is_none() {
        return resp;
    }
    if matches!(fault, Some(FaultKind::CallbackFailed)) {
        resp.status = 203;
        resp.body =
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>CallbackFailed</Code>\
            <Message>Error status : 502.</Message><RequestId>5C3D0</RequestId></Error>"
                .to_vec();
    } else {
        resp.body = CALLBACK_ANSWER.as_bytes().to_vec();
    }
    resp
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub fn op_of(req: &Request) -> Op {
    let Some(Classified {
        operation,
        part_number,
    }) = classify(req)
    else {
        return Op::Other(req.method.as_str().to_owned());
    };
    match operation {
        Operation::PutObject => Op::PutObject,
        Operation::InitiateMultipartUpload => Op::InitiateMultipartUpload,
        Operation::UploadPart => Op::UploadPart(part_number.unwrap_or(0)),
        Operation::ListParts => Op::ListParts {
            marker: query(req, "part-number-marker")
                .flatten()
                .and_then(|v| v.parse().ok()),
        },
        Operation::CompleteMultipartUpload => Op::CompleteMultipartUpload,
        Operation::HeadObject => Op::HeadObject,
        Operation::AbortMultipartUpload => Op::AbortMultipartUpload,
        Operation::ListMultipartUploads => Op::Other(operation.as_str().to_owned()),
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `(PartNumber, ETag)` pairs of a CompleteMultipartUpload body, in body order.
pub fn complete_body_parts(body: &[u8]) -> Vec<(u32, String)> {
    let text = String::from_utf8_lossy(body);
    let mut out = Vec::new();
    for chunk in text.split("<Part>").skip(1) {
        let field = |name: &str| {
            let open = format!("<{name}>");
            let close = format!("</{name}>");
            let start = chunk.find(&open)? + open.len();
            let end = chunk[start..].find(&close)? + start;
            Some(unescape(chunk[start..end].trim()))
        };
        if let (Some(n), Some(e)) = (field("PartNumber"), field("ETag")) {
            out.push((n.parse().unwrap_or(0), e));
        }
    }
    out
}

impl FakeOss {
    fn request_id(&mut self) -> String {
        let id = format!("5C3D{:020}", self.next_request);
        self.next_request += 1;
        self.request_ids.push(id.clone());
        id
    }

    fn error(&mut self, op: &Op, status: u16, code: &str, extra: &str) -> Response {
        let rid = self.request_id();
        self.errors.push((op.clone(), code.to_owned()));
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>model \
             says {code}</Message><RequestId>{rid}</RequestId><HostId>{BUCKET}.oss-cn-hangzhou.\
             aliyuncs.com</HostId>{extra}<EC>0000-00000000</EC></Error>"
        );
        let mut headers = vec![("x-oss-request-id".to_owned(), rid)];
        if *op == Op::HeadObject {
            // HEAD has no body: OSS sends the error XML base64-encoded in x-oss-err.
            headers.push((
                "x-oss-err".to_owned(),
                base64::engine::general_purpose::STANDARD.encode(body.as_bytes()),
            ));
            return Response {
                status,
                headers,
                body: Vec::new(),
            };
        }
        Response {
            status,
            headers,
            body: body.into_bytes(),
        }
    }

    fn ok(&mut self, headers: Vec<(&str, String)>, body: String) -> Response {
        let rid = self.request_id();
        let mut h: Vec<(String, String)> = headers
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        h.push(("x-oss-request-id".to_owned(), rid));
        h.retain(|(k, _)| {
            !(self.hide_etag && k == "etag" || self.hide_crc && k == "x-oss-hash-crc64ecma")
        });
        Response {
            status: 200,
            headers: h,
            body: body.into_bytes(),
        }
    }

    /// Answers one signed request as OSS would; `file` is the bytes a FileRange body reads.
    pub fn handle(
        &mut self,
        req: &Request,
        file: &[u8],
        now_ms: i64,
    ) -> Result<Response, TransportError> {
        let op = op_of(req);
        let token = header(req, "x-oss-security-token")
            .unwrap_or_default()
            .to_owned();
        self.log.push((op.clone(), token.clone()));
        let mut fault = None;
        if let Some(f) = self
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && (f.when)(&op))
        {
            f.times -= 1;
            fault = Some(f.kind.clone());
        }
        match fault {
            Some(FaultKind::Transport(t)) => return Err(t),
            Some(FaultKind::Status(status, code)) => return Ok(self.error(&op, status, code, "")),
            Some(FaultKind::StatusWithServerTime(status, code)) => {
                let extra = format!(
                    "<ServerTime>{}</ServerTime>",
                    iso8601(now_ms + self.skew_ms)
                );
                return Ok(self.error(&op, status, code, &extra));
            }
            Some(FaultKind::Garbage(status)) => {
                return Ok(Response {
                    status,
                    headers: vec![],
                    body: b"<html><body>502 Bad Gateway <<<\x00\xff".to_vec(),
                });
            }
            _ => {}
        }
        let server_now = now_ms + self.skew_ms;
        // Authentication as OSS sees it: a V4 Authorization, a fresh x-oss-date, a live token.
        let auth_ok =
            header(req, "authorization").is_some_and(|a| a.starts_with("OSS4-HMAC-SHA256"));
        if !auth_ok {
            return Ok(self.error(&op, 403, "AccessDenied", ""));
        }
        match header(req, "x-oss-date").and_then(parse_v4_date) {
            Some(t) if (t - server_now).abs() <= 15 * 60 * 1000 => {}
            _ => {
                let extra = format!(
                    "<ServerTime>{}</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>",
                    iso8601(server_now)
                );
                return Ok(self.error(&op, 403, "RequestTimeTooSkewed", &extra));
            }
        }
        match self.tokens.get(&token) {
            Some(exp) if exp.is_none_or(|e| e > server_now) => {}
            Some(_) => return Ok(self.error(&op, 403, "SecurityTokenExpired", "")),
            None => return Ok(self.error(&op, 403, "InvalidSecurityToken", "")),
        }
        let body: Vec<u8> = match &req.body {
            Body::Empty => Vec::new(),
            Body::Bytes(b) => b.clone(),
            Body::FileRange { start, end } => file[*start as usize..*end as usize].to_vec(),
        };
        let resp = self.perform(&op, req, body, fault.as_ref());
        if matches!(fault, Some(FaultKind::LoseResponse)) {
            return Err(TransportError::Timeout);
        }
        Ok(resp)
    }

    fn perform(
        &mut self,
        op: &Op,
        req: &Request,
        body: Vec<u8>,
        fault: Option<&FaultKind>,
    ) -> Response {
        let upload_id = query(req, "uploadId")
            .flatten()
            .unwrap_or_default()
            .to_owned();
        match op {
            Op::PutObject => {
                let etag = etag_of(&body);
                let crc = crc64(&body);
                self.objects.insert(
                    req.key.clone(),
                    FakeObject {
                        data: body,
                        etag: etag.clone(),
                    },
                );
                let resp = self.ok(
                    vec![("etag", etag), ("x-oss-hash-crc64ecma", crc.to_string())],
                    String::new(),
                );
                callback_answer(req, fault, resp)
            }
            Op::InitiateMultipartUpload => {
                let id = format!("UPLOAD{:08}", self.next_upload);
                self.next_upload += 1;
                self.uploads.insert(
                    id.clone(),
                    FakeUpload {
                        key: req.key.clone(),
                        parts: BTreeMap::new(),
                    },
                );
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\
                     <Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId>\
                     </InitiateMultipartUploadResult>",
                    req.bucket, req.key
                );
                self.ok(vec![], xml)
            }
            Op::UploadPart(n) => {
                let n = *n;
                if !self.uploads.contains_key(&upload_id) {
                    return self.error(op, 404, "NoSuchUpload", "");
                }
                let mut data = body;
                if matches!(fault, Some(FaultKind::CorruptPart)) && !data.is_empty() {
                    data[0] ^= 0x55;
                }
                let etag = etag_of(&data);
                let crc = crc64(&data);
                if let Some(u) = self.uploads.get_mut(&upload_id) {
                    u.parts.insert(
                        n,
                        FakePart {
                            data,
                            etag: etag.clone(),
                        },
                    );
                }
                self.ok(
                    vec![("etag", etag), ("x-oss-hash-crc64ecma", crc.to_string())],
                    String::new(),
                )
            }
            Op::ListParts { marker } => {
                let Some(u) = self.uploads.get(&upload_id) else {
                    return self.error(op, 404, "NoSuchUpload", "");
                };
                let marker = marker.unwrap_or(0);
                let max = query(req, "max-parts")
                    .flatten()
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1000)
                    .min(self.list_page_size);
                let rest: Vec<(u32, FakePart)> = u
                    .parts
                    .range(marker + 1..)
                    .map(|(n, p)| (*n, p.clone()))
                    .collect();
                let truncated = rest.len() > max;
                let page = &rest[..rest.len().min(max)];
                let next = page.last().map(|(n, _)| *n).unwrap_or(marker);
                let mut xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult><Bucket>{}</Bucket>\
                     <Key>{}</Key><UploadId>{upload_id}</UploadId><PartNumberMarker>{marker}\
                     </PartNumberMarker><NextPartNumberMarker>{next}</NextPartNumberMarker>\
                     <MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>",
                    req.bucket, req.key
                );
                for (n, p) in page {
                    let crc = if self.list_without_crc {
                        String::new()
                    } else {
                        format!("<HashCrc64ecma>{}</HashCrc64ecma>", crc64(&p.data))
                    };
                    xml.push_str(&format!(
                        "<Part><PartNumber>{n}</PartNumber><LastModified>2026-01-01T00:00:00.000Z\
                         </LastModified><ETag>{}</ETag>{crc}<Size>{}</Size></Part>",
                        p.etag.replace('"', "&quot;"),
                        p.data.len()
                    ));
                }
                xml.push_str("</ListPartsResult>");
                self.ok(vec![], xml)
            }
            Op::CompleteMultipartUpload => {
                let Some(u) = self.uploads.get(&upload_id).cloned() else {
                    return self.error(op, 404, "NoSuchUpload", "");
                };
                let listed = complete_body_parts(&body);
                if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
                    return self.error(op, 400, "InvalidPartOrder", "");
                }
                let mut data = Vec::new();
                for (i, (n, etag)) in listed.iter().enumerate() {
                    match u.parts.get(n) {
                        Some(p) if p.etag == *etag => {
                            if i + 1 < listed.len() && (p.data.len() as u64) < PART {
                                return self.error(op, 400, "EntityTooSmall", "");
                            }
                            data.extend_from_slice(&p.data);
                        }
                        _ => return self.error(op, 400, "InvalidPart", ""),
                    }
                }
                self.uploads.remove(&upload_id);
                let mut crc = crc64(&data);
                if matches!(fault, Some(FaultKind::WrongObjectCrc)) {
                    crc ^= 1;
                }
                let etag = format!("\"{}-{}\"", &etag_of(&data)[1..33], listed.len());
                self.objects.insert(
                    u.key.clone(),
                    FakeObject {
                        data,
                        etag: etag.clone(),
                    },
                );
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>\
                     <Location>http://{0}.oss-cn-hangzhou.aliyuncs.com/{1}</Location><Bucket>{0}\
                     </Bucket><Key>{1}</Key><ETag>{2}</ETag></CompleteMultipartUploadResult>",
                    req.bucket,
                    u.key,
                    etag.replace('"', "&quot;")
                );
                let resp = self.ok(
                    vec![("etag", etag), ("x-oss-hash-crc64ecma", crc.to_string())],
                    xml,
                );
                callback_answer(req, fault, resp)
            }
            Op::HeadObject => match self.objects.get(&req.key).cloned() {
                Some(o) => self.ok(
                    vec![
                        ("content-length", o.data.len().to_string()),
                        ("etag", o.etag),
                        ("x-oss-hash-crc64ecma", crc64(&o.data).to_string()),
                    ],
                    String::new(),
                ),
                None => self.error(op, 404, "NoSuchKey", ""),
            },
            Op::AbortMultipartUpload => {
                // 204 No Content, or NoSuchUpload for an id OSS does not have (§4.5).
                if self.uploads.remove(&upload_id).is_none() {
                    return self.error(op, 404, "NoSuchUpload", "");
                }
                let mut resp = self.ok(vec![], String::new());
                resp.status = 204;
                resp
            }
            Op::Other(_) => self.error(op, 400, "InvalidRequest", ""),
        }
    }

    pub fn ops(&self) -> Vec<Op> {
        self.log.iter().map(|(o, _)| o.clone()).collect()
    }

    pub fn count(&self, pred: impl Fn(&Op) -> bool) -> usize {
        self.log.iter().filter(|(o, _)| pred(o)).count()
    }

    /// The part numbers of the UploadParts the server answered, in order, repeats kept.
    pub fn uploaded_parts(&self) -> Vec<u32> {
        self.log
            .iter()
            .filter_map(|(o, _)| match o {
                Op::UploadPart(n) => Some(*n),
                _ => None,
            })
            .collect()
    }

    pub fn fault(&mut self, when: impl Fn(&Op) -> bool + 'static, times: u32, kind: FaultKind) {
        self.faults.push(Fault {
            when: Box::new(when),
            times,
            kind,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/// What the credential provider hands out: credentials, and when the server stops taking them.
pub type Provider = Box<dyn FnMut(u32, i64) -> Result<(Credentials, Option<i64>), OssError>>;

/// STS credentials lasting `lifetime_ms` (told to the machine and enforced by the model).
pub fn sts_provider(lifetime_ms: i64) -> Provider {
    Box::new(move |n, now| {
        let exp = now + lifetime_ms;
        Ok((
            Credentials {
                access_key_id: format!("STS.id{n}"),
                access_key_secret: SECRET.to_owned(),
                security_token: Some(token(n)),
                expiration_ms: Some(exp),
                signer: false,
            },
            Some(exp),
        ))
    })
}

/// The app's signer in a scripted test: the `Action::Sign` in, the signature (or an error) out.
pub type Signer = Box<dyn FnMut(&Action) -> Result<String, OssError>>;

/// What a signer on the app's server computes with the secret, from a `Sign` action alone.
pub fn sign_with_secret(action: &Action) -> Result<String, OssError> {
    let Action::Sign {
        string_to_sign,
        version,
        date,
        region,
        ..
    } = action
    else {
        panic!("not a Sign action: {action:?}");
    };
    Ok(match version {
        SignatureVersion::V4 => {
            let key = oss_resumable_core::sign::v4_signing_key(SECRET, &date[..8], region, "oss");
            oss_resumable_core::sign::v4_signature(&key, string_to_sign)
        }
        SignatureVersion::V1 => oss_resumable_core::sign::v1_signature(SECRET, string_to_sign),
    })
}

/// Steers the machine between rounds (see `Harness::hook`).
pub type Hook = Box<dyn FnMut(&mut Harness)>;

pub struct Harness {
    pub m: Upload,
    pub oss: FakeOss,
    pub file: Vec<u8>,
    pub now: i64,
    /// Virtual time each round of answers takes.
    pub step_ms: i64,
    pub provider: Provider,
    pub fetches: u32,
    pub events: Vec<Event>,
    /// Every action, in order.
    pub actions: Vec<Action>,
    /// The record in the store, as the driver keeps it.
    pub store: Option<Checkpoint>,
    pub sends: Vec<(u64, Request)>,
    /// Harness time of each entry of `sends`.
    pub send_at: Vec<i64>,
    /// Harness time of each credential fetch.
    pub fetch_at: Vec<i64>,
    /// Send bodies (only) are reported unreadable.
    pub send_unreadable: bool,
    pub cancels: Vec<u64>,
    /// Hash actions answered with an error; Send bodies reported unreadable.
    pub file_unreadable: bool,
    pub max_parts_in_flight: usize,
    pub max_hash_ahead: usize,
    /// Pause once this many PartDone events were seen.
    pub pause_after_parts: Option<usize>,
    pub progress_bytes: bool,
    /// Report upload progress every this many bytes of a body, the clock moving on by this many
    /// ms between reports (as WebKit does: an XHR progress event every ~8 KiB).
    pub progress_step: Option<(u64, i64)>,
    /// The virtual time each of `events` was seen at.
    pub event_at: Vec<i64>,
    /// Answers `Action::Sign` (the app's signer); none: a Sign action fails the test.
    pub signer: Option<Signer>,
    /// Every `Action::Sign` seen, in order.
    pub sign_requests: Vec<Action>,
    /// Called after every round of actions, to steer the machine (cancel, network, cap).
    pub hook: Option<Hook>,
    /// Sends fail with `TransportError::Network` (the network is gone).
    pub network_down: bool,
    /// Hashes are answered only once no request is in flight and no credentials are awaited (a
    /// slow disk: the server answers a part before its local hash is done).
    pub hashes_last: bool,
    /// Each hash answered: its range and how many actions had been seen by then.
    pub hash_answered: Vec<(u64, u64, usize)>,
    signs: Vec<(u64, Result<String, OssError>)>,
    inflight: Vec<(u64, Request)>,
    hashes: Vec<(u64, u64, u64)>,
    cred_pending: bool,
    cancelled: HashSet<u64>,
}

impl Harness {
    pub fn new(
        data: Vec<u8>,
        cfg: UploadConfig,
        checkpoint: Option<Checkpoint>,
        oss: FakeOss,
    ) -> Self {
        let m = Upload::new(cfg, identity(&data), checkpoint, START_MS).expect("Upload::new");
        Harness {
            m,
            oss,
            file: data,
            now: START_MS,
            step_ms: 50,
            provider: sts_provider(3_600_000),
            fetches: 0,
            events: Vec::new(),
            actions: Vec::new(),
            store: None,
            sends: Vec::new(),
            send_at: Vec::new(),
            fetch_at: Vec::new(),
            send_unreadable: false,
            cancels: Vec::new(),
            file_unreadable: false,
            max_parts_in_flight: 0,
            max_hash_ahead: 0,
            pause_after_parts: None,
            progress_bytes: true,
            progress_step: None,
            event_at: Vec::new(),
            signer: None,
            sign_requests: Vec::new(),
            hook: None,
            network_down: false,
            hashes_last: false,
            hash_answered: Vec::new(),
            signs: Vec::new(),
            inflight: Vec::new(),
            hashes: Vec::new(),
            cred_pending: false,
            cancelled: HashSet::new(),
        }
    }

    pub fn simple(size: u64, part_size: Option<u64>, parallel: usize) -> Self {
        Harness::new(
            file_bytes(size, size),
            config(part_size, parallel),
            None,
            FakeOss::default(),
        )
    }

    fn drain(&mut self) {
        while let Some(a) = self.m.poll_action(self.now) {
            match &a {
                Action::FetchCredentials => {
                    assert!(!self.cred_pending, "two FetchCredentials outstanding");
                    self.cred_pending = true;
                }
                Action::Hash { id, start, end } => self.hashes.push((*id, *start, *end)),
                Action::Send { id, request } => {
                    self.sends.push((*id, request.clone()));
                    self.send_at.push(self.now);
                    self.inflight.push((*id, request.clone()));
                }
                Action::Cancel { id } => {
                    self.cancels.push(*id);
                    self.cancelled.insert(*id);
                    self.inflight.retain(|(i, _)| i != id);
                    self.hashes.retain(|(i, _, _)| i != id);
                }
                Action::SaveCheckpoint(cp) => self.store = Some(cp.clone()),
                Action::DeleteCheckpoint { id } => {
                    if self.store.as_ref().is_some_and(|cp| cp.id() == *id) {
                        self.store = None;
                    }
                }
                Action::Sign { id, .. } => {
                    let signer = self
                        .signer
                        .as_mut()
                        .expect("a Sign action without a signer");
                    let answer = signer(&a);
                    self.signs.push((*id, answer));
                    self.sign_requests.push(a.clone());
                }
            }
            self.actions.push(a);
        }
        while let Some(e) = self.m.poll_event() {
            self.events.push(e);
            self.event_at.push(self.now);
        }
        let parts = self
            .inflight
            .iter()
            .filter(|(_, r)| matches!(op_of(r), Op::UploadPart(_)))
            .count();
        self.max_parts_in_flight = self.max_parts_in_flight.max(parts);
        self.max_hash_ahead = self
            .max_hash_ahead
            .max(self.hashes.len() + self.inflight.len());
    }

    fn parts_done(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::PartDone { .. }))
            .count()
    }

    /// Runs until the machine finishes; panics if it stalls.
    pub fn run(&mut self) -> &mut Self {
        for _ in 0..100_000 {
            self.drain();
            if let Some(mut hook) = self.hook.take() {
                hook(self);
                self.hook = Some(hook);
                self.drain();
            }
            if self.m.is_finished() {
                return self;
            }
            if !self.signs.is_empty() {
                for (id, answer) in std::mem::take(&mut self.signs) {
                    self.m.handle_signature(id, answer, self.now);
                    self.drain();
                }
            } else if !self.hashes.is_empty()
                && (!self.hashes_last || (self.inflight.is_empty() && !self.cred_pending))
            {
                for (id, start, end) in std::mem::take(&mut self.hashes) {
                    self.hash_answered.push((start, end, self.actions.len()));
                    let result = if self.file_unreadable {
                        Err(OssError::client(
                            ClientCode::FileChanged,
                            "NotReadableError: the file changed",
                        ))
                    } else {
                        Ok(crc64(&self.file[start as usize..end as usize]))
                    };
                    self.m.handle_hash(id, result, self.now);
                    self.drain();
                }
            } else if self.cred_pending {
                self.cred_pending = false;
                self.fetches += 1;
                self.fetch_at.push(self.now);
                let result = (self.provider)(self.fetches, self.now).map(|(c, server_exp)| {
                    if let Some(t) = &c.security_token {
                        self.oss.tokens.insert(t.clone(), server_exp);
                    }
                    c
                });
                self.m.handle_credentials(result, self.now);
            } else if !self.inflight.is_empty() {
                for (id, req) in std::mem::take(&mut self.inflight) {
                    if self.cancelled.contains(&id) || self.m.is_finished() {
                        continue;
                    }
                    let len = match req.body {
                        Body::FileRange { start, end } => end - start,
                        _ => 0,
                    };
                    if let (Some((step, ms)), true) = (self.progress_step, len > 0) {
                        let mut sent = 0;
                        while sent < len {
                            sent = (sent + step).min(len);
                            self.now += ms;
                            self.m.handle_progress(id, sent, self.now);
                            self.drain();
                        }
                    } else if self.progress_bytes && len > 0 {
                        self.m.handle_progress(id, len / 2, self.now);
                    }
                    let result = if (self.file_unreadable || self.send_unreadable) && len > 0 {
                        Err(TransportError::FileUnreadable)
                    } else if self.network_down {
                        Err(TransportError::Network)
                    } else {
                        self.oss.handle(&req, &self.file, self.now)
                    };
                    if self.progress_bytes
                        && len > 0
                        && result.as_ref().is_ok_and(|r| r.status == 200)
                    {
                        self.m.handle_progress(id, len, self.now);
                    }
                    self.m.handle_response(id, result, self.now);
                    self.drain();
                    if let Some(n) = self.pause_after_parts {
                        if self.parts_done() >= n && !self.m.is_finished() {
                            self.m.pause(self.now);
                            self.drain();
                        }
                    }
                }
                self.now += self.step_ms;
            } else if let Some(t) = self.m.poll_timeout() {
                assert!(t >= self.now - 1, "timeout in the past: {t} < {}", self.now);
                self.now = self.now.max(t);
                self.m.handle_timeout(self.now);
            } else {
                panic!(
                    "machine stalled: no action, no timeout, not finished; events {:?}",
                    self.events
                );
            }
        }
        panic!("machine did not finish in 100000 rounds");
    }

    pub fn result(&self) -> &UploadResult {
        self.events
            .iter()
            .find_map(|e| match e {
                Event::Completed(r) => Some(r),
                _ => None,
            })
            .unwrap_or_else(|| panic!("not completed: {:?}", self.last_events()))
    }

    pub fn error(&self) -> &OssError {
        self.events
            .iter()
            .find_map(|e| match e {
                Event::Failed(r) => Some(r),
                _ => None,
            })
            .unwrap_or_else(|| panic!("not failed: {:?}", self.last_events()))
    }

    fn last_events(&self) -> Vec<&Event> {
        self.events.iter().rev().take(5).collect()
    }

    /// The object's bytes at the model, which must equal the file.
    pub fn assert_object_is_file(&self) {
        let o = self.oss.objects.get(KEY).expect("object stored");
        assert_eq!(o.data.len(), self.file.len(), "object size");
        assert!(o.data == self.file, "object bytes differ from the file");
        assert_eq!(self.result().crc64, crc64(&self.file), "result CRC-64");
        assert_eq!(self.result().size, self.file.len() as u64);
    }

    pub fn progress(&self) -> Vec<(u64, Phase)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Progress(p) => Some((p.loaded, p.phase)),
                _ => None,
            })
            .collect()
    }

    pub fn saved_checkpoints(&self) -> Vec<&Checkpoint> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::SaveCheckpoint(cp) => Some(cp),
                _ => None,
            })
            .collect()
    }

    pub fn deleted_checkpoints(&self) -> Vec<&String> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::DeleteCheckpoint { id } => Some(id),
                _ => None,
            })
            .collect()
    }
}

/// Runs a first session that pauses after `pause_after` parts; returns the server, the stored
/// checkpoint and the file.
pub fn first_session(
    size: u64,
    parallel: usize,
    pause_after: usize,
) -> (FakeOss, Checkpoint, Vec<u8>) {
    let mut h = Harness::simple(size, Some(PART), parallel);
    h.pause_after_parts = Some(pause_after);
    h.run();
    assert!(
        matches!(h.events.last(), Some(Event::Paused)),
        "{:?}",
        h.events.last()
    );
    let cp = h.store.clone().expect("checkpoint kept on pause");
    (std::mem::take(&mut h.oss), cp, h.file.clone())
}

// ---------------------------------------------------------------------------------------------
// The abort driver
// ---------------------------------------------------------------------------------------------

/// Runs the abort machine on the virtual clock against the model, performing its actions the
/// way the browser driver performs an upload's.
pub struct AbortHarness {
    pub m: Abort,
    pub oss: FakeOss,
    pub now: i64,
    /// Virtual time each answer takes.
    pub step_ms: i64,
    pub provider: Provider,
    pub fetches: u32,
    /// Every action, in order.
    pub actions: Vec<Action>,
    pub sends: Vec<(u64, Request)>,
    /// Harness time of each entry of `sends`.
    pub send_at: Vec<i64>,
    /// The record in the store, until the machine deletes it.
    pub store: Option<Checkpoint>,
    pub outcome: Option<Result<(), OssError>>,
    inflight: Vec<(u64, Request)>,
    cred_pending: bool,
}

impl AbortHarness {
    /// Aborts the upload `checkpoint` records, at the server `oss` (its request log cleared).
    pub fn new(checkpoint: Checkpoint, mut oss: FakeOss) -> Self {
        oss.log.clear();
        oss.errors.clear();
        let m = Abort::new(abort_config(), &checkpoint, START_MS).expect("Abort::new");
        AbortHarness {
            m,
            oss,
            now: START_MS,
            step_ms: 50,
            provider: sts_provider(3_600_000),
            fetches: 0,
            actions: Vec::new(),
            sends: Vec::new(),
            send_at: Vec::new(),
            store: Some(checkpoint),
            outcome: None,
            inflight: Vec::new(),
            cred_pending: false,
        }
    }

    fn drain(&mut self) {
        while let Some(a) = self.m.poll_action(self.now) {
            match &a {
                Action::FetchCredentials => {
                    assert!(!self.cred_pending, "two FetchCredentials outstanding");
                    self.cred_pending = true;
                }
                Action::Send { id, request } => {
                    self.sends.push((*id, request.clone()));
                    self.send_at.push(self.now);
                    self.inflight.push((*id, request.clone()));
                }
                Action::DeleteCheckpoint { id } => {
                    if self.store.as_ref().is_some_and(|cp| cp.id() == *id) {
                        self.store = None;
                    }
                }
                other => panic!("an abort asked for {other:?}"),
            }
            self.actions.push(a);
        }
        if let Some(outcome) = self.m.poll_outcome() {
            assert!(self.outcome.is_none(), "two outcomes");
            self.outcome = Some(outcome);
        }
    }

    /// Runs until the machine finishes; panics if it stalls.
    pub fn run(&mut self) -> &mut Self {
        for _ in 0..10_000 {
            self.drain();
            if self.m.is_finished() {
                assert!(self.outcome.is_some(), "finished without an outcome");
                assert_eq!(self.m.poll_timeout(), None, "a timer after the end");
                return self;
            }
            if self.cred_pending {
                self.cred_pending = false;
                self.fetches += 1;
                let result = (self.provider)(self.fetches, self.now).map(|(c, server_exp)| {
                    if let Some(t) = &c.security_token {
                        self.oss.tokens.insert(t.clone(), server_exp);
                    }
                    c
                });
                self.m.handle_credentials(result, self.now);
            } else if !self.inflight.is_empty() {
                for (id, req) in std::mem::take(&mut self.inflight) {
                    let result = self.oss.handle(&req, &[], self.now);
                    self.m.handle_response(id, result, self.now);
                    self.drain();
                }
                self.now += self.step_ms;
            } else if let Some(t) = self.m.poll_timeout() {
                assert!(t >= self.now - 1, "timeout in the past: {t} < {}", self.now);
                self.now = self.now.max(t);
                self.m.handle_timeout(self.now);
            } else {
                panic!("abort stalled: no action, no timeout, not finished");
            }
        }
        panic!("abort did not finish in 10000 rounds");
    }

    /// The error it ended with.
    pub fn error(&self) -> &OssError {
        match &self.outcome {
            Some(Err(e)) => e,
            other => panic!("not failed: {other:?}"),
        }
    }
}
