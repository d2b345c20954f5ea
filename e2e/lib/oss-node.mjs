// A small OSS client for the test process (Node), independent of the code under test: reads
// objects back to compare bytes, and cleans up after the live test (delete objects, list and abort
// multipart uploads under a prefix). It signs with V1 (HMAC-SHA1, docs/protocol.md §2), which
// both OSS and oss-devserver accept, with long-term keys or STS credentials. It never prints or
// returns a credential: errors carry the operation, the HTTP status and OSS's code only.
import { createHmac } from "node:crypto";

/** URI-encodes an object key for the path, keeping "/" (OSS's own rule, §1). */
export function encodeKey(key) {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/");
}

const xmlText = (s) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

/** Every `<tag>…</tag>` text in `xml`. */
function all(xml, tag) {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => xmlText(m[1]));
}

/**
 * `endpoint` like "https://oss-cn-hangzhou.aliyuncs.com" or "http://127.0.0.1:9000";
 * `pathStyle` puts the bucket in the path (the dev server) instead of the host (OSS).
 * `credentials()` resolves to { accessKeyId, accessKeySecret, securityToken? } (camelCase or
 * STS's PascalCase).
 */
export function ossClient({ endpoint, bucket, pathStyle = false, credentials }) {
  const base = new URL(endpoint);

  async function request(method, key, { query = "", subresource = "", expect = [200] } = {}) {
    const c = normalise(await credentials());
    const date = new Date().toUTCString();
    const headers = { date };
    if (c.securityToken) headers["x-oss-security-token"] = c.securityToken;
    const ossHeaders = Object.keys(headers)
      .filter((h) => h.startsWith("x-oss-"))
      .sort()
      .map((h) => `${h}:${headers[h]}\n`)
      .join("");
    const resource = `/${bucket}/${key}${subresource ? `?${subresource}` : ""}`;
    const stringToSign = `${method}\n\n\n${date}\n${ossHeaders}${resource}`;
    const signature = createHmac("sha1", c.accessKeySecret).update(stringToSign, "utf8").digest("base64");
    headers.authorization = `OSS ${c.accessKeyId}:${signature}`;
    const host = pathStyle ? base.host : `${bucket}.${base.host}`;
    const path = pathStyle ? `/${bucket}/${encodeKey(key)}` : `/${encodeKey(key)}`;
    const qs = [subresource, query].filter(Boolean).join("&");
    const url = `${base.protocol}//${host}${path}${qs ? `?${qs}` : ""}`;
    const res = await fetch(url, { method, headers });
    const body = Buffer.from(await res.arrayBuffer());
    if (!expect.includes(res.status)) {
      const code = all(body.toString("utf8"), "Code")[0] || res.headers.get("x-oss-ec") || "";
      throw new Error(`${method} ${key || "/"}${subresource ? `?${subresource}` : ""}: HTTP ${res.status} ${code}`);
    }
    return { status: res.status, headers: res.headers, body };
  }

  return {
    /** The object's bytes, or null when there is none. */
    async get(key) {
      const res = await request("GET", key, { expect: [200, 404] });
      return res.status === 404 ? null : res.body;
    },
    /** { size, crc64 } from HEAD, or null when there is no such object. */
    async head(key) {
      const res = await request("HEAD", key, { expect: [200, 404] });
      if (res.status === 404) return null;
      return {
        size: Number(res.headers.get("content-length")),
        crc64: res.headers.get("x-oss-hash-crc64ecma"),
        etag: res.headers.get("etag"),
      };
    },
    async del(key) {
      await request("DELETE", key, { expect: [204, 200, 404] });
    },
    /** Multipart uploads in progress under `prefix`: [{ key, uploadId }] (every page). */
    async listUploads(prefix) {
      const found = [];
      let markers = "";
      for (;;) {
        const query = `prefix=${encodeURIComponent(prefix)}&max-uploads=1000${markers}`;
        const { body } = await request("GET", "", { subresource: "uploads", query });
        const xml = body.toString("utf8");
        for (const upload of all(xml, "Upload")) {
          found.push({ key: all(upload, "Key")[0], uploadId: all(upload, "UploadId")[0] });
        }
        if (all(xml, "IsTruncated")[0] !== "true") return found;
        const key = all(xml, "NextKeyMarker")[0] || "";
        const id = all(xml, "NextUploadIdMarker")[0] || "";
        markers = `&key-marker=${encodeURIComponent(key)}&upload-id-marker=${encodeURIComponent(id)}`;
      }
    },
    async abort(key, uploadId) {
      await request("DELETE", key, { subresource: `uploadId=${uploadId}`, expect: [204, 200, 404] });
    },
  };
}

function normalise(c) {
  const accessKeyId = c.accessKeyId ?? c.AccessKeyId ?? c.Credentials?.AccessKeyId;
  const accessKeySecret = c.accessKeySecret ?? c.AccessKeySecret ?? c.Credentials?.AccessKeySecret;
  const securityToken = c.securityToken ?? c.SecurityToken ?? c.Credentials?.SecurityToken;
  if (!accessKeyId || !accessKeySecret) throw new Error("credentials: no AccessKeyId/AccessKeySecret");
  return { accessKeyId, accessKeySecret, securityToken };
}
