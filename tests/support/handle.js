// Fixtures of the issue-13 browser tests (tests/handle.rs): an app-server signer backed by the
// dev server's POST /__dev/sign, STS minted without keeping its secret, the dev server's count of
// UploadParts in flight, and Promise.all over upload promises.

async function post(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** STS credentials from /__dev/sts, returned *without* their secret (the page must not need it). */
export async function mintStsWithoutSecret(devUrl) {
  const c = await post(`${devUrl}/__dev/sts?ttl=3600`);
  return { accessKeyId: c.AccessKeyId, securityToken: c.SecurityToken };
}

/** A `credentials.signer` asking /__dev/sign; every request it was given is pushed to `calls`.
 *  `tamper(signature)` may change the answer (to test wrong ones). */
export function devSigner(devUrl, accessKeyId, calls, tamper) {
  return async (req) => {
    calls.push(req);
    const { signature } = await post(`${devUrl}/__dev/sign`, {
      accessKeyId,
      version: req.version,
      stringToSign: req.stringToSign,
      date: req.date,
      region: req.region,
    });
    return tamper ? tamper(signature) : signature;
  };
}

/** Counts UploadParts in flight afresh, for keys starting with `keyPrefix` only. */
export async function resetInFlight(devUrl, keyPrefix) {
  await post(`${devUrl}/__dev/in-flight/reset`, { keyPrefix });
}

export async function inFlight(devUrl) {
  const res = await fetch(`${devUrl}/__dev/in-flight`);
  return res.json();
}

/** Settles every promise: [{ok, value}] in order. */
export async function settleAll(promises) {
  const all = await Promise.allSettled(promises);
  return all.map((r) => (r.status === "fulfilled" ? { ok: true, value: r.value } : { ok: false, value: r.reason }));
}
