//! OSS XML bodies: fixtures written after the examples in docs/protocol.md §4 and §5 (which follow
//! Alibaba's docs and the go-v2 structs), round trips, and garbage/truncation/size properties.

use oss_resumable_core::xml::{
    parse, parse_error_header, parse_oss_time_ms, to_xml, url_encode, CompleteMultipartUpload,
    CompleteMultipartUploadResult, CompletePart, InitiateMultipartUploadResult,
    ListMultipartUploadsResult, ListPartsResult, OssErrorBody, OssXml, Part, Upload, XmlError,
    MAX_BODY_LEN,
};
use proptest::prelude::*;

const INITIATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <Bucket>oss-example</Bucket>
    <Key>multipart.data</Key>
    <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
</InitiateMultipartUploadResult>"#;

const INITIATE_URL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult>
  <Bucket>oss-example</Bucket>
  <Key>dir%2F%E4%B8%AD%E6%96%87%20name%2Bplus.bin</Key>
  <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
  <EncodingType>url</EncodingType>
</InitiateMultipartUploadResult>"#;

const COMPLETE_RESULT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
  <Location>http://oss-example.oss-cn-hangzhou.aliyuncs.com/multipart.data</Location>
  <Bucket>oss-example</Bucket>
  <Key>multipart.data</Key>
  <ETag>"B864DB6A936D376F9F8D3ED3BBE540DD-3"</ETag>
</CompleteMultipartUploadResult>"#;

const LIST_PARTS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <Bucket>multipart_upload</Bucket>
    <Key>multipart.data</Key>
    <UploadId>0004B999EF5A239BB9138C6227D69F95</UploadId>
    <StorageClass>Standard</StorageClass>
    <PartNumberMarker>0</PartNumberMarker>
    <NextPartNumberMarker>5</NextPartNumberMarker>
    <MaxParts>1000</MaxParts>
    <IsTruncated>false</IsTruncated>
    <Part>
        <PartNumber>1</PartNumber>
        <LastModified>2012-02-23T07:01:34.000Z</LastModified>
        <ETag>"3349DC700140D7F86A0784842780ABCD"</ETag>
        <HashCrc64ecma>11051210869376104954</HashCrc64ecma>
        <Size>6291456</Size>
    </Part>
    <Part>
        <PartNumber>2</PartNumber>
        <LastModified>2012-02-23T07:01:12.000Z</LastModified>
        <ETag>&quot;3349DC700140D7F86A0784842780ABCD&quot;</ETag>
        <Size>6291456</Size>
    </Part>
    <Part>
        <PartNumber>5</PartNumber>
        <LastModified>2012-02-23T07:02:03.000Z</LastModified>
        <ETag>"7265F4D211B56873A381D321F586E4A9"</ETag>
        <HashCrc64ecma>2871916124362751090</HashCrc64ecma>
        <Size>1024</Size>
    </Part>
</ListPartsResult>"#;

const LIST_PARTS_EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult>
  <Bucket>b</Bucket><Key>k%20k</Key><UploadId>U</UploadId>
  <PartNumberMarker></PartNumberMarker><NextPartNumberMarker/><MaxParts>1000</MaxParts>
  <IsTruncated>false</IsTruncated><EncodingType>url</EncodingType>
</ListPartsResult>"#;

const LIST_UPLOADS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <EncodingType>url</EncodingType>
    <Bucket>oss-example</Bucket>
    <KeyMarker></KeyMarker>
    <UploadIdMarker></UploadIdMarker>
    <NextKeyMarker>oss.avi</NextKeyMarker>
    <NextUploadIdMarker>0004B99B8E707874FC2D692FA5D77D3F</NextUploadIdMarker>
    <Delimiter></Delimiter>
    <Prefix>photo%2F</Prefix>
    <MaxUploads>1000</MaxUploads>
    <IsTruncated>false</IsTruncated>
    <Upload>
        <Key>multipart.data</Key>
        <UploadId>0004B999EF518A1FE585B0C9360DC4C8</UploadId>
        <Initiated>2012-02-23T04:18:23.000Z</Initiated>
    </Upload>
    <Upload>
        <Key>photo%2Fa%20b.jpg</Key>
        <UploadId>0004B999EF5A239BB9138C6227D69F95</UploadId>
        <Initiated>2012-02-23T04:18:23.000Z</Initiated>
    </Upload>
</ListMultipartUploadsResult>"#;

