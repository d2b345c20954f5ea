//! The TypeScript declarations of the JS API, exactly as the contract states them (restated
//! verbatim in tests/ts/usage.ts, which `make test-package` checks the generated .d.ts against),
//! and the typed JS handles the exported functions take and return.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** ISO 8601, e.g. "2026-11-24T17:00:00Z". */
  expiration?: string;
}

/** The STS API's own field names, as a token broker often returns them. */
export interface StsCredentialsPascalCase {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken?: string;
  Expiration?: string;
}

/** Signing on the app's server: no secret in the page. `signer` is called once per request
 *  (concurrent calls allowed) and answers the signature: hex for V4, base64 for V1. */
export interface SignerCredentials {
  accessKeyId: string;
  securityToken?: string;
  signer: (req: {
    version: "v4" | "v1";
    stringToSign: string;
    date: string;
    region: string;
    method: string;
    url: string;
    headers: Record<string, string>;
  }) => Promise<string>;
}

/** What `onStart` is told once the upload id is known, before the first part (on a resume, once
 *  ListParts has answered; its first parts leave with ListParts). `id` is the
 *  handle for `Uploader.cancel(id)` (and `pending()` / `discard()`); `uploadId` is "" for a
 *  small file sent in one PutObject. */
export interface UploadStart {
  id: string;
  uploadId: string;
  key: string;
  resumed: boolean;
}

export interface UploaderOptions {
  /** "https://oss-cn-hangzhou.aliyuncs.com" or "http://127.0.0.1:9000" */
  endpoint: string;
  bucket: string;
  /** V4 signing region, e.g. "cn-hangzhou"; derived from the endpoint when possible. */
  region?: string;
  /** Default false (virtual-hosted); true for the dev server. */
  pathStyle?: boolean;
  /** Default "v4". */
  signatureVersion?: "v4" | "v1";
  credentials:
    | StsCredentials
    | StsCredentialsPascalCase
    | (() => Promise<StsCredentials | StsCredentialsPascalCase>)
    | SignerCredentials;
  /**
   * 100 KiB..5 GiB; raised automatically to stay within 10,000 parts. Given (or with
   * `parallel`), every part has this size. Absent with `parallel` absent too: adaptive, parts
   * start at 8 MiB and parts not yet cut grow (up to 64 MiB) while a part's transfer is short
   * next to its round trips; they never go below 8 MiB.
   */
  partSize?: number;
  /**
   * Parts in flight, 1..32. Given (or with `partSize`), fixed; with `partSize` only, 3. Absent
   * with `partSize` absent too: adaptive, from 3 within 2..6 (Chromium's six connections per
   * host), raised while more parts raise the measured throughput and lowered when fewer lose
   * almost nothing; `maxPartsInFlight` still bounds it.
   */
  parallel?: number;
  /** IndexedDB database name, default "oss-resumable"; null = memory only. */
  checkpointStore?: string | null;
  retry?: {
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** Asked before each retry the rules would make; false ends the upload with `error`. */
    shouldRetry?: (error: OssError, attempt: number) => boolean;
    /** While navigator.onLine is false, wait for the network this long (default 10 minutes). */
    offlineWaitMs?: number;
  };
  /** UploadParts in flight across every running upload() of this Uploader, shared fairly. */
  maxPartsInFlight?: number;
  /** The endpoint is the bucket's own domain (a CNAME): nothing is prefixed; give `region`. */
  cname?: boolean;
}

export interface UploadOptions {
  /** Pause: rejects with a DOMException named "AbortError"; the checkpoint is kept. */
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
  /** Once the upload id is known, before the first part. */
  onStart?: (s: UploadStart) => void;
  contentType?: string;
  meta?: Record<string, string>;
  headers?: Record<string, string>;
  forbidOverwrite?: boolean;
  /** OSS POSTs `body` to `url` once the object is stored; its answer is `UploadResult.callback`. */
  callback?: UploadCallback;
  /** Sent and signed on every UploadPart (and a small file's PutObject): x-oss-traffic-limit,
   *  x-oss-request-payer. */
  partHeaders?: Record<string, string>;
  /** Bits per second per request carrying file bytes, 819200..838860800 (x-oss-traffic-limit). */
  trafficLimit?: number;
}

/** The upload callback: x-oss-callback and x-oss-callback-var on PutObject and Complete. */
export interface UploadCallback {
  /** callbackUrl; up to five separated by ";". */
  url: string;
  /** callbackBody, with OSS's variables: bucket, object, etag, size, mimeType, crc64, x:name. */
  body: string;
  /** callbackBodyType: "application/x-www-form-urlencoded" (default) or "application/json". */
  contentType?: string;
  /** callbackHost: the Host header of the callback request. */
  host?: string;
  /** callbackSNI */
  sni?: boolean;
  /** Sent as x-oss-callback-var; `${x:name}` in the body. */
  customValues?: Record<string, string>;
}

export interface UploadProgress {
  loaded: number;
  total: number;
  partsDone: number;
  partsTotal: number;
  bytesPerSecond: number;
  phase: "preparing" | "uploading" | "completing" | "done" | "offline";
}

export interface UploadResult {
  bucket: string;
  key: string;
  etag: string;
  /** CRC-64/XZ of the object as a decimal string (it does not fit a JS number). */
  crc64: string;
  size: number;
  uploadId: string;
  resumed: boolean;
  partsReused: number;
  requestId: string;
  /**
   * The callback server's answer (parsed JSON, or the text); only with a `callback` option, and
   * absent when an earlier attempt's Complete had stored the object and its answer was lost.
   */
  callback?: unknown;
}

export interface PendingUpload {
  id: string;
  bucket: string;
  key: string;
  fileName: string;
  fileSize: number;
  lastModified: number;
  uploadId: string;
  bytesDone: number;
  createdAt: string;
  updatedAt: string;
  /** "handle": a FileSystemFileHandle is stored with it, resume(id) reads the file through it;
   *  "file": the page asks for the file again and calls upload(file, key). */
  resumeWith: "handle" | "file";
}

/** How every failure rejects: `name` is "OssError". */
export interface OssError extends Error {
  name: "OssError";
  /** The OSS code (AccessDenied, NoSuchBucket, …) or a client code (NetworkError, FileChanged,
   *  InvalidArgument, EtagNotExposed, CrcMismatch, UploadInProgress, CredentialsError,
   *  SignerError, Cancelled, FileUnreadable, …). */
  code: string;
  status?: number;
  requestId?: string;
  /** Set with code "CallbackFailed" (HTTP 203): the object was stored, only its callback failed. */
  key?: string;
  etag?: string;
  crc64?: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "UploaderOptions")]
    pub type UploaderOptionsJs;
    #[wasm_bindgen(typescript_type = "UploadOptions")]
    pub type UploadOptionsJs;
    #[wasm_bindgen(typescript_type = "File | Blob | FileSystemFileHandle")]
    pub type FileOrBlob;
    #[wasm_bindgen(typescript_type = "Promise<UploadResult>")]
    pub type UploadResultPromise;
    #[wasm_bindgen(typescript_type = "Promise<PendingUpload[]>")]
    pub type PendingUploadsPromise;
    #[wasm_bindgen(typescript_type = "Promise<void>")]
    pub type VoidPromise;
}
