//! What the app steers in the requests of [`Calls`]: signing by the app's server (each attempt
//! handed out as `Action::Sign`, the answer checked before it is sent) and the browser being
//! offline (no request sent, no try spent on a missing network, at most
//! `retry.offline_wait_ms`).

use super::{CallState, Calls};
use crate::error::{ClientCode, OssError};
use crate::request::Request;
use crate::sign::{self, Prepared};
use crate::upload::Action;

/// A request the app's signer is signing: the call it belongs to and what `authorize` needs.
#[derive(Debug)]
pub(super) struct Signing {
    key: u64,
    request: Request,
    prepared: Prepared,
    access_key_id: String,
}

impl Calls {
    /// Prepares attempt `id` of call `key` and hands its StringToSign to the app's signer; the
    /// `Send` follows the answer ([`Calls::on_signature`]).
    pub(super) fn issue_to_signer(
        &mut self,
        key: u64,
        id: u64,
        mut request: Request,
        server_now: i64,
    ) {
        let Some(creds) = self.credentials.current.as_ref() else {
            return;
        };
        let prepared = sign::prepare_request(
            &mut request,
            creds.security_token.as_deref(),
            self.signature_version,
            &self.region,
            server_now,
            &[],
        );
        let access_key_id = creds.access_key_id.clone();
        if let Some(call) = self.table.get_mut(&key) {
            call.state = CallState::Signing { id };
        }
        self.actions.push_back(Action::Sign {
            id,
            request: request.clone(),
            string_to_sign: prepared.string_to_sign.clone(),
            version: prepared.version,
            date: prepared.date.clone(),
            region: prepared.region.clone(),
        });
        self.signing.insert(
            id,
            Signing {
                key,
                request,
                prepared,
                access_key_id,
            },
        );
    }

    /// The app's signer answered `Action::Sign { id, .. }`: a signature of the right form makes
    /// the request's `Authorization` and it is sent; a signer that failed or answered something
    /// else is `SignerError`, for the machine to end with. Answers to withdrawn ids are ignored.
    pub(in crate::upload) fn on_signature(
        &mut self,
        id: u64,
        result: Result<String, OssError>,
    ) -> Result<(), OssError> {
        let Some(Signing {
            key,
            mut request,
            prepared,
            access_key_id,
        }) = self.signing.remove(&id)
        else {
            return Ok(());
        };
        let Some(call) = self.table.get_mut(&key) else {
            return Ok(());
        };
        if call.state != (CallState::Signing { id }) {
            return Ok(());
        }
        let signer_error = |detail: String| {
            OssError::client(
                ClientCode::SignerError,
                format!("credentials.signer for {}: {detail}", call.name()),
            )
        };
        let answer = result.map_err(|e| signer_error(format!("failed ({})", e.message)))?;
        let signature = sign::check_signature(prepared.version, &answer).map_err(signer_error)?;
        sign::authorize(&mut request, &access_key_id, &prepared, &signature);
        call.state = CallState::InFlight { id };
        self.in_flight.insert(id, key);
        self.actions.push_back(Action::Send { id, request });
        Ok(())
    }

    /// When waiting for the network ends the machine (driver clock), while offline.
    pub(super) fn offline_deadline(&self) -> Option<i64> {
        let wait = i64::try_from(self.policy.offline_wait_ms).unwrap_or(i64::MAX);
        self.offline_since.map(|since| since.saturating_add(wait))
    }

    /// Whether the browser said it is offline (and has not said it is back).
    pub(in crate::upload) fn offline(&self) -> bool {
        self.offline_since.is_some()
    }

    /// `navigator.onLine` changed (the `online` / `offline` events, or a failure seen while
    /// `onLine` is false). Offline, no request is sent and transport failures spend no try; back
    /// online, every request that waited is sent at once.
    pub(in crate::upload) fn set_online(&mut self, online: bool, now_ms: i64) {
        match (online, self.offline_since) {
            (false, None) => self.offline_since = Some(now_ms),
            (true, Some(_)) => {
                self.offline_since = None;
                let waiting: Vec<u64> = self
                    .table
                    .iter()
                    .filter(|(_, c)| c.state == CallState::AwaitingNetwork)
                    .map(|(k, _)| *k)
                    .collect();
                for key in waiting {
                    self.issue(key, now_ms);
                }
            }
            _ => {}
        }
    }
}