const ERROR_INVALID_ARGUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>InvalidArgument</Code>
  <Message>Authorization header is invalid.</Message>
  <RequestId>68C05BB8785D7A3133226E20</RequestId>
  <HostId>example-bucket.oss-cn-hangzhou.aliyuncs.com</HostId>
  <ArgumentName>Authorization</ArgumentName>
  <ArgumentValue>OSS4-HMAC-SHA256 Credential=…</ArgumentValue>
  <EC>0017-00000134</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0017-00000134</RecommendDoc>
</Error>"#;

const ERROR_SKEWED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>RequestTimeTooSkewed</Code>
  <Message>The difference between the request time and the current time is too large.</Message>
  <RequestId>6315563994B1A5383734DAF4</RequestId>
  <HostId>example.oss-cn-shanghai.aliyuncs.com</HostId>
  <MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>
  <RequestTime>2022-09-04T07:11:33.000Z</RequestTime>
  <ServerTime>2022-09-04T08:11:37.000Z</ServerTime>
  <EC>0002-00000504</EC>
</Error>"#;

const ERROR_SIGNATURE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>SignatureDoesNotMatch</Code>
  <Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>
  <RequestId>5C3D9175B6FC201293AD4890</RequestId>
  <HostId>examplebucket.oss-cn-hangzhou.aliyuncs.com</HostId>
  <OSSAccessKeyId>STS.NTZ9mR</OSSAccessKeyId>
  <SignatureProvided>K7fnlUiP9Hy3vMjl4xiTZyaS5XU=</SignatureProvided>
  <StringToSign>PUT

application/octet-stream
Wed, 28 Dec 2022 10:27:41 GMT
x-oss-security-token:CAIS-secret-token
/examplebucket/a.bin?partNumber=1&amp;uploadId=0004</StringToSign>
  <StringToSignBytes>50 55 54 0A </StringToSignBytes>
  <EC>0002-00000040</EC>
</Error>"#;

fn all_fixtures() -> Vec<&'static str> {
    vec![
        INITIATE,
        INITIATE_URL,
        COMPLETE_RESULT,
        LIST_PARTS,
        LIST_PARTS_EMPTY,
        LIST_UPLOADS,
        ERROR_INVALID_ARGUMENT,
        ERROR_SKEWED,
        ERROR_SIGNATURE,
    ]
}

#[test]
fn initiate_result() {
    let r: InitiateMultipartUploadResult = parse(INITIATE.as_bytes()).unwrap();
    assert_eq!(r.bucket, "oss-example");
    assert_eq!(r.key, "multipart.data");
    assert_eq!(r.upload_id, "0004B9894A22E5B1888A1E29F8236E2D");
    assert_eq!(r.encoding_type, None);
}

#[test]
fn initiate_result_url_encoded_key_is_decoded() {
    let r: InitiateMultipartUploadResult = parse(INITIATE_URL.as_bytes()).unwrap();
    // %20 is a space, %2B a plus; a literal '+' would stay '+'.
    assert_eq!(r.key, "dir/中文 name+plus.bin");
}

#[test]
fn a_url_encoded_body_is_written_encoded_and_parses_back_to_any_key() {
    let key = "a b+c/中文?&=%#~.-_";
    let body = InitiateMultipartUploadResult {
        bucket: "b".into(),
        key: key.into(),
        upload_id: "u".into(),
        encoding_type: Some("url".into()),
    };
    let xml = to_xml(&body);
    assert!(
        xml.contains(&format!("<Key>{}</Key>", url_encode(key))),
        "{xml}"
    );
    let back: InitiateMultipartUploadResult = parse(xml.as_bytes()).unwrap();
    assert_eq!(back, body);
}

#[test]
fn a_decoded_key_holding_percent_sequences_round_trips() {
    // `%2541` is read as the key `%41`; written back raw under <EncodingType>url it was read as
    // `A` (and `%%66…` as invalid UTF-8). The writer now encodes the fields OSS encodes. Found by
    // the xml_responses fuzz target (fuzz/corpus/xml_responses/crash-url-field-written-raw).
    let body = "<ListMultipartUploadsResult><EncodingType>url</EncodingType><Bucket>b</Bucket>\
                <NextKeyMarker>%2541%25%25f6</NextKeyMarker><Prefix>p%2525</Prefix>\
                <Upload><Key>k%2541</Key><UploadId>U</UploadId><Initiated>x</Initiated></Upload>\
                <CommonPrefixes><Prefix>d%25/</Prefix></CommonPrefixes>\
                </ListMultipartUploadsResult>";
    let r: ListMultipartUploadsResult = parse(body.as_bytes()).unwrap();
    assert_eq!(r.next_key_marker, "%41%%f6");
    assert_eq!(r.prefix, "p%25");
    assert_eq!(r.uploads[0].key, "k%41");
    assert_eq!(r.common_prefixes[0].prefix, "d%/");
    let again: ListMultipartUploadsResult = parse(to_xml(&r).as_bytes()).unwrap();
    assert_eq!(again, r);
}

