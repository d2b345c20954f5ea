//! Credentials from the page: a fixed `StsCredentials` object, an async provider function
//! (typically a call to the app's STS token broker), or an access key id with a signer on the
//! app's server (`{accessKeyId, securityToken?, signer}`: no secret in the page). Calls to the provider are shared: while one
//! is in flight, every upload of the `Uploader` that needs credentials awaits that same promise.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::sign::{parse_iso8601_ms, Credentials};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::file::describe_js_error;

pub enum CredentialSource {
    Fixed(Credentials),
    /// `{accessKeyId, securityToken?, signer}`: the core prepares each request and the signer
    /// (`req => Promise<signature>`) signs it.
    Signer {
        credentials: Credentials,
        signer: Function,
    },
    Provider {
        function: Function,
        /// The provider's promise while a call is in flight (single flight).
        in_flight: RefCell<Option<Promise>>,
    },
}

impl CredentialSource {
    /// Reads the `credentials` option: an object or a function.
    pub fn from_option(value: &JsValue) -> Result<CredentialSource, OssError> {
        if let Some(function) = value.dyn_ref::<Function>() {
            return Ok(CredentialSource::Provider {
                function: function.clone(),
                in_flight: RefCell::new(None),
            });
        }
        if let Some(signer) = Reflect::get(value, &JsValue::from_str("signer"))
            .ok()
            .filter(|v| !v.is_undefined())
        {
            return signer_credentials(value, signer);
        }
        if value.is_object() {
            return parse_credentials(value).map(CredentialSource::Fixed);
        }
        Err(OssError::client(ClientCode::InvalidArgument,
            "options.credentials must be an object {accessKeyId, accessKeySecret, securityToken?, expiration?} \
             or an async function returning one",
        ))
    }

    /// A provider asked ahead as the `Uploader` is made, when its checkpoint store `store` holds
    /// an upload to resume (`askedAhead` in store.js). Anything else is kept as it is.
    pub fn asked_ahead(self, store: Option<&str>) -> CredentialSource {
        match (self, store) {
            (
                CredentialSource::Provider {
                    function,
                    in_flight,
                },
                Some(name),
            ) => CredentialSource::Provider {
                function: crate::store::asked_ahead(name, &function),
                in_flight,
            },
            (source, _) => source,
        }
    }

    /// Current credentials: the fixed ones, or the provider's next answer.
    pub async fn get(&self) -> Result<Credentials, OssError> {
        match self {
            CredentialSource::Fixed(creds) => Ok(creds.clone()),
            CredentialSource::Signer { credentials, .. } => Ok(credentials.clone()),
            CredentialSource::Provider {
                function,
                in_flight,
            } => {
                let existing = in_flight.borrow().clone();
                let promise = match existing {
                    Some(p) => p,
                    None => call_provider(function, in_flight)
                        .map_err(|e| provider_failed(&describe_js_error(&e)))?,
                };
                let answer = JsFuture::from(promise).await;
                in_flight.borrow_mut().take();
                let value = answer.map_err(|e| provider_failed(&describe_js_error(&e)))?;
                parse_credentials(&value)
            }
        }
    }

    /// The app's signer, for credentials that have one.
    pub fn signer(&self) -> Option<&Function> {
        match self {
            CredentialSource::Signer { signer, .. } => Some(signer),
            _ => None,
        }
    }

    /// Calls the provider now, without waiting for its answer, so that its round trip overlaps
    /// the work an upload does before it needs credentials; the next [`get`](Self::get) awaits
    /// the same call. Returns the call for [`forget_prefetch`](Self::forget_prefetch).
    pub fn prefetch(&self) -> Option<Promise> {
        let CredentialSource::Provider {
            function,
            in_flight,
        } = self
        else {
            return None;
        };
        if in_flight.borrow().is_some() {
            return None;
        }
        // A provider that throws here throws again when `get` calls it, and reports then.
        let promise = call_provider(function, in_flight).ok()?;
        // Marks a rejection as handled: `get` reports it, or nobody needs it.
        NOOP.with(|noop| {
            let _ = promise.catch(noop);
        });
        Some(promise)
    }

