//! The transport: one OSS request as one `XMLHttpRequest`. XHR rather than `fetch` because only
//! XHR reports upload progress; a part's body is the file's `Blob` slice itself, so file bytes
//! are never copied into wasm memory to be sent. Dropping an `Exchange` aborts its request.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Uint8Array};
use oss_resumable_core::request::{Body, Endpoint, Request};
use oss_resumable_core::upload::{Response, TransportError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ProgressEvent, XmlHttpRequest, XmlHttpRequestResponseType};

use crate::file::Source;

/// What an exchange reports, in order: any number of `Progress`, then exactly one `Done`.
pub enum Report {
    Progress(u64),
    Done(Result<Response, TransportError>),
}

/// An in-flight request. Keeps the event handlers alive; aborts the XHR when dropped.
pub struct Exchange {
    xhr: XmlHttpRequest,
    finished: Rc<RefCell<bool>>,
    _handlers: Vec<Closure<dyn FnMut(ProgressEvent)>>,
}

impl Drop for Exchange {
    fn drop(&mut self) {
        // Detach the handlers first: their closures are freed with this struct, and a late
        // event must find no handler rather than a dropped closure.
        self.xhr.set_onload(None);
        self.xhr.set_onerror(None);
        self.xhr.set_ontimeout(None);
        if let Ok(upload) = self.xhr.upload() {
            upload.set_onprogress(None);
        }
        if !*self.finished.borrow() {
            // Ignoring the result: abort() only throws on a request that was never opened.
            let _ = self.xhr.abort();
        }
    }
}

/// Starts `request` against `endpoint`. `on_report` is called from the XHR's event handlers.
/// A request without a response within `timeout_ms` (0 = none) ends as `TransportError::Timeout`.
pub fn send(
    endpoint: &Endpoint,
    request: &Request,
    source: Option<&Source>,
    timeout_ms: u32,
    on_report: impl FnMut(Report) + 'static,
) -> Result<Exchange, TransportError> {
    let xhr = XmlHttpRequest::new().map_err(|_| TransportError::Network)?;
    let url = endpoint.url(request);
    xhr.open(request.method.as_str(), &url)
        .map_err(|_| TransportError::Network)?;
    xhr.set_response_type(XmlHttpRequestResponseType::Arraybuffer);
    xhr.set_timeout(timeout_ms);
    for (name, value) in &request.headers {
        // The core never produces a header the browser forbids (Date, Host, Content-Length…).
        xhr.set_request_header(name, value)
            .map_err(|_| TransportError::Network)?;
    }

    let on_report = Rc::new(RefCell::new(on_report));
    let finished = Rc::new(RefCell::new(false));
    let mut handlers: Vec<Closure<dyn FnMut(ProgressEvent)>> = Vec::new();

    let progress = {
        let on_report = on_report.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            (on_report.borrow_mut())(Report::Progress(e.loaded() as u64));
        })
    };
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    handlers.push(progress);

    let done = {
        let on_report = on_report.clone();
        let finished = finished.clone();
        let xhr = xhr.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if std::mem::replace(&mut *finished.borrow_mut(), true) {
                return;
            }
            let result = match e.type_().as_str() {
                "load" => Ok(read_response(&xhr)),
                "timeout" => Err(TransportError::Timeout),
                // "error": network failure, refused connection, failed CORS preflight, or a
                // file-backed body that changed on disk; "abort": only after our own abort().
                _ => Err(TransportError::Network),
            };
            (on_report.borrow_mut())(Report::Done(result));
        })
    };
    xhr.set_onload(Some(done.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(done.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(done.as_ref().unchecked_ref()));
    handlers.push(done);

    let sent = match &request.body {
        Body::Empty => xhr.send(),
        Body::Bytes(bytes) => {
            let array = Uint8Array::from(bytes.as_slice());
            xhr.send_with_opt_buffer_source(Some(&array))
        }
        Body::FileRange { start, end } => {
            let slice = source
                .ok_or(TransportError::FileUnreadable)?
                .slice(*start, *end)
                .map_err(|_| TransportError::FileUnreadable)?;
            xhr.send_with_opt_blob(Some(&slice))
        }
    };
    sent.map_err(|_| TransportError::Network)?;
    Ok(Exchange {
        xhr,
        finished,
        _handlers: handlers,
    })
}

/// Status, the response headers CORS lets us read (lowercase names), and the body bytes.
fn read_response(xhr: &XmlHttpRequest) -> Response {
    let status = xhr.status().unwrap_or(0);
    let headers = xhr
        .get_all_response_headers()
        .map(|raw| parse_headers(&raw))
        .unwrap_or_default();
    let body = xhr
        .response()
        .ok()
        .and_then(|v| v.dyn_into::<ArrayBuffer>().ok())
        .map(|buf| Uint8Array::new(&buf).to_vec())
        .unwrap_or_default();
    Response {
        status,
        headers,
        body,
    }
}

/// `getAllResponseHeaders()` lists only the headers CORS exposes, as `name: value` CRLF lines.
fn parse_headers(raw: &str) -> Vec<(String, String)> {
    raw.split("\r\n")
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect()
}