#[test]
fn complete_result_keeps_etag_quotes() {
    let r: CompleteMultipartUploadResult = parse(COMPLETE_RESULT.as_bytes()).unwrap();
    assert_eq!(r.etag, "\"B864DB6A936D376F9F8D3ED3BBE540DD-3\"");
    assert_eq!(
        r.location,
        "http://oss-example.oss-cn-hangzhou.aliyuncs.com/multipart.data"
    );
    assert_eq!(r.key, "multipart.data");
}

#[test]
fn list_parts() {
    let r: ListPartsResult = parse(LIST_PARTS.as_bytes()).unwrap();
    assert_eq!(r.upload_id, "0004B999EF5A239BB9138C6227D69F95");
    assert_eq!(r.storage_class.as_deref(), Some("Standard"));
    assert_eq!(
        (r.part_number_marker, r.next_part_number_marker, r.max_parts),
        (0, 5, 1000)
    );
    assert!(!r.is_truncated);
    assert_eq!(r.parts.len(), 3);
    assert_eq!(
        r.parts[0],
        Part {
            part_number: 1,
            last_modified: "2012-02-23T07:01:34.000Z".into(),
            etag: "\"3349DC700140D7F86A0784842780ABCD\"".into(),
            hash_crc64ecma: Some(11_051_210_869_376_104_954),
            size: 6_291_456,
        }
    );
    // `&quot;` and a literal quote read the same; a missing CRC is None, not 0.
    assert_eq!(r.parts[1].etag, r.parts[0].etag);
    assert_eq!(r.parts[1].hash_crc64ecma, None);
    assert_eq!(r.parts[2].part_number, 5);
    assert_eq!(r.parts[2].size, 1024);
}

#[test]
fn list_parts_empty_page_with_empty_markers() {
    let r: ListPartsResult = parse(LIST_PARTS_EMPTY.as_bytes()).unwrap();
    assert!(r.parts.is_empty());
    assert_eq!(r.part_number_marker, 0);
    assert_eq!(r.next_part_number_marker, 0);
    assert_eq!(r.key, "k k");
}

#[test]
fn list_multipart_uploads() {
    let r: ListMultipartUploadsResult = parse(LIST_UPLOADS.as_bytes()).unwrap();
    assert_eq!(r.bucket, "oss-example");
    assert_eq!(r.prefix, "photo/");
    assert_eq!(r.next_key_marker, "oss.avi");
    assert_eq!(r.max_uploads, 1000);
    assert_eq!(
        r.uploads,
        vec![
            Upload {
                key: "multipart.data".into(),
                upload_id: "0004B999EF518A1FE585B0C9360DC4C8".into(),
                initiated: "2012-02-23T04:18:23.000Z".into(),
            },
            Upload {
                key: "photo/a b.jpg".into(),
                upload_id: "0004B999EF5A239BB9138C6227D69F95".into(),
                initiated: "2012-02-23T04:18:23.000Z".into(),
            },
        ]
    );
}

#[test]
fn error_body_with_operation_fields() {
    let e: OssErrorBody = parse(ERROR_INVALID_ARGUMENT.as_bytes()).unwrap();
    assert_eq!(e.code, "InvalidArgument");
    assert_eq!(e.request_id.as_deref(), Some("68C05BB8785D7A3133226E20"));
    assert_eq!(e.ec.as_deref(), Some("0017-00000134"));
    assert_eq!(e.argument_name.as_deref(), Some("Authorization"));
    assert_eq!(e.server_time_ms(), None);
}

#[test]
fn error_body_skew_gives_server_time() {
    let e: OssErrorBody = parse(ERROR_SKEWED.as_bytes()).unwrap();
    assert_eq!(e.code, "RequestTimeTooSkewed");
    assert_eq!(e.max_allowed_skew_milliseconds, Some(900_000));
    // 2022-09-04T08:11:37Z
    assert_eq!(e.server_time_ms(), Some(1_662_279_097_000));
    assert_eq!(
        parse_oss_time_ms(e.request_time.as_deref().unwrap()),
        Some(1_662_275_493_000)
    );
}