    /// Drops a prefetched call nobody awaited (the upload stopped before it needed credentials),
    /// so that a later upload asks the provider afresh instead of reusing old credentials.
    pub fn forget_prefetch(&self, prefetched: &Promise) {
        if let CredentialSource::Provider { in_flight, .. } = self {
            let mut slot = in_flight.borrow_mut();
            if slot
                .as_ref()
                .is_some_and(|p| js_sys::Object::is(p, prefetched))
            {
                *slot = None;
            }
        }
    }
}

/// Calls the provider and records the call as the one in flight.
fn call_provider(
    function: &Function,
    in_flight: &RefCell<Option<Promise>>,
) -> Result<Promise, JsValue> {
    let returned = function.call0(&JsValue::UNDEFINED)?;
    // A provider may return the object itself instead of a promise.
    let promise = Promise::resolve(&returned);
    *in_flight.borrow_mut() = Some(promise.clone());
    Ok(promise)
}

thread_local! {
    static NOOP: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// `{accessKeyId, securityToken?, signer}`. A secret next to a signer is refused: the point of
/// a signer is that the page holds none.
fn signer_credentials(value: &JsValue, signer: JsValue) -> Result<CredentialSource, OssError> {
    let invalid = |what: &str| OssError::client(ClientCode::InvalidArgument, what.to_owned());
    let signer = signer.dyn_into::<Function>().map_err(|_| {
        invalid("options.credentials.signer must be a function (req) => Promise<string>")
    })?;
    let text = |name: &str| {
        Reflect::get(value, &JsValue::from_str(name))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let access_key_id = text("accessKeyId")
        .and_then(|v| v.as_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("options.credentials.accessKeyId is required with a signer"))?;
    let security_token = match text("securityToken") {
        None => None,
        Some(v) => Some(
            v.as_string()
                .ok_or_else(|| invalid("options.credentials.securityToken must be a string"))?,
        ),
    };
    if text("accessKeySecret").is_some() {
        return Err(invalid(
            "options.credentials has both a signer and an accessKeySecret: with a signer the              secret stays on the app's server",
        ));
    }
    Ok(CredentialSource::Signer {
        credentials: Credentials::with_signer(access_key_id, security_token),
        signer,
    })
}

fn provider_failed(detail: &str) -> OssError {
    OssError::client(
        ClientCode::CredentialsError,
        format!("the credentials provider failed ({detail}); check the STS token service"),
    )
}

/// Accepts camelCase (`accessKeyId`) or the STS API's PascalCase (`AccessKeyId`), and the whole
/// AssumeRole response (`{Credentials: {...}}`) as brokers often pass it through unchanged.
pub fn parse_credentials(value: &JsValue) -> Result<Credentials, OssError> {
    if let Ok(inner) = Reflect::get(value, &JsValue::from_str("Credentials")) {
        if inner.is_object() {
            return parse_credentials(&inner);
        }
    }
    let field = |camel: &str, pascal: &str| -> Option<String> {
        [camel, pascal].iter().find_map(|name| {
            Reflect::get(value, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
                .filter(|s| !s.is_empty())
        })
    };
    let missing = |what: &str| {
        OssError::client(ClientCode::CredentialsError, format!("credentials have no {what}: expected accessKeyId, accessKeySecret, securityToken (or the STS API's AccessKeyId, AccessKeySecret, SecurityToken)"),
        )
    };
    let access_key_id =
        field("accessKeyId", "AccessKeyId").ok_or_else(|| missing("accessKeyId"))?;
    let access_key_secret =
        field("accessKeySecret", "AccessKeySecret").ok_or_else(|| missing("accessKeySecret"))?;
    let security_token =
        field("securityToken", "SecurityToken").or_else(|| field("stsToken", "StsToken"));
    let expiration_ms = match field("expiration", "Expiration") {
        None => None,
        Some(text) => Some(parse_iso8601_ms(&text).ok_or_else(|| {
            OssError::client(ClientCode::CredentialsError, format!("credentials expiration {text:?} is not an ISO 8601 time such as 2026-11-24T16:00:00Z"),
            )
        })?),
    };
    Ok(Credentials {
        access_key_id,
        access_key_secret,
        security_token,
        expiration_ms,
        signer: false,
    })
}
