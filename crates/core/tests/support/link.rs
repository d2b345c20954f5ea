//! A network link on the virtual clock, for the adaptive pace's tests (`tests/upload_pace.rs`):
//! a bandwidth shared equally by the request bodies being sent (processor sharing, as TCP flows
//! on one bottleneck roughly are) and a round-trip time. Every UploadPart pays a CORS preflight
//! (one RTT: each part URL differs, so the browser caches none, docs/protocol.md §7.2), then sends
//! its body at its share of the bandwidth, then waits one RTT for the answer. Other requests take
//! two RTTs (preflight and answer). The driver reports upload progress every
//! [`PROGRESS_EVERY_MS`] while a body is sent, as XHR's `upload.onprogress` does.
//!
//! The model of OSS here keeps no bytes, so files of gigabytes cost nothing: a range's "CRC-64"
//! is a hash of its offsets ([`range_crc`]), the same for the hashing worker and the server, and
//! the server records each part's byte range, so Complete can check that the parts listed tile
//! the file exactly (no gap, no overlap: the boundaries the machine cut, on resume too).

use std::collections::BTreeMap;

use oss_resumable_core::checkpoint::Checkpoint;
use oss_resumable_core::crc64::combine;
use oss_resumable_core::request::Body;
use oss_resumable_core::sign::Credentials;
use oss_resumable_core::upload::{Action, Event, Response, Upload, UploadConfig};

use super::{complete_body_parts, identity_of_size, op_of, Op};

/// Virtual time step of the simulation.
pub const STEP_MS: i64 = 1;
/// XHR reports upload progress about every 50 ms.
pub const PROGRESS_EVERY_MS: i64 = 50;

pub const MIB: u64 = 1 << 20;

/// Bytes per ms of `mbit` Mbit/s.
pub fn mbit(mbit: f64) -> f64 {
    mbit * 1e6 / 8.0 / 1000.0
}

/// The link: bandwidth (bytes per ms) as a function of the elapsed ms, and the round trip.
pub struct Link {
    pub bandwidth: Box<dyn Fn(i64) -> f64>,
    pub rtt_ms: i64,
}

impl Link {
    pub fn steady(mbit_per_s: f64, rtt_ms: i64) -> Link {
        let b = mbit(mbit_per_s);
        Link {
            bandwidth: Box::new(move |_| b),
            rtt_ms,
        }
    }
}

/// A stable fake CRC-64 of the file's bytes `[start, end)`.
pub fn range_crc(start: u64, end: u64) -> u64 {
    let mut z = start.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ end.rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Preflight and request head: nothing sent until `until`.
    Waiting {
        until: i64,
    },
    Sending,
    /// Body sent; the answer arrives at `until`.
    Answering {
        until: i64,
    },
}

struct Flow {
    id: u64,
    request: oss_resumable_core::request::Request,
    len: u64,
    sent: f64,
    reported: u64,
    next_report: i64,
    phase: Phase,
}

/// What the server holds: part number → (start, end) of the file.
#[derive(Default)]
pub struct LinkOss {
    pub parts: BTreeMap<u32, (u64, u64)>,
    /// Sizes of the parts Complete assembled, in order.
    pub object_parts: Vec<u64>,
    pub completed: bool,
    /// Every UploadPart's part number, in order of sending.
    pub sent_parts: Vec<u32>,
    pub list_parts_calls: u32,
}

/// The outcome of one run on a link.
pub struct LinkRun {
    pub elapsed_ms: i64,
    /// Bytes the link could have carried in `elapsed_ms`.
    pub capacity: f64,
    pub file_size: u64,
    pub events: Vec<Event>,
    pub store: Option<Checkpoint>,
    pub oss: LinkOss,
    /// UploadParts in flight, sampled at every step: (elapsed ms, count).
    pub in_flight: Vec<(i64, usize)>,
    pub pace_peak: Option<usize>,
    /// Most parts the machine asked of a shared limit (`Upload::parts_wanted`).
    pub max_wanted: usize,
}

impl LinkRun {
    pub fn utilisation(&self) -> f64 {
        self.file_size as f64 / self.capacity
    }

    pub fn peak_in_flight(&self) -> usize {
        self.in_flight.iter().map(|(_, n)| *n).max().unwrap_or(0)
    }

    /// Most UploadParts in flight during `[from, to)` elapsed ms.
    pub fn peak_between(&self, from: i64, to: i64) -> usize {
        self.in_flight
            .iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0)
    }

    pub fn completed(&self) -> bool {
        self.events.iter().any(|e| matches!(e, Event::Completed(_)))
    }

    pub fn parts_reused(&self) -> u32 {
        self.events
            .iter()
            .find_map(|e| match e {
                Event::Completed(r) => Some(r.parts_reused),
                _ => None,
            })
            .unwrap_or(0)
    }
}