#[test]
fn error_body_signature_mismatch_debug_hides_string_to_sign() {
    let e: OssErrorBody = parse(ERROR_SIGNATURE.as_bytes()).unwrap();
    assert_eq!(e.code, "SignatureDoesNotMatch");
    assert_eq!(e.oss_access_key_id.as_deref(), Some("STS.NTZ9mR"));
    let sts = e.string_to_sign.as_deref().unwrap();
    assert!(sts.contains("partNumber=1&uploadId=0004"));
    assert!(sts.starts_with("PUT\n\n"));
    let dbg = format!("{e:?}");
    assert!(!dbg.contains("CAIS"), "{dbg}");
    assert!(dbg.contains("SignatureDoesNotMatch"));
}

#[test]
fn error_header_of_head_response() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(ERROR_SKEWED);
    let e = parse_error_header(&b64).unwrap();
    assert_eq!(e.code, "RequestTimeTooSkewed");
    let unpadded = b64.trim_end_matches('=');
    assert_eq!(parse_error_header(unpadded).unwrap(), e);
    assert_eq!(parse_error_header("not base64!"), None);
    let not_error = base64::engine::general_purpose::STANDARD.encode(INITIATE);
    assert_eq!(parse_error_header(&not_error), None);
}

#[test]
fn complete_body_matches_the_shared_vector_semantics() {
    let body = CompleteMultipartUpload::new(vec![
        CompletePart {
            part_number: 3,
            etag: "\"8C315065167132444177411FDA149B02\"".into(),
        },
        CompletePart {
            part_number: 1,
            etag: "\"stale\"".into(),
        },
        CompletePart {
            part_number: 2,
            etag: "\"8EFDA8BE206636A695359836FE0AEF01\"".into(),
        },
        CompletePart {
            part_number: 1,
            etag: "\"3349DC700140D7F86A0784842780ABCD\"".into(),
        },
    ]);
    let xml = to_xml(&body);
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload>")
    );
    assert!(
        xml.contains("<ETag>\"3349DC700140D7F86A0784842780ABCD\"</ETag>"),
        "{xml}"
    );
    assert!(!xml.contains("stale"));
    // The shared vector body, whitespace and all, parses to the same value.
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/oss-sign-vectors.json")).unwrap();
    let shared = vectors["fixed"]["complete_body"].as_str().unwrap();
    let parsed: CompleteMultipartUpload = parse(shared.as_bytes()).unwrap();
    assert_eq!(parsed, body);
    let numbers: Vec<u32> = parsed.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 2, 3]);
}

fn round_trip<T: OssXml + PartialEq + std::fmt::Debug>(fixture: &str) {
    let value: T = parse(fixture.as_bytes()).unwrap();
    let xml = to_xml(&value);
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
    // Decoded keys in these fixtures hold no '%', so a second decoding is the identity.
    let back: T = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert_eq!(back, value, "{xml}");
}

#[test]
fn every_type_round_trips() {
    round_trip::<InitiateMultipartUploadResult>(INITIATE);
    round_trip::<InitiateMultipartUploadResult>(INITIATE_URL);
    round_trip::<CompleteMultipartUploadResult>(COMPLETE_RESULT);
    round_trip::<ListPartsResult>(LIST_PARTS);
    round_trip::<ListPartsResult>(LIST_PARTS_EMPTY);
    round_trip::<ListMultipartUploadsResult>(LIST_UPLOADS);
    round_trip::<OssErrorBody>(ERROR_INVALID_ARGUMENT);
    round_trip::<OssErrorBody>(ERROR_SKEWED);
    round_trip::<OssErrorBody>(ERROR_SIGNATURE);
    let complete = CompleteMultipartUpload::new(vec![CompletePart {
        part_number: 7,
        etag: "\"A<&>\"".into(),
    }]);
    let back: CompleteMultipartUpload = parse(to_xml(&complete).as_bytes()).unwrap();
    assert_eq!(back, complete);
}

#[test]
fn dev_server_error_body_round_trips() {
    let e = OssErrorBody::new("NoSuchUpload", "The specified upload does not exist.");
    let xml = to_xml(&e);
    assert!(xml.contains("<Error><Code>NoSuchUpload</Code>"), "{xml}");
    assert_eq!(parse::<OssErrorBody>(xml.as_bytes()).unwrap(), e);
}

