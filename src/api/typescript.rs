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
    | (() => Promise<StsCredentials | StsCredentialsPascalCase>);
  /** Default 8 MiB; 100 KiB..5 GiB; raised automatically to stay within 10,000 parts. */
  partSize?: number;
  /** Parts in flight, default 3. */
  parallel?: number;
  /** IndexedDB database name, default "oss-resumable"; null = memory only. */
  checkpointStore?: string | null;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

export interface UploadOptions {
  /** Pause: rejects with a DOMException named "AbortError"; the checkpoint is kept. */
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
  contentType?: string;
  meta?: Record<string, string>;
  headers?: Record<string, string>;
  forbidOverwrite?: boolean;
}

export interface UploadProgress {
  loaded: number;
  total: number;
  partsDone: number;
  partsTotal: number;
  bytesPerSecond: number;
  phase: "preparing" | "uploading" | "completing" | "done";
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
   *  FileUnreadable, …). */
  code: string;
  status?: number;
  requestId?: string;
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