/// Uploads a file of `size` bytes over `link`; pauses once `pause_after_parts` parts are done.
/// `cap` is a `maxPartsInFlight` share set on the machine from the start.
pub fn run_on_link(
    size: u64,
    config: UploadConfig,
    checkpoint: Option<Checkpoint>,
    oss: LinkOss,
    link: &Link,
    pause_after_parts: Option<usize>,
    cap: Option<usize>,
) -> LinkRun {
    let start = super::START_MS;
    let mut m = Upload::new(config, identity_of_size(size), checkpoint, start).expect("new");
    if let Some(c) = cap {
        m.set_part_cap(Some(c), start);
    }
    let mut oss = oss;
    let mut now = start;
    let mut flows: Vec<Flow> = Vec::new();
    let mut events = Vec::new();
    let mut store = None;
    let mut in_flight = Vec::new();
    let mut capacity = 0.0;
    let mut parts_done = 0;
    let mut cred = false;
    // The machine is asked for work only after something reached it (a run of many parts would
    // otherwise spend its time scheduling at every step).
    let mut dirty = true;
    let mut max_wanted = 0;
    loop {
        // Everything the machine wants now; hashing and credentials take no time.
        let mut busy = dirty;
        dirty = false;
        while busy {
            busy = false;
            while let Some(a) = m.poll_action(now) {
                busy = true;
                match a {
                    Action::FetchCredentials => cred = true,
                    Action::Hash { id, start, end } => {
                        m.handle_hash(id, Ok(range_crc(start, end)), now)
                    }
                    Action::Send { id, request } => {
                        let len = match request.body {
                            Body::FileRange { start, end } => end - start,
                            _ => 0,
                        };
                        let trips = if matches!(op_of(&request), Op::UploadPart(_)) {
                            1
                        } else {
                            2
                        };
                        if let Op::UploadPart(n) = op_of(&request) {
                            oss.sent_parts.push(n);
                        }
                        flows.push(Flow {
                            id,
                            request,
                            len,
                            sent: 0.0,
                            reported: 0,
                            next_report: 0,
                            phase: Phase::Waiting {
                                until: now + trips * link.rtt_ms,
                            },
                        });
                    }
                    Action::Cancel { id } => flows.retain(|f| f.id != id),
                    Action::SaveCheckpoint(cp) => store = Some(cp),
                    Action::DeleteCheckpoint { .. } => store = None,
                    Action::Sign { .. } => panic!("no signer in link runs"),
                }
            }
            if cred {
                cred = false;
                busy = true;
                m.handle_credentials(
                    Ok(Credentials {
                        access_key_id: "STS.link".into(),
                        access_key_secret: super::SECRET.into(),
                        security_token: Some(super::token(1)),
                        expiration_ms: Some(now + 36_000_000),
                        signer: false,
                    }),
                    now,
                );
            }
            while let Some(e) = m.poll_event() {
                if matches!(e, Event::PartDone { .. }) {
                    parts_done += 1;
                }
                events.push(e);
            }
            if pause_after_parts.is_some_and(|n| parts_done >= n) && !m.is_finished() {
                m.pause(now);
                busy = true;
            }
        }
        if m.is_finished() {
            break;
        }
        let elapsed = now - start;
        assert!(elapsed < 3_600_000, "no end after an hour of virtual time");
        let uploading = flows
            .iter()
            .filter(|f| matches!(op_of(&f.request), Op::UploadPart(_)))
            .count();
        in_flight.push((elapsed, uploading));
        max_wanted = max_wanted.max(m.parts_wanted());
        // One step of the link: the bodies being sent share the bandwidth equally.
        let bandwidth = (link.bandwidth)(elapsed);
        capacity += bandwidth * STEP_MS as f64;
        now += STEP_MS;
        let sending = flows.iter().filter(|f| f.phase == Phase::Sending).count();
        let mut answers = Vec::new();
        for f in &mut flows {
            match f.phase {
                Phase::Waiting { until } if now >= until => {
                    if f.len == 0 {
                        f.phase = Phase::Answering { until: now };
                    } else {
                        f.phase = Phase::Sending;
                        f.next_report = now;
                    }
                }
                Phase::Sending => {
                    f.sent =
                        (f.sent + bandwidth * STEP_MS as f64 / sending as f64).min(f.len as f64);
                    let done = f.sent >= f.len as f64;
                    if now >= f.next_report || done {
                        let bytes = if done { f.len } else { f.sent as u64 };
                        if bytes > f.reported {
                            f.reported = bytes;
                            answers.push((f.id, Some(bytes)));
                        }
                        f.next_report = now + PROGRESS_EVERY_MS;
                    }
                    if done {
                        f.phase = Phase::Answering {
                            until: now + link.rtt_ms,
                        };
                    }
                }
                _ => {}
            }
            if let Phase::Answering { until } = f.phase {
                if now >= until {
                    answers.push((f.id, None));
                }
            }
        }
        dirty |= !answers.is_empty();
        for (id, progress) in answers {
            match progress {
                Some(bytes) => m.handle_progress(id, bytes, now),
                None => {
                    let Some(i) = flows.iter().position(|f| f.id == id) else {
                        continue;
                    };
                    let f = flows.swap_remove(i);
                    let resp = oss.answer(&f.request, size);
                    m.handle_response(id, Ok(resp), now);
                }
            }
        }
        if let Some(t) = m.poll_timeout() {
            if t <= now {
                m.handle_timeout(now);
                dirty = true;
            }
        }
    }
    LinkRun {
        elapsed_ms: now - start,
        capacity,
        file_size: size,
        events,
        store,
        oss,
        in_flight,
        pace_peak: m.pace_peak(),
        max_wanted,
    }
}