#[test]
fn error_elements_set_by_name_fill_fields_or_stay_in_order_after_them() {
    let mut e = OssErrorBody::new("EntityTooSmall", "Your proposed upload is too small.");
    e.set("PartNumber", "1");
    e.set("ProposedSize", "5");
    e.set("MinSizeAllowed", "102400");
    e.set("MaxAllowedSkewMilliseconds", "900000");
    assert_eq!(e.part_number.as_deref(), Some("1"));
    assert_eq!(e.max_allowed_skew_milliseconds, Some(900_000));
    let other = [("ProposedSize", "5"), ("MinSizeAllowed", "102400")];
    let other: Vec<(String, String)> = other.map(|(n, v)| (n.into(), v.into())).into();
    assert_eq!(e.other, other);
    let xml = to_xml(&e);
    assert!(
        xml.ends_with(
            "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>\
             <ProposedSize>5</ProposedSize><MinSizeAllowed>102400</MinSizeAllowed></Error>"
        ),
        "{xml}"
    );
    assert_eq!(parse::<OssErrorBody>(xml.as_bytes()).unwrap(), e);
    // A real body's unnamed elements are kept, in document order.
    let real: OssErrorBody = parse(
        b"<Error><Code>NoSuchKey</Code><Key>a &amp; b</Key><RequestId>R</RequestId>\
          <EC>0026-00000001</EC><Key>again</Key></Error>",
    )
    .unwrap();
    assert_eq!(real.request_id.as_deref(), Some("R"));
    assert_eq!(
        real.other,
        vec![
            ("Key".to_string(), "a & b".to_string()),
            ("Key".to_string(), "again".to_string())
        ]
    );
}

#[test]
fn wrong_root_is_a_typed_error() {
    let err = parse::<ListPartsResult>(INITIATE.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        XmlError::WrongRoot {
            expected: "ListPartsResult",
            found: "InitiateMultipartUploadResult".into()
        }
    );
    // An <Error> body where a result was expected is also a wrong root.
    assert!(matches!(
        parse::<CompleteMultipartUploadResult>(ERROR_SKEWED.as_bytes()),
        Err(XmlError::WrongRoot { .. })
    ));
}

#[test]
fn bad_bodies_are_typed_errors() {
    assert_eq!(parse::<OssErrorBody>(b""), Err(XmlError::Empty));
    assert_eq!(parse::<OssErrorBody>(b"   \n"), Err(XmlError::Empty));
    assert_eq!(
        parse::<OssErrorBody>(b"<Error><Code>\xff</Code></Error>"),
        Err(XmlError::NotUtf8)
    );
    assert!(matches!(
        parse::<OssErrorBody>(b"<html><body>502 Bad Gateway</body></html>"),
        Err(XmlError::WrongRoot { .. })
    ));
    assert!(matches!(
        parse::<OssErrorBody>(b"<Error><Message>no code</Message></Error>"),
        Err(XmlError::Shape { .. })
    ));
    assert!(matches!(
        parse::<ListPartsResult>(
            LIST_PARTS
                .replace("<Size>1024</Size>", "<Size>-1</Size>")
                .as_bytes()
        ),
        Err(XmlError::Shape { .. })
    ));
    assert!(matches!(
        parse::<OssErrorBody>(b"<Error><Code>X</Code></Error><Error><Code>Y</Code></Error>"),
        Err(XmlError::Malformed(_))
    ));
    assert!(matches!(
        parse::<OssErrorBody>(b"<Error><Code>X</Code></Error>trailing"),
        Err(XmlError::Malformed(_))
    ));
    assert!(matches!(
        parse::<OssErrorBody>(
            b"<!DOCTYPE Error [<!ENTITY a \"aaaa\">]><Error><Code>&a;</Code></Error>"
        ),
        Err(XmlError::Malformed(_))
    ));
    assert!(matches!(
        parse::<OssErrorBody>(b"<Error><Code>X</Cod></Error>"),
        Err(XmlError::Malformed(_))
    ));
    assert!(matches!(
        parse::<InitiateMultipartUploadResult>(
            INITIATE_URL.replace("%E4%B8%AD", "%E4%B8").as_bytes()
        ),
        Err(XmlError::BadUrlEncoding { .. })
    ));
}

#[test]
fn oversized_body_is_rejected_before_parsing() {
    let mut big = String::from("<Error><Code>X</Code><Message>");
    big.push_str(&"a".repeat(MAX_BODY_LEN));
    big.push_str("</Message></Error>");
    assert!(matches!(
        parse::<OssErrorBody>(big.as_bytes()),
        Err(XmlError::TooLarge { .. })
    ));
}

