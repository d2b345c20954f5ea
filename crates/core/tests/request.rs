//! Request builders, URLs, key/endpoint validation and option checks; the builders' output signed
//! at the vectors' clock must equal the vectors' headers exactly.

use std::collections::BTreeMap;

use oss_resumable_core::request::{
    abort_multipart_upload, complete_multipart_upload, guess_content_type, head_object,
    initiate_multipart_upload, list_multipart_uploads, list_parts, put_object, upload_part,
    validate_bucket, validate_key, Body, Endpoint, ListMultipartUploadsParams, Method,
    ObjectOptions, Request, RequestError,
};
use oss_resumable_core::sign::{sign_request, Credentials, SignatureVersion};
use serde_json::Value;

const BUCKET: &str = "examplebucket";
const UPLOAD_ID: &str = "0004B9895DBBB6EC98E36FB3A9C8A1B2";
const VECTOR_MS: i64 = 1_672_223_261_000; // 2022-12-28T10:27:41Z

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/oss-sign-vectors.json")).unwrap()
}

fn vector(f: &Value, id: &str) -> Value {
    f["signature_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
        .clone()
}

fn sts() -> Credentials {
    Credentials::sts(
        "STS.NTestTemporaryAccessKeyId01",
        "TestTemporaryAccessKeySecret0123456789XY",
        "CAIS8gF1q6Ft5B2yfSjIr5bkKte+test/security/token==",
        Some("2022-12-28T11:27:41Z"),
    )
}

fn lower(headers: &[(String, String)]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (k, v) in headers {
        assert!(
            m.insert(k.to_ascii_lowercase(), v.clone()).is_none(),
            "duplicate {k}"
        );
    }
    m
}

fn json_headers(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn virtual_hosted() -> Endpoint {
    Endpoint::parse("https://oss-cn-hangzhou.aliyuncs.com", false).unwrap()
}

/// Signs `req` with V4 at the vector clock and checks URL, headers and Authorization against `id`.
fn assert_matches_vector(mut req: Request, id: &str) {
    let f = fixture();
    let v = vector(&f, id);
    assert_eq!(req.method.as_str(), v["inputs"]["method"], "{id}: method");
    assert_eq!(virtual_hosted().url(&req), v["inputs"]["url"], "{id}: url");
    sign_request(
        &mut req,
        &sts(),
        SignatureVersion::V4,
        "cn-hangzhou",
        VECTOR_MS,
    );
    let mut expected = json_headers(&v["v4"]["headers_to_send"]);
    expected.insert(
        "authorization".into(),
        v["v4"]["authorization_compact"].as_str().unwrap().into(),
    );
    assert_eq!(lower(&req.headers), expected, "{id}: headers");
}

#[test]
fn initiate_with_meta_and_forbid_overwrite_equals_its_vector() {
    let opts = ObjectOptions {
        content_type: None, // guessed from ".mp4"
        meta: vec![
            ("Author".into(), "alice".into()),
            ("x-oss-meta-project".into(), "demo-2024".into()),
        ],
        headers: vec![],
        forbid_overwrite: true,
        ..Default::default()
    };
    let req = initiate_multipart_upload(BUCKET, "视频/2024 年会/最终版 (1).mp4", &opts).unwrap();
    assert_eq!(req.query, vec![("uploads".to_owned(), None)]);
    assert_eq!(req.body, Body::Empty);
    assert_matches_vector(req, "initiate-sts-meta-unicode");
}

#[test]
fn upload_part_equals_its_vectors() {
    let req = upload_part(
        BUCKET,
        "exampledir/exampleobject.txt",
        UPLOAD_ID,
        3,
        0,
        102_400,
    )
    .unwrap();
    assert_eq!(
        req.body,
        Body::FileRange {
            start: 0,
            end: 102_400
        }
    );
    assert_eq!(req.header("content-type"), None);
    assert_matches_vector(req, "upload-part-sts");
    let req = upload_part(
        BUCKET,
        "dir/a+b c&d=e~f!g'h(i)j*k%l.txt",
        UPLOAD_ID,
        10_000,
        5,
        6,
    )
    .unwrap();
    assert_matches_vector(req, "upload-part-special-chars");
}

#[test]
fn complete_equals_its_vector_body_md5_and_headers() {
    let f = fixture();
    let parts = vec![
        (3, "\"8C315065167132444177411FDA149B02\"".to_owned()),
        (1, "\"stale-etag-of-an-overwritten-upload\"".to_owned()),
        (2, "\"8EFDA8BE206636A695359836FE0AEF01\"".to_owned()),
        (1, "\"3349DC700140D7F86A0784842780ABCD\"".to_owned()),
    ];
    let req = complete_multipart_upload(
        BUCKET,
        "exampledir/exampleobject.txt",
        UPLOAD_ID,
        &parts,
        false,
    )
    .unwrap();
    let Body::Bytes(body) = &req.body else {
        panic!("complete has an XML body");
    };
    assert_eq!(
        std::str::from_utf8(body).unwrap(),
        f["fixed"]["complete_body"].as_str().unwrap()
    );
    assert_eq!(
        req.header("content-md5"),
        f["fixed"]["complete_body_content_md5"].as_str()
    );
    assert_matches_vector(req, "complete-sts-xml");
}

#[test]
fn complete_repeats_forbid_overwrite_and_escapes_etags() {
    let req = complete_multipart_upload(BUCKET, "k", UPLOAD_ID, &[(7, "\"a&b<c>\"".into())], true)
        .unwrap();
    assert_eq!(req.header("x-oss-forbid-overwrite"), Some("true"));
    assert_eq!(req.header("Content-Type"), Some("application/xml"));
    let Body::Bytes(body) = &req.body else {
        panic!()
    };
    assert_eq!(
        String::from_utf8(body.clone()).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload>\n<Part>\n\
         <PartNumber>7</PartNumber>\n<ETag>\"a&amp;b&lt;c&gt;\"</ETag>\n</Part>\n\
         </CompleteMultipartUpload>"
    );
}

#[test]
fn complete_rejects_bad_parts() {
    let c =
        |parts: &[(u32, String)]| complete_multipart_upload(BUCKET, "k", UPLOAD_ID, parts, false);
    assert_eq!(c(&[]), Err(RequestError::NoParts));
    assert_eq!(
        c(&[(0, "\"e\"".into())]),
        Err(RequestError::InvalidPartNumber(0))
    );
    assert_eq!(
        c(&[(10_001, "\"e\"".into())]),
        Err(RequestError::InvalidPartNumber(10_001))
    );
    assert!(matches!(
        c(&[(1, " ".into())]),
        Err(RequestError::InvalidETag { part_number: 1, .. })
    ));
    assert!(matches!(
        complete_multipart_upload(BUCKET, "k", "", &[(1, "\"e\"".into())], false),
        Err(RequestError::InvalidUploadId(_))
    ));
}

#[test]
fn abort_and_list_uploads_equal_their_vectors() {
    let req = abort_multipart_upload(BUCKET, "exampledir/exampleobject.txt", UPLOAD_ID).unwrap();
    assert_eq!(req.method, Method::Delete);
    assert_matches_vector(req, "abort-sts");

    let params = ListMultipartUploadsParams {
        prefix: Some("videos/2024/".into()),
        delimiter: None,
        key_marker: Some("videos/2024/a b.mp4".into()),
        upload_id_marker: Some(UPLOAD_ID.into()),
        max_uploads: Some(50),
        encoding_type_url: true,
    };
    let req = list_multipart_uploads(BUCKET, &params).unwrap();
    assert_eq!(req.key, "");
    assert_matches_vector(req, "list-multipart-uploads");
}

#[test]
fn list_parts_pages_with_markers() {
    let req = list_parts(
        BUCKET,
        "exampledir/exampleobject.txt",
        UPLOAD_ID,
        Some(5),
        Some(100),
    )
    .unwrap();
    assert_eq!(req.method, Method::Get);
    assert_eq!(
        virtual_hosted().url(&req),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampledir/exampleobject.txt?\
         uploadId=0004B9895DBBB6EC98E36FB3A9C8A1B2&max-parts=100&part-number-marker=5"
    );
    let req = list_parts(BUCKET, "k", UPLOAD_ID, None, None).unwrap();
    assert_eq!(
        req.query,
        vec![("uploadId".to_owned(), Some(UPLOAD_ID.to_owned()))]
    );
    for bad in [0, 1001] {
        assert_eq!(
            list_parts(BUCKET, "k", UPLOAD_ID, None, Some(bad)),
            Err(RequestError::InvalidListLimit {
                name: "max-parts",
                value: bad,
                max: 1000
            })
        );
    }
    assert!(list_multipart_uploads(
        BUCKET,
        &ListMultipartUploadsParams {
            max_uploads: Some(0),
            ..Default::default()
        }
    )
    .is_err());
}

#[test]
fn upload_part_validates_numbers_and_ranges() {
    let up = |n, s, e| upload_part(BUCKET, "k", UPLOAD_ID, n, s, e);
    assert_eq!(up(0, 0, 1), Err(RequestError::InvalidPartNumber(0)));
    assert_eq!(
        up(10_001, 0, 1),
        Err(RequestError::InvalidPartNumber(10_001))
    );
    assert!(up(1, 0, 0).is_ok());
    assert_eq!(
        up(1, 9, 8),
        Err(RequestError::InvalidRange { start: 9, end: 8 })
    );
    let five_gib = 5 * 1024 * 1024 * 1024;
    assert!(up(1, 10, 10 + five_gib).is_ok());
    assert_eq!(
        up(1, 10, 11 + five_gib),
        Err(RequestError::BodyTooLarge { size: five_gib + 1 })
    );
    assert!(matches!(
        upload_part(BUCKET, "k", "id with space", 1, 0, 1),
        Err(RequestError::InvalidUploadId(_))
    ));
    assert!(matches!(
        upload_part("Bad_Bucket", "k", UPLOAD_ID, 1, 0, 1),
        Err(RequestError::InvalidBucketName { .. })
    ));
}

#[test]
fn put_and_head_object() {
    let req = put_object(BUCKET, "photos/cat.JPG", 0, 42, &ObjectOptions::default()).unwrap();
    assert_eq!(req.method, Method::Put);
    assert!(req.query.is_empty());
    assert_eq!(req.body, Body::FileRange { start: 0, end: 42 });
    assert_eq!(req.header("content-type"), Some("image/jpeg"));
    let req = head_object(BUCKET, "photos/cat.JPG").unwrap();
    assert_eq!(
        (req.method, req.headers.len(), &req.body),
        (Method::Head, 0, &Body::Empty)
    );
    assert_eq!(head_object(BUCKET, ""), Err(RequestError::EmptyKey));
}

#[test]
fn keys_are_validated_by_utf8_length_and_leading_characters() {
    assert_eq!(validate_key(&"a".repeat(1023)), Ok(()));
    assert_eq!(
        validate_key(&"a".repeat(1024)),
        Err(RequestError::KeyTooLong { len: 1024 })
    );
    // 341 three-byte characters = 1023 bytes; one more is 1026.
    assert_eq!(validate_key(&"视".repeat(341)), Ok(()));
    assert_eq!(
        validate_key(&"视".repeat(342)),
        Err(RequestError::KeyTooLong { len: 1026 })
    );
    assert_eq!(validate_key(""), Err(RequestError::EmptyKey));
    assert_eq!(validate_key("/a"), Err(RequestError::KeyStartsWithSlash));
    assert_eq!(validate_key("\\a"), Err(RequestError::KeyStartsWithSlash));
    assert_eq!(
        validate_key("a\rb"),
        Err(RequestError::KeyContainsLineBreak)
    );
    assert_eq!(
        validate_key("a\nb"),
        Err(RequestError::KeyContainsLineBreak)
    );
    assert_eq!(validate_key("a/\\b/"), Ok(()));
    assert_eq!(validate_key(" "), Ok(()));
    let msg = RequestError::KeyTooLong { len: 1024 }.to_string();
    assert!(msg.contains("1023") && msg.contains("shorten"), "{msg}");
    assert_eq!(RequestError::EmptyKey.code(), "InvalidArgument");
}

#[test]
fn buckets_are_validated() {
    for ok in ["abc", "example-bucket-1", &"a".repeat(63)] {
        assert_eq!(validate_bucket(ok), Ok(()), "{ok}");
    }
    for bad in [
        "ab",
        &"a".repeat(64),
        "Example",
        "a_b",
        "-abc",
        "abc-",
        "a.b.c",
        "",
    ] {
        assert!(validate_bucket(bad).is_err(), "{bad}");
    }
}

#[test]
fn urls_in_both_styles_encode_the_key_and_query() {
    let key = "dir/a+b c&d=e~f!g'h(i)j*k%l.txt";
    let req = upload_part(BUCKET, key, UPLOAD_ID, 10_000, 0, 1).unwrap();
    let path = "dir/a%2Bb%20c%26d%3De~f%21g%27h%28i%29j%2Ak%25l.txt?partNumber=10000&uploadId=0004B9895DBBB6EC98E36FB3A9C8A1B2";
    assert_eq!(
        virtual_hosted().url(&req),
        format!("https://examplebucket.oss-cn-hangzhou.aliyuncs.com/{path}")
    );
    let dev = Endpoint::parse("http://127.0.0.1:9000", true).unwrap();
    assert_eq!(
        dev.url(&req),
        format!("http://127.0.0.1:9000/examplebucket/{path}")
    );
    assert_eq!(dev.host_for(BUCKET), "127.0.0.1:9000");
    assert_eq!(
        virtual_hosted().host_for(BUCKET),
        "examplebucket.oss-cn-hangzhou.aliyuncs.com"
    );

    // Bucket-level request, value-less parameter bare, '/' in values encoded.
    let req = list_multipart_uploads(
        BUCKET,
        &ListMultipartUploadsParams {
            prefix: Some("a/b c".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        dev.url(&req),
        "http://127.0.0.1:9000/examplebucket/?uploads&prefix=a%2Fb%20c"
    );
    assert_eq!(
        virtual_hosted().url(&req),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/?uploads&prefix=a%2Fb%20c"
    );

    // A parameter with an empty value keeps its `=`; only None is bare.
    let mut req = head_object(BUCKET, "k").unwrap();
    req.query = vec![("a".into(), Some(String::new())), ("b".into(), None)];
    assert_eq!(dev.url(&req), "http://127.0.0.1:9000/examplebucket/k?a=&b");
}

#[test]
fn endpoints_parse_and_reject_clearly() {
    let e = Endpoint::parse("oss-cn-shanghai.aliyuncs.com", false).unwrap();
    assert_eq!(
        (e.scheme(), e.authority().as_str()),
        ("https", "oss-cn-shanghai.aliyuncs.com")
    );
    assert_eq!(e.region().as_deref(), Some("cn-shanghai"));
    assert!(!e.path_style());
    let e = Endpoint::parse("HTTPS://OSS-cn-shanghai.aliyuncs.com/", false).unwrap();
    assert_eq!(e.authority(), "oss-cn-shanghai.aliyuncs.com");
    let e = Endpoint::parse("http://[::1]:9000", true).unwrap();
    assert_eq!(e.authority(), "[::1]:9000");
    assert_eq!(e.region(), None);
    let e = Endpoint::parse("http://localhost:9000", true).unwrap();
    assert_eq!(e.host_for("bkt"), "localhost:9000");

    assert_eq!(
        Endpoint::parse("http://127.0.0.1:9000", false),
        Err(RequestError::VirtualHostedNeedsDomain {
            host: "127.0.0.1".into()
        })
    );
    let msg = Endpoint::parse("http://localhost:9000", false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("pathStyle: true"), "{msg}");
    for bad in [
        "ftp://oss-cn-hangzhou.aliyuncs.com",
        "https://oss-cn-hangzhou.aliyuncs.com/bucket",
        "https://oss-cn-hangzhou.aliyuncs.com?x=1",
        "https://user:pw@oss-cn-hangzhou.aliyuncs.com",
        "https://oss-cn-hangzhou.aliyuncs.com:0",
        "https://oss-cn-hangzhou.aliyuncs.com:99999",
        "https://oss-cn-hangzhou.aliyuncs.com:x",
        "https://bad_host.com",
        "https://-a.com",
        "https://a..com",
        "https://",
        "http://[::1",
    ] {
        assert!(
            matches!(
                Endpoint::parse(bad, true),
                Err(RequestError::InvalidEndpoint { .. })
            ),
            "{bad}: {:?}",
            Endpoint::parse(bad, true)
        );
    }
}

fn init_with(opts: ObjectOptions) -> Result<Request, RequestError> {
    initiate_multipart_upload(BUCKET, "file.bin", &opts)
}

fn with_header(name: &str, value: &str) -> ObjectOptions {
    ObjectOptions {
        headers: vec![(name.into(), value.into())],
        ..Default::default()
    }
}

#[test]
fn caller_headers_that_browsers_forbid_or_signing_owns_are_rejected() {
    for name in [
        "Date",
        "Host",
        "Content-Length",
        "connection",
        "Origin",
        "Referer",
        "Sec-Fetch-Mode",
        "Proxy-Authorization",
        "User-Agent",
        "Authorization",
        "x-oss-date",
        "X-OSS-Security-Token",
        "x-oss-content-sha256",
        "Content-Type",
        "Content-MD5",
        "x-oss-forbid-overwrite",
        "x-oss-meta-author",
        "x-oss-complete-all",
    ] {
        match init_with(with_header(name, "v")) {
            Err(RequestError::ForbiddenHeader { name: n, reason }) => {
                assert_eq!(n, name);
                assert!(!reason.is_empty());
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    let msg = init_with(with_header("User-Agent", "x"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("x-oss-user-agent"), "{msg}");
    let msg = init_with(with_header("Date", "x")).unwrap_err().to_string();
    assert!(msg.contains("browsers forbid"), "{msg}");
}

#[test]
fn caller_headers_must_be_well_formed_and_unique() {
    assert!(matches!(
        init_with(with_header("bad name", "v")),
        Err(RequestError::InvalidHeaderName { .. })
    ));
    for bad in ["", " lead", "trail ", "a\r\nx-oss-acl: public", "ü"] {
        assert!(
            matches!(
                init_with(with_header("Cache-Control", bad)),
                Err(RequestError::InvalidHeaderValue { .. })
            ),
            "{bad:?}"
        );
    }
    let dup = ObjectOptions {
        headers: vec![
            ("Cache-Control".into(), "no-cache".into()),
            ("cache-control".into(), "max-age=1".into()),
        ],
        ..Default::default()
    };
    assert!(matches!(
        init_with(dup),
        Err(RequestError::DuplicateHeader { .. })
    ));

    let ok = ObjectOptions {
        content_type: Some("text/csv; charset=utf-8".into()),
        headers: vec![
            ("Cache-Control".into(), "no-cache".into()),
            (
                "Content-Disposition".into(),
                "attachment; filename=\"a.csv\"".into(),
            ),
            ("x-oss-storage-class".into(), "IA".into()),
        ],
        ..Default::default()
    };
    let req = init_with(ok).unwrap();
    assert_eq!(req.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(req.header("x-oss-storage-class"), Some("IA"));
    assert_eq!(req.header("x-oss-forbid-overwrite"), None);
    assert_eq!(req.headers.len(), 4);
}

#[test]
fn metadata_names_and_values_are_checked() {
    let meta = |pairs: &[(&str, &str)]| ObjectOptions {
        meta: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let req = init_with(meta(&[
        ("Camera-Model", "X 100"),
        ("X-OSS-META-Lens", "35mm"),
    ]))
    .unwrap();
    assert_eq!(req.header("x-oss-meta-camera-model"), Some("X 100"));
    assert_eq!(req.header("x-oss-meta-lens"), Some("35mm"));
    assert!(req.headers.iter().any(|(n, _)| n == "x-oss-meta-lens"));

    for bad in ["a_b", "", "x-oss-meta-", "名字", "a b"] {
        assert!(
            matches!(
                init_with(meta(&[(bad, "v")])),
                Err(RequestError::InvalidMetaName { .. })
            ),
            "{bad:?}"
        );
    }
    for bad in ["line\nbreak", "café", " lead"] {
        assert!(
            matches!(
                init_with(meta(&[("a", bad)])),
                Err(RequestError::InvalidMetaValue { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        init_with(meta(&[("Author", "a"), ("author", "b")])),
        Err(RequestError::DuplicateMeta { .. })
    ));
    let big = "v".repeat(8 * 1024 - 1);
    assert!(init_with(meta(&[("a", &big)])).is_ok());
    assert_eq!(
        init_with(meta(&[("ab", &big)])),
        Err(RequestError::MetadataTooLarge { size: 8 * 1024 + 1 })
    );
}

#[test]
fn content_type_is_guessed_from_the_last_segment() {
    let cases = [
        ("a/b.JPG", "image/jpeg"),
        ("video.mp4", "video/mp4"),
        ("x/report.pdf", "application/pdf"),
        ("archive.tar.gz", "application/gzip"),
        ("notes.txt", "text/plain"),
        ("noext", "application/octet-stream"),
        (".bashrc", "application/octet-stream"),
        ("dir.d/file", "application/octet-stream"),
        ("weird.xyz123", "application/octet-stream"),
    ];
    for (key, want) in cases {
        assert_eq!(guess_content_type(key), want, "{key}");
    }
    let req = initiate_multipart_upload(BUCKET, "dir.d/file", &ObjectOptions::default()).unwrap();
    assert_eq!(req.header("Content-Type"), Some("application/octet-stream"));
}

#[test]
fn request_header_helpers_are_case_insensitive() {
    let mut req = head_object(BUCKET, "k").unwrap();
    req.headers.push(("X-A".into(), "1".into()));
    req.headers.push(("x-a".into(), "2".into()));
    assert_eq!(req.header("x-A"), Some("1"));
    req.remove_header("X-A");
    assert!(req.headers.is_empty());
    req.query.push(("uploads".into(), None));
    assert_eq!(req.query_param("uploads"), Some(None));
    assert_eq!(req.query_param("uploadId"), None);
    assert_eq!(Method::Post.to_string(), "POST");
    assert_eq!(Body::FileRange { start: 10, end: 25 }.len(), 15);
    assert!(Body::Empty.is_empty());
}

/// `ObjectOptions::validate` refuses what Initiate and PutObject would, before any request
/// (docs/bad-input.md), and passes what they accept.
#[test]
fn object_options_are_validated_without_a_request() {
    assert_eq!(ObjectOptions::default().validate("a.txt"), Ok(()));
    let with = |headers: &[(&str, &str)], meta: &[(&str, &str)]| ObjectOptions {
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        meta: meta
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        ..ObjectOptions::default()
    };
    let ok = with(&[("Cache-Control", "no-cache")], &[("owner", "me")]);
    assert_eq!(ok.validate("a.txt"), Ok(()));
    let bad = with(&[("Authorization", "x")], &[]);
    assert_eq!(
        bad.validate("a.txt"),
        initiate_multipart_upload("demo-bucket", "a.txt", &bad).map(|_| ())
    );
    assert!(matches!(
        bad.validate("a.txt"),
        Err(RequestError::ForbiddenHeader { .. })
    ));
    assert!(matches!(
        with(&[], &[("my owner", "me")]).validate("a.txt"),
        Err(RequestError::InvalidMetaName { .. })
    ));
}