fn ok(headers: Vec<(&str, String)>, body: String) -> Response {
    let mut h: Vec<(String, String)> = headers
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    h.push(("x-oss-request-id".to_owned(), "LINK".to_owned()));
    Response {
        status: 200,
        headers: h,
        body: body.into_bytes(),
    }
}

fn etag(start: u64, end: u64) -> String {
    format!("\"{:016X}{:016X}\"", range_crc(start, end), start)
}

impl LinkOss {
    fn answer(&mut self, req: &oss_resumable_core::request::Request, file_size: u64) -> Response {
        match op_of(req) {
            Op::InitiateMultipartUpload => ok(
                vec![],
                format!(
                    "<InitiateMultipartUploadResult><Bucket>{}</Bucket><Key>{}</Key>\
                     <UploadId>LINKUPLOAD</UploadId></InitiateMultipartUploadResult>",
                    req.bucket, req.key
                ),
            ),
            Op::UploadPart(n) => {
                let Body::FileRange { start, end } = req.body else {
                    panic!("UploadPart without a file range");
                };
                self.parts.insert(n, (start, end));
                ok(
                    vec![
                        ("etag", etag(start, end)),
                        ("x-oss-hash-crc64ecma", range_crc(start, end).to_string()),
                    ],
                    String::new(),
                )
            }
            Op::ListParts { .. } => {
                self.list_parts_calls += 1;
                let mut xml = format!(
                    "<ListPartsResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>LINKUPLOAD\
                     </UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>0\
                     </NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false\
                     </IsTruncated>",
                    req.bucket, req.key
                );
                for (n, (s, e)) in &self.parts {
                    xml.push_str(&format!(
                        "<Part><PartNumber>{n}</PartNumber><LastModified>2026-01-01T00:00:00.000Z\
                         </LastModified><ETag>{}</ETag><HashCrc64ecma>{}</HashCrc64ecma>\
                         <Size>{}</Size></Part>",
                        etag(*s, *e).replace('"', "&quot;"),
                        range_crc(*s, *e),
                        e - s
                    ));
                }
                xml.push_str("</ListPartsResult>");
                ok(vec![], xml)
            }
            Op::CompleteMultipartUpload => {
                let Body::Bytes(body) = &req.body else {
                    panic!("Complete without a body");
                };
                let listed = complete_body_parts(body);
                let mut at = 0;
                let mut crc = 0;
                let mut sizes = Vec::new();
                for (i, (n, tag)) in listed.iter().enumerate() {
                    let (s, e) = self.parts[n];
                    assert_eq!(s, at, "part {n} does not start where part {} ended", n - 1);
                    assert_eq!(*tag, etag(s, e), "part {n}'s ETag");
                    assert!(
                        i + 1 == listed.len() || e - s >= 100 * 1024,
                        "part {n} of {} bytes is below OSS's minimum",
                        e - s
                    );
                    crc = combine(crc, range_crc(s, e), e - s);
                    sizes.push(e - s);
                    at = e;
                }
                assert_eq!(at, file_size, "the parts do not cover the file");
                self.object_parts = sizes;
                self.completed = true;
                ok(
                    vec![
                        ("etag", "\"LINK-1\"".to_owned()),
                        ("x-oss-hash-crc64ecma", crc.to_string()),
                    ],
                    format!(
                        "<CompleteMultipartUploadResult><Bucket>{}</Bucket><Key>{}</Key>\
                         <ETag>&quot;LINK-1&quot;</ETag></CompleteMultipartUploadResult>",
                        req.bucket, req.key
                    ),
                )
            }
            other => panic!("the link model does not serve {other:?}"),
        }
    }
}
