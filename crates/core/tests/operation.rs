//! `operation`: OSS's names round-trip, and `classify` reads every request builder's output back
//! into the operation it was built for (docs/protocol.md §4).

use oss_resumable_core::operation::{classify, Classified, Operation, UnknownOperation};
use oss_resumable_core::request::{self, ListMultipartUploadsParams, Method, ObjectOptions};

const BUCKET: &str = "examplebucket";
const KEY: &str = "dir/video 1.bin";
const UPLOAD_ID: &str = "0004B9895DBBB6EC98E36";

#[test]
fn names_are_oss_names_and_parse_back() {
    let names: Vec<&str> = Operation::ALL.iter().map(|op| op.as_str()).collect();
    assert_eq!(
        names,
        [
            "PutObject",
            "HeadObject",
            "InitiateMultipartUpload",
            "UploadPart",
            "ListParts",
            "CompleteMultipartUpload",
            "AbortMultipartUpload",
            "ListMultipartUploads",
        ]
    );
    for op in Operation::ALL {
        assert_eq!(op.as_str().parse::<Operation>(), Ok(op));
        assert_eq!(op.to_string(), op.as_str());
    }
    for bad in ["uploadPart", "UploadPart ", "", "GetObject"] {
        assert_eq!(
            bad.parse::<Operation>(),
            Err(UnknownOperation(bad.to_owned())),
            "{bad:?}"
        );
    }
}

fn of(op: Operation) -> Option<Classified> {
    Some(Classified {
        operation: op,
        part_number: None,
    })
}

#[test]
fn every_builder_is_classified_as_its_operation() {
    let opts = ObjectOptions::default();
    let built = [
        (
            request::put_object(BUCKET, KEY, 0, 10, &opts),
            of(Operation::PutObject),
        ),
        (request::head_object(BUCKET, KEY), of(Operation::HeadObject)),
        (
            request::initiate_multipart_upload(BUCKET, KEY, &opts),
            of(Operation::InitiateMultipartUpload),
        ),
        (
            request::upload_part(BUCKET, KEY, UPLOAD_ID, 7, 0, 10),
            Some(Classified {
                operation: Operation::UploadPart,
                part_number: Some(7),
            }),
        ),
        (
            request::list_parts(BUCKET, KEY, UPLOAD_ID, None, None),
            of(Operation::ListParts),
        ),
        (
            request::list_parts(BUCKET, KEY, UPLOAD_ID, Some(3), Some(1000)),
            of(Operation::ListParts),
        ),
        (
            request::complete_multipart_upload(
                BUCKET,
                KEY,
                UPLOAD_ID,
                &[(1, "\"ETAG\"".to_owned())],
                true,
            ),
            of(Operation::CompleteMultipartUpload),
        ),
        (
            request::abort_multipart_upload(BUCKET, KEY, UPLOAD_ID),
            of(Operation::AbortMultipartUpload),
        ),
        (
            request::list_multipart_uploads(BUCKET, &ListMultipartUploadsParams::default()),
            of(Operation::ListMultipartUploads),
        ),
    ];
    for (request, expected) in built {
        let request = request.expect("builds");
        assert_eq!(classify(&request), expected, "{request:?}");
    }
}

#[test]
fn requests_no_builder_makes_are_not_classified() {
    let mut get = request::head_object(BUCKET, KEY).expect("builds");
    get.method = Method::Get;
    assert_eq!(classify(&get), None, "GetObject");
    let mut delete = request::head_object(BUCKET, KEY).expect("builds");
    delete.method = Method::Delete;
    assert_eq!(classify(&delete), None, "DeleteObject");
    let mut list_objects =
        request::list_multipart_uploads(BUCKET, &ListMultipartUploadsParams::default())
            .expect("builds");
    list_objects.query.clear();
    assert_eq!(classify(&list_objects), None, "ListObjects");
}

#[test]
fn a_part_number_is_read_only_for_upload_part() {
    // An UploadPart whose partNumber is garbled is still an UploadPart, with no number.
    let mut part = request::upload_part(BUCKET, KEY, UPLOAD_ID, 7, 0, 10).expect("builds");
    part.query[0].1 = Some("seven".to_owned());
    assert_eq!(
        classify(&part),
        Some(Classified {
            operation: Operation::UploadPart,
            part_number: None,
        })
    );
    // A partNumber on a ListParts is not a part number of the request.
    let mut list = request::list_parts(BUCKET, KEY, UPLOAD_ID, None, None).expect("builds");
    list.query
        .push(("partNumber".to_owned(), Some("2".to_owned())));
    assert_eq!(classify(&list), of(Operation::ListParts));
}
