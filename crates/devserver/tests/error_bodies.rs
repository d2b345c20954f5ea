//! The server's `<Error>` bodies are the core's: what the client parses is exactly what the
//! server wrote, the operation's elements included (docs/protocol.md §5.1).

mod common;

use base64::Engine as _;
use common::*;
use oss_resumable_core::error::code;
use oss_resumable_core::xml::{parse, to_xml, OssErrorBody};

/// Parses the body with the core and checks that the core writes it back byte for byte.
fn core_body(xml: &[u8]) -> OssErrorBody {
    let body: OssErrorBody = parse(xml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_xml(&body).as_bytes(), xml);
    body
}

fn other<'a>(body: &'a OssErrorBody, name: &str) -> Option<&'a str> {
    body.other
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn error_bodies_are_written_by_the_core_with_every_element() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);

    let r = c.get("missing & <odd>").await;
    assert_eq!(r.status, 404);
    let body = core_body(&r.body);
    assert_eq!(body.code, code::NO_SUCH_KEY);
    assert_eq!(body.request_id.as_deref(), r.header("x-oss-request-id"));
    assert_eq!(body.host_id.as_deref(), Some(h.addr.to_string().as_str()));
    assert_eq!(other(&body, "Key"), Some("missing & <odd>"));

    // HEAD: the same document, base64-encoded in x-oss-err.
    let r = c.send(Req::new("HEAD", "missing & <odd>")).await;
    assert!(r.body.is_empty());
    let xml = base64::engine::general_purpose::STANDARD
        .decode(r.header("x-oss-err").unwrap())
        .unwrap();
    assert_eq!(other(&core_body(&xml), "Key"), Some("missing & <odd>"));

    // Named elements and the operation's own, in one body.
    let id = c.initiate("small").await;
    let (a, b) = (data(50_000, 1), data(10, 2));
    c.upload_part("small", &id, 1, a.clone()).await;
    c.upload_part("small", &id, 2, b.clone()).await;
    let r = c
        .complete("small", &id, &[(1, md5_etag(&a)), (2, md5_etag(&b))])
        .await;
    let body = core_body(&r.body);
    assert_eq!(body.code, code::ENTITY_TOO_SMALL);
    assert_eq!(body.part_number.as_deref(), Some("1"));
    assert_eq!(other(&body, "ProposedSize"), Some("50000"));
    assert_eq!(other(&body, "MinSizeAllowed"), Some("102400"));

    // EC comes with its RecommendDoc and the x-oss-ec header.
    let r = c
        .complete("small", &id, &[(2, md5_etag(&b)), (1, md5_etag(&a))])
        .await;
    let body = core_body(&r.body);
    assert_eq!(body.code, code::INVALID_PART_ORDER);
    assert_eq!(body.ec.as_deref(), Some("0042-00000209"));
    assert_eq!(r.header("x-oss-ec"), Some("0042-00000209"));
    assert_eq!(
        body.recommend_doc.as_deref(),
        Some("https://api.aliyun.com/troubleshoot?q=0042-00000209")
    );

    // The client's clock correction reads ServerTime and the skew limit from the same body.
    let mut skewed = c.clone();
    skewed.offset_ms = 3_600_000;
    let r = skewed.put("late", "x").await;
    let body = core_body(&r.body);
    assert_eq!(body.code, code::REQUEST_TIME_TOO_SKEWED);
    assert!(body.server_time_ms().is_some());
    assert_eq!(body.max_allowed_skew_milliseconds, Some(900_000));
}