#[test]
fn every_strict_prefix_of_every_fixture_is_rejected() {
    for fixture in all_fixtures() {
        let bytes = fixture.as_bytes();
        // The document ends at the root's closing tag; any shorter prefix must fail.
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            let ok = match parse_any(prefix) {
                Ok(()) => true,
                Err(_) => false,
            };
            assert!(
                !ok,
                "prefix of {} bytes accepted: {:?}",
                cut,
                String::from_utf8_lossy(prefix)
            );
        }
    }
}

/// Tries every body type; Ok if any accepts the bytes.
fn parse_any(bytes: &[u8]) -> Result<(), ()> {
    let attempts = [
        parse::<InitiateMultipartUploadResult>(bytes).is_ok(),
        parse::<CompleteMultipartUpload>(bytes).is_ok(),
        parse::<CompleteMultipartUploadResult>(bytes).is_ok(),
        parse::<ListPartsResult>(bytes).is_ok(),
        parse::<ListMultipartUploadsResult>(bytes).is_ok(),
        parse::<OssErrorBody>(bytes).is_ok(),
    ];
    if attempts.iter().any(|&a| a) {
        Ok(())
    } else {
        Err(())
    }
}

#[test]
fn oss_time_parsing() {
    assert_eq!(parse_oss_time_ms("1970-01-01T00:00:00.000Z"), Some(0));
    assert_eq!(parse_oss_time_ms("1970-01-01T00:00:01Z"), Some(1000));
    assert_eq!(
        parse_oss_time_ms("2000-03-01T00:00:00.5Z"),
        Some(951_868_800_500)
    );
    assert_eq!(
        parse_oss_time_ms("2024-02-29T23:59:59.999Z"),
        Some(1_709_251_199_999)
    );
    for bad in [
        "",
        "2022-09-04 08:11:37Z",
        "2022-09-04T08:11:37",
        "2022-13-04T08:11:37Z",
        "2022-09-04T08:11:37.Z",
        "0000-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "２022-09-04T08:11:37Z",
    ] {
        assert_eq!(parse_oss_time_ms(bad), None, "{bad:?}");
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_any(&bytes);
        let _ = parse_error_header(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_xmlish_text_never_panics(s in "[<>/a-zA-Z0-9 \"&;#x%!?=\\-\\[\\]]{0,300}") {
        let _ = parse_any(s.as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..9,
        cut in any::<proptest::sample::Index>(),
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut bytes = all_fixtures()[which].as_bytes().to_vec();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let end = cut.index(bytes.len() + 1);
        let _ = parse_any(&bytes[..end]);
    }

    #[test]
    fn oss_time_never_panics(s in "\\PC{0,30}") {
        let _ = parse_oss_time_ms(&s);
    }
}

#[test]
fn deeply_nested_bodies_are_refused_up_front() {
    let depth = (MAX_BODY_LEN - 100) / 7;
    let nested = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    for body in [
        format!("<Error><Code>X</Code>{nested}</Error>"),
        format!("<Error><Code>{nested}</Code></Error>"),
        format!("<ListPartsResult><Part>{nested}</Part></ListPartsResult>"),
    ] {
        assert!(body.len() <= MAX_BODY_LEN);
        assert!(matches!(
            parse::<OssErrorBody>(body.as_bytes()),
            Err(XmlError::Malformed(_))
        ));
    }
    // Nesting a few levels below the root, as OSS's own bodies do, is fine.
    let ok = "<Error><Code>X</Code><Detail><A><B><C>1</C></B></A></Detail></Error>";
    assert_eq!(parse::<OssErrorBody>(ok.as_bytes()).unwrap().code, "X");
}

// What a hand-written parser most easily gets wrong (the module has no XML crate under it).

#[test]
fn entities_character_references_and_cdata_are_resolved() {
    let body = r#"<?xml version="1.0"?>
<InitiateMultipartUploadResult>
  <Bucket>a&amp;b&lt;c&gt;d&quot;e&apos;f</Bucket>
  <Key>&#x4E2D;&#25991;&#x1F600;<![CDATA[ <raw> & ]]>tail</Key>
  <UploadId><![CDATA[  spaced  ]]></UploadId>
</InitiateMultipartUploadResult>"#;
    let r: InitiateMultipartUploadResult = parse(body.as_bytes()).unwrap();
    assert_eq!(r.bucket, "a&b<c>d\"e'f");
    assert_eq!(r.key, "中文😀 <raw> & tail");
    // CDATA is content: its whitespace is kept, unlike the indentation around elements.
    assert_eq!(r.upload_id, "  spaced  ");
    for bad in [
        "&bogus;",
        "&#0;",
        "&#xD800;",
        "&#x110000;",
        "&#xZZ;",
        "&amp",
        "& b",
    ] {
        let body = format!("<Error><Code>a{bad}</Code></Error>");
        assert!(
            matches!(
                parse::<OssErrorBody>(body.as_bytes()),
                Err(XmlError::Malformed(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn line_ends_are_normalized_and_carriage_returns_round_trip() {
    let e: OssErrorBody =
        parse(b"<Error>\r\n<Code>C</Code><Message>a\r\nb\rc</Message></Error>").unwrap();
    assert_eq!(e.message.as_deref(), Some("a\nb\nc"));
    let e = OssErrorBody::new("C", "one\r\ntwo");
    assert_eq!(parse::<OssErrorBody>(to_xml(&e).as_bytes()).unwrap(), e);
}

#[test]
fn attributes_namespaces_comments_and_prefixes_are_accepted() {
    let body = r#"<?xml version='1.0' encoding='UTF-8'?>
<!-- a proxy's comment -->
<oss:Error xmlns:oss="http://doc.oss-cn-hangzhou.aliyuncs.com" note='a > b' other = "x">
  <?pi inside?>
  <oss:Code lang="en">NoSuchUpload</oss:Code><!-- between -->
  <Message>gone</Message >
</oss:Error>
<!-- after -->
"#;
    let e: OssErrorBody = parse(body.as_bytes()).unwrap();
    assert_eq!(e.code, "NoSuchUpload");
    assert_eq!(e.message.as_deref(), Some("gone"));
}

#[test]
fn unknown_elements_are_ignored_at_any_depth() {
    let body = LIST_PARTS.replace(
        "<IsTruncated>",
        "<Owner><ID>1</ID><DisplayName><Deeper>x</Deeper></DisplayName></Owner><Empty/><IsTruncated>",
    );
    let r: ListPartsResult = parse(body.as_bytes()).unwrap();
    assert_eq!(r, parse::<ListPartsResult>(LIST_PARTS.as_bytes()).unwrap());
    let body = LIST_PARTS.replace(
        "<Size>1024</Size>",
        "<Size>1024</Size><Future><A/></Future>",
    );
    assert_eq!(
        parse::<ListPartsResult>(body.as_bytes()).unwrap().parts[2].size,
        1024
    );
}

#[test]
fn shape_errors_say_what_is_missing_or_wrong() {
    let reason = |body: &str| match parse::<ListPartsResult>(body.as_bytes()) {
        Err(XmlError::Shape { root, reason }) => {
            assert_eq!(root, "ListPartsResult");
            reason
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason(&LIST_PARTS.replace("<UploadId>0004B999EF5A239BB9138C6227D69F95</UploadId>", "")),
        "<ListPartsResult> has no <UploadId>"
    );
    assert_eq!(
        reason(&LIST_PARTS.replace("<Size>1024</Size>", "")),
        "<Part> has no <Size>"
    );
    assert_eq!(
        reason(&LIST_PARTS.replace("<Size>1024</Size>", "<Size>1k</Size>")),
        "<Size> is not a number up to 18446744073709551615: \"1k\""
    );
    assert_eq!(
        reason(&LIST_PARTS.replace(
            "<PartNumber>5</PartNumber>",
            "<PartNumber>4294967296</PartNumber>"
        )),
        "<PartNumber> is not a number up to 4294967295: \"4294967296\""
    );
    assert_eq!(
        reason(&LIST_PARTS.replace("<IsTruncated>false", "<IsTruncated>maybe")),
        "<IsTruncated> is not true or false: \"maybe\""
    );
    assert_eq!(
        reason(&LIST_PARTS.replace("<Bucket>", "<Bucket>x</Bucket><Bucket>")),
        "<ListPartsResult> has more than one <Bucket>"
    );
    assert_eq!(
        reason(&LIST_PARTS.replace("<Key>multipart.data</Key>", "<Key><a>k</a></Key>")),
        "<Key> holds elements where text belongs"
    );
    let msg = XmlError::Shape {
        root: "Error",
        reason: "<Error> has no <Code>".into(),
    }
    .to_string();
    assert_eq!(msg, "XML body does not fit <Error>: <Error> has no <Code>");
}

#[test]
fn malformed_bodies_say_where() {
    let err = parse::<OssErrorBody>(b"<Error><Code>X</Cod></Error>").unwrap_err();
    assert_eq!(
        err.to_string(),
        "XML body is malformed: expected </Code>, found </Cod> (at byte 14)"
    );
    for (body, why) in [
        (&b"<Error><Code>X</Code>"[..], "document is truncated"),
        (
            b"<Error><Code>X</Code></Error></Error>",
            "unbalanced end tag",
        ),
        (
            b"<Error><Code>X</Code></Error><Error/>",
            "more than one root element",
        ),
        (
            b"x<Error><Code>X</Code></Error>",
            "text outside the root element",
        ),
        (
            b"<![CDATA[x]]><Error><Code>X</Code></Error>",
            "text outside the root element",
        ),
        (b"<1Error><Code>X</Code></1Error>", "invalid tag name"),
        (
            b"<Error a=b><Code>X</Code></Error>",
            "attribute value without quotes",
        ),
        (
            b"<Error a=\"<\"><Code>X</Code></Error>",
            "`<` in an attribute value",
        ),
        (
            b"<Error><!ELEMENT x><Code>X</Code></Error>",
            "unknown markup `<!`",
        ),
        (b"<Error><Code>X</Code></Error junk>", "junk in an end tag"),
    ] {
        match parse::<OssErrorBody>(body) {
            Err(XmlError::Malformed(m)) => assert!(m.starts_with(why), "{m} / {why}"),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[test]
fn written_text_is_escaped_and_reads_back() {
    let key = "a<b>&c\"d'e]]>f &amp; \u{1F600}";
    let body = InitiateMultipartUploadResult {
        bucket: "b".into(),
        key: key.into(),
        upload_id: "u".into(),
        encoding_type: None,
    };
    let xml = to_xml(&body);
    assert!(
        xml.contains("<Key>a&lt;b&gt;&amp;c\"d'e]]&gt;f &amp;amp; \u{1F600}</Key>"),
        "{xml}"
    );
    assert_eq!(
        parse::<InitiateMultipartUploadResult>(xml.as_bytes()).unwrap(),
        body
    );
}

#[test]
fn a_byte_order_mark_and_an_empty_root_are_accepted() {
    let mut body = "\u{FEFF}".as_bytes().to_vec();
    body.extend_from_slice(b"<CompleteMultipartUpload/>");
    let parsed: CompleteMultipartUpload = parse(&body).unwrap();
    assert!(parsed.parts.is_empty());
}

#[test]
fn a_leaf_text_is_kept_as_written_and_indentation_is_not() {
    // OSS writes an object key as it is, spaces included; the indentation around elements is
    // not content. Found by the xml_responses fuzz target's round-trip oracle.
    let body = "<ListMultipartUploadsResult>\n  <Bucket>b</Bucket>\n  <Upload>\n    <Key> a b </Key>\n    \
                <UploadId>U</UploadId>\n    <Initiated>2026-01-01T00:00:00.000Z</Initiated>\n  </Upload>\n\
                </ListMultipartUploadsResult>";
    let r: ListMultipartUploadsResult = parse(body.as_bytes()).unwrap();
    assert_eq!(r.uploads[0].key, " a b ");
    assert_eq!(r.bucket, "b");
    let again: ListMultipartUploadsResult = parse(to_xml(&r).as_bytes()).unwrap();
    assert_eq!(again, r);
}

#[test]
fn a_tag_name_with_an_empty_prefix_or_local_part_is_malformed() {
    // `<:/>` was read as an element with an empty local name, kept among an error body's other
    // elements and written back as `<></>`, which does not parse. Found by the xml_responses
    // fuzz target's round-trip oracle (fuzz/corpus/xml_responses/crash-empty-local-name).
    for body in [
        "<Error><Code>X</Code><:/></Error>",
        "<Error><Code>X</Code><oss:></oss:></Error>",
        "<:Error><Code>X</Code></:Error>",
    ] {
        assert!(
            matches!(
                parse::<OssErrorBody>(body.as_bytes()),
                Err(XmlError::Malformed(_))
            ),
            "{body}"
        );
    }
    let e: OssErrorBody = parse(b"<oss:Error><oss:Code>X</oss:Code></oss:Error>").unwrap();
    assert_eq!(e.code, "X");
}
