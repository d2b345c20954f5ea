//! The fuzz targets' bodies, one function per target, each with its oracle: what must hold for
//! every input besides not panicking. `fuzz_targets/` hands them to libFuzzer (`make fuzz`);
//! `tests/corpus.rs` runs them over the committed seed corpora (`corpus/<target>/`) on stable
//! Rust, so a crash found once stays a regression test.

use oss_resumable_core::sign::{parse_authorization, ParsedAuthorization};
use oss_resumable_core::xml::{self, OssXml};

/// Every response body type the client reads (docs/protocol.md §4, §5.1), and the `x-oss-err`
/// header. Oracle: a body that parses writes back to XML that parses to the same value (the dev
/// server writes these types with the same code the client reads them with).
pub fn xml_responses(data: &[u8]) {
    round_trip::<xml::InitiateMultipartUploadResult>(data);
    round_trip::<xml::CompleteMultipartUploadResult>(data);
    round_trip::<xml::ListPartsResult>(data);
    round_trip::<xml::ListMultipartUploadsResult>(data);
    round_trip::<xml::OssErrorBody>(data);
    round_trip::<xml::CompleteMultipartUpload>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(body) = xml::parse_error_header(text) {
            let _ = body.server_time_ms();
        }
    }
}

fn round_trip<T: OssXml + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Ok(value) = xml::parse::<T>(data) else {
        return;
    };
    let written = xml::to_xml(&value);
    match xml::parse::<T>(written.as_bytes()) {
        Ok(again) => assert_eq!(again, value, "written back as {written:?}"),
        Err(e) => panic!("{value:?} written as {written:?} does not parse: {e}"),
    }
}

/// A received `Authorization` header (§2.4, §3.4). Oracle: what parses is written back in the
/// layout the SDKs send and parses to the same fields.
pub fn authorization(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(parsed) = parse_authorization(text) else {
        return;
    };
    let written = match &parsed {
        ParsedAuthorization::V1 {
            access_key_id,
            signature,
        } => format!("OSS {access_key_id}:{signature}"),
        ParsedAuthorization::V4 {
            access_key_id,
            date,
            region,
            product,
            additional_headers,
            signature,
        } => {
            let mut s = format!(
                "OSS4-HMAC-SHA256 Credential={access_key_id}/{date}/{region}/{product}/aliyun_v4_request"
            );
            if !additional_headers.is_empty() {
                s.push_str(&format!(
                    ",AdditionalHeaders={}",
                    additional_headers.join(";")
                ));
            }
            s.push_str(&format!(",Signature={signature}"));
            s
        }
    };
    assert_eq!(
        parse_authorization(&written).as_ref(),
        Some(&parsed),
        "{written:?}"
    );
}

/// The signing vectors' world (`../shared/vectors/oss-sign-vectors.json`): its bucket, region,
/// keys and clock, so that the seeds, taken from the vectors, authenticate.
const BUCKET: &str = "examplebucket";
const REGION: &str = "cn-hangzhou";
const NOW_MS: i64 = 1_672_223_261_000;
const LONG_TERM: &[(&str, &str)] = &[(
    "LTAI5tTestAccessKeyId01",
    "TestAccessKeySecret0123456789abc",
)];
const STS: &[(&str, &str, &str, i64)] = &[(
    "STS.NTestTemporaryAccessKeyId01",
    "TestTemporaryAccessKeySecret0123456789XY",
    "CAIS8gF1q6Ft5B2yfSjIr5bkKte+test/security/token==",
    1_672_226_861_000,
)];

/// A request head as oss-devserver routes and authenticates it. Oracle: the answer is an
/// operation or a non-empty OSS error code, never a panic.
pub fn devserver_request(data: &[u8]) {
    if let Some(Err(code)) = devserver_answer(data) {
        assert!(!code.is_empty());
    }
}

/// What oss-devserver answers to the request head `data` in the vectors' world: the operation,
/// an OSS error code, or `None` when it is not a request head.
pub fn devserver_answer(data: &[u8]) -> Option<Result<&'static str, String>> {
    let signers = oss_devserver::fuzzing::Signers {
        long_term: LONG_TERM,
        sts: STS,
    };
    let buckets = [BUCKET.to_string()];
    oss_devserver::fuzzing::check_request_head(data, &buckets, &signers, REGION, NOW_MS)
}

/// A stored checkpoint record as the store hands it back (§9.6), with JSON standing for the
/// structured-clone object (the same tree of maps, arrays, strings, numbers and nulls; v0.1
/// stored this very JSON as text). Oracle: a record that is accepted encodes to one that is
/// accepted and equal.
pub fn checkpoint(data: &[u8]) {
    use oss_resumable_core::checkpoint::Checkpoint;
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(cp) = Checkpoint::decode(|| &value) else {
        return;
    };
    let written = match serde_json::to_value(&cp) {
        Ok(v) => v,
        Err(e) => panic!("{cp:?} does not encode: {e}"),
    };
    match Checkpoint::decode(|| &written) {
        Ok(again) => assert_eq!(again, cp, "{written}"),
        Err(e) => panic!("{written} is refused: {e}"),
    }
}
