// Compile-time check of the package's TypeScript declarations (pkg/index.d.ts, generated from
// src/api/typescript.rs) against the JS API contract, restated in (1) below from the project's
// design notes (the README's "Using it" shows it in use). `make test-package` runs
// `tsc --noEmit -p tests/ts`; tests/ts/drift.mjs then proves the check fails on a drifted .d.ts.
//
// Three layers: (1) the contract, copied verbatim, must be *identical* to the exported types;
// (2) ordinary usage touching every option and every result field; (3) `@ts-expect-error` lines
// that must stay errors (wrong types must not be accepted).
import { Uploader, version } from "oss-resumable";
import type {
  OssError,
  PendingUpload,
  SignerCredentials,
  StsCredentials,
  UploadCallback,
  UploaderOptions,
  UploadOptions,
  UploadProgress,
  UploadResult,
  UploadStart,
} from "oss-resumable";
import init, { initSync, Uploader as UploaderAfterInit } from "oss-resumable/init";

// ---------------------------------------------------------------------------------------------
// (1) The contract (the design notes' "JS API" section, copied verbatim).

namespace Contract {
  export interface StsCredentials {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
    expiration?: string;
  }
  // "camelCase, or the STS API's own PascalCase names"
  export interface StsCredentialsPascalCase {
    AccessKeyId: string;
    AccessKeySecret: string;
    SecurityToken?: string;
    Expiration?: string;
  }
  export interface UploaderOptions {
    endpoint: string;
    bucket: string;
    region?: string;
    pathStyle?: boolean;
    signatureVersion?: "v4" | "v1";
    credentials:
      | StsCredentials
      | StsCredentialsPascalCase
      | (() => Promise<StsCredentials | StsCredentialsPascalCase>)
      | SignerCredentials;
    partSize?: number;
    parallel?: number;
    checkpointStore?: string | null;
    retry?: {
      maxAttempts?: number;
      baseDelayMs?: number;
      maxDelayMs?: number;
      shouldRetry?: (error: OssError, attempt: number) => boolean;
      offlineWaitMs?: number;
    };
    maxPartsInFlight?: number;
    // Issue 13 part A.
    cname?: boolean;
  }
  // Issue 13, part B: "signing on the app's server, no STS in the page".
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
  // "onStart({ id, uploadId, key, resumed })"
  export interface UploadStart {
    id: string;
    uploadId: string;
    key: string;
    resumed: boolean;
  }
  export interface UploadOptions {
    signal?: AbortSignal;
    onProgress?: (p: UploadProgress) => void;
    onStart?: (s: UploadStart) => void;
    contentType?: string;
    meta?: Record<string, string>;
    headers?: Record<string, string>;
    forbidOverwrite?: boolean;
    // Issue 13 part A.
    callback?: UploadCallback;
    partHeaders?: Record<string, string>;
    trafficLimit?: number;
  }
  // Issue 13 part A: `callback` on upload() options.
  export interface UploadCallback {
    url: string;
    body: string;
    contentType?: string;
    host?: string;
    sni?: boolean;
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
    crc64: string;
    size: number;
    uploadId: string;
    resumed: boolean;
    partsReused: number;
    requestId: string;
    // Issue 13 part A: the callback server's answer, parsed when it is JSON.
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
    resumeWith: "handle" | "file";
  }
}

/** True only when A and B are the same type (optionality and readonly included). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function same<T extends true>(): T | void {}

same<Equal<StsCredentials, Contract.StsCredentials>>();
same<Equal<UploaderOptions, Contract.UploaderOptions>>();
same<Equal<UploadOptions, Contract.UploadOptions>>();
same<Equal<UploadProgress, Contract.UploadProgress>>();
same<Equal<UploadResult, Contract.UploadResult>>();
same<Equal<UploadCallback, Contract.UploadCallback>>();
same<Equal<PendingUpload, Contract.PendingUpload>>();
same<Equal<SignerCredentials, Contract.SignerCredentials>>();
same<Equal<UploadStart, Contract.UploadStart>>();

// class Uploader: constructor(options), upload(file, key, options?), pending(), discard(id),
// resume(id, options?) (issue 14: from the file handle kept beside the checkpoint).
same<Equal<ConstructorParameters<typeof Uploader>, [options: Contract.UploaderOptions]>>();
same<Equal<Parameters<Uploader["upload"]>[0], File | Blob | FileSystemFileHandle>>();
same<Equal<Parameters<Uploader["upload"]>[1], string>>();
// The generated signature says `options?: UploadOptions | null`; `null` is a harmless widening.
same<Equal<Exclude<Parameters<Uploader["upload"]>[2], null | undefined>, Contract.UploadOptions>>();
same<Equal<ReturnType<Uploader["upload"]>, Promise<Contract.UploadResult>>>();
same<Equal<Parameters<Uploader["pending"]>, []>>();
same<Equal<ReturnType<Uploader["pending"]>, Promise<Contract.PendingUpload[]>>>();
same<Equal<Parameters<Uploader["discard"]>, [id: string]>>();
same<Equal<ReturnType<Uploader["discard"]>, Promise<void>>>();
// "uploader.cancel(id)": stops a running upload and aborts it on the server.
same<Equal<Parameters<Uploader["cancel"]>, [id: string]>>();
same<Equal<ReturnType<Uploader["cancel"]>, Promise<void>>>();
same<Equal<Parameters<Uploader["resume"]>[0], string>>();
same<Equal<Exclude<Parameters<Uploader["resume"]>[1], null | undefined>, Contract.UploadOptions>>();
same<Equal<ReturnType<Uploader["resume"]>, Promise<Contract.UploadResult>>>();
// Failures: an Error named "OssError" with code, status and requestId.
same<Equal<OssError["name"], "OssError">>();
same<Equal<OssError["code"], string>>();
same<Equal<OssError["status"], number | undefined>>();
same<Equal<OssError["requestId"], string | undefined>>();
// CallbackFailed (203) still names the stored object.
same<Equal<OssError["key"], string | undefined>>();
same<Equal<OssError["etag"], string | undefined>>();
same<Equal<OssError["crc64"], string | undefined>>();
// "oss-resumable/init" is the same API plus an explicit init().
same<Equal<UploaderAfterInit, Uploader>>();

// ---------------------------------------------------------------------------------------------
// (2) Usage: every option and every result field.

const stsUrl = "https://example.com/sts";

async function fetchCredentials(): Promise<StsCredentials> {
  const r = await fetch(stsUrl, { method: "POST" });
  const j = (await r.json()) as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
  return { accessKeyId: j.AccessKeyId, accessKeySecret: j.AccessKeySecret, securityToken: j.SecurityToken, expiration: j.Expiration };
}

const options: UploaderOptions = {
  endpoint: "https://oss-cn-hangzhou.aliyuncs.com",
  bucket: "my-bucket",
  region: "cn-hangzhou",
  pathStyle: false,
  signatureVersion: "v4",
  credentials: fetchCredentials,
  partSize: 8 * 1024 * 1024,
  parallel: 3,
  checkpointStore: "oss-resumable",
  retry: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 },
};

// Fixed credentials, camelCase or the STS API's PascalCase; memory-only checkpoints; V1 signing.
new Uploader({
  ...options,
  credentials: { accessKeyId: "STS.x", accessKeySecret: "s", securityToken: "t", expiration: "2026-11-24T17:00:00Z" },
});
new Uploader({
  endpoint: "http://127.0.0.1:9000",
  bucket: "demo",
  pathStyle: true,
  signatureVersion: "v1",
  checkpointStore: null,
  credentials: { AccessKeyId: "STS.x", AccessKeySecret: "s", SecurityToken: "t", Expiration: "2026-11-24T17:00:00Z" },
});
// A custom domain bound to the bucket (give the region), and the acceleration endpoint.
new Uploader({ ...options, endpoint: "https://static.example.com", cname: true, region: "cn-hangzhou" });
new Uploader({ ...options, endpoint: "https://oss-accelerate.aliyuncs.com", region: "cn-hangzhou" });
// A provider may answer in the STS API's shape directly.
new Uploader({ ...options, credentials: async () => ({ AccessKeyId: "a", AccessKeySecret: "b" }) });

export async function uploadOne(file: File): Promise<string> {
  const label: string = version();
  const uploader = new Uploader(options);
  const pause = new AbortController();
  try {
    const result: UploadResult = await uploader.upload(file, `uploads/${file.name}`, {
      signal: pause.signal,
      onProgress: (p: UploadProgress) => {
        const percent: number = (p.loaded / p.total) * 100;
        const parts: string = `${p.partsDone}/${p.partsTotal}`;
        const speed: number = p.bytesPerSecond;
        switch (p.phase) {
          case "preparing":
          case "uploading":
          case "completing":
          case "done":
          case "offline":
            break;
          default: {
            const unreachable: never = p.phase;
            return unreachable;
          }
        }
        void [percent, parts, speed];
      },
      contentType: file.type || "application/octet-stream",
      meta: { owner: "someone" },
      headers: { "Cache-Control": "no-cache" },
      forbidOverwrite: true,
      callback: {
        url: "https://app.example.com/oss-callback",
        body: "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&crc64=${crc64}&uid=${x:uid}",
        contentType: "application/x-www-form-urlencoded",
        host: "app.example.com",
        sni: true,
        customValues: { uid: "42" },
      },
      partHeaders: { "x-oss-request-payer": "requester" },
      trafficLimit: 8 * 1024 * 1024,
    });
    const answer: unknown = result.callback;
    const bucket: string = result.bucket;
    const key: string = result.key;
    const etag: string = result.etag;
    const crc64: string = result.crc64;
    const size: number = result.size;
    const uploadId: string = result.uploadId;
    const resumed: boolean = result.resumed;
    const partsReused: number = result.partsReused;
    const requestId: string = result.requestId;
    return [label, bucket, key, etag, crc64, size, uploadId, resumed, partsReused, requestId, JSON.stringify(answer)].join(" ");
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") return "paused";
    const err = e as OssError;
    if (err.name === "OssError" && err.code === "CallbackFailed") {
      // The object is stored; only the callback failed.
      return `stored ${err.key ?? ""} ${err.etag ?? ""} ${err.crc64 ?? ""}`;
    }
    if (err.name === "OssError") return `${err.code} ${err.status ?? ""} ${err.requestId ?? ""} ${err.message}`;
    throw e;
  }
}

export async function listAndDiscard(uploader: Uploader): Promise<number> {
  const list: PendingUpload[] = await uploader.pending();
  let bytes = 0;
  for (const p of list) {
    const id: string = p.id;
    const where: string = `${p.bucket}/${p.key}`;
    const file: string = `${p.fileName} ${p.fileSize} ${p.lastModified}`;
    const uploadId: string = p.uploadId;
    bytes += p.bytesDone;
    const times: string = `${new Date(p.createdAt).getTime()} ${new Date(p.updatedAt).getTime()}`;
    void [where, file, uploadId, times];
    if (p.resumeWith === "handle") await uploader.resume(id, { onProgress: (x) => void x.loaded });
    else await uploader.discard(id);
  }
  return bytes;
}

// Issue 13, part B: a signer on the app's server, one limit for many uploads, onStart and
// cancel, retries the app steers.
export async function steered(files: File[]): Promise<string[]> {
  const signer = async (req: Parameters<SignerCredentials["signer"]>[0]): Promise<string> => {
    const r = await fetch("/api/oss-sign", { method: "POST", body: JSON.stringify(req) });
    const version: "v4" | "v1" = req.version;
    const parts: string = `${req.method} ${req.url} ${req.date} ${req.region} ${req.stringToSign}`;
    const headers: Record<string, string> = req.headers;
    void [version, parts, headers];
    return r.text();
  };
  const uploader = new Uploader({
    ...options,
    credentials: { accessKeyId: "LTAI5tAppKeyId", securityToken: "t", signer },
    maxPartsInFlight: 4,
    retry: {
      maxAttempts: 5,
      shouldRetry: (error: OssError, attempt: number) => error.code !== "SlowDown" && attempt < 4,
      offlineWaitMs: 10 * 60 * 1000,
    },
  });
  const ids: string[] = [];
  const results = await Promise.allSettled(
    files.map((f) =>
      uploader.upload(f, `steered/${f.name}`, {
        onStart: (s: UploadStart) => {
          const id: string = s.id;
          const uploadId: string = s.uploadId;
          const key: string = s.key;
          const resumed: boolean = s.resumed;
          ids.push(id);
          void [uploadId, key, resumed];
        },
      }),
    ),
  );
  if (ids.length > 0) await uploader.cancel(ids[0]);
  return results.map((r) => (r.status === "fulfilled" ? r.value.crc64 : (r.reason as OssError).code));
}

export async function withExplicitInit(wasmUrl: URL): Promise<void> {
  await init({ module_or_path: wasmUrl });
  new UploaderAfterInit(options);
  void initSync;
}

// ---------------------------------------------------------------------------------------------
// (3) What must stay a type error.

declare const uploader: Uploader;
declare const result: UploadResult;
declare const pending: PendingUpload;

// @ts-expect-error partSize is a number of bytes
new Uploader({ ...options, partSize: "8MiB" });
// @ts-expect-error signatureVersion is "v4" or "v1"
new Uploader({ ...options, signatureVersion: "v2" });
// @ts-expect-error checkpointStore is a database name or null
new Uploader({ ...options, checkpointStore: false });
// @ts-expect-error endpoint and credentials are required
new Uploader({ bucket: "b" });
// @ts-expect-error unknown options are refused (it is `parallel`, not `concurrency`)
new Uploader({ ...options, concurrency: 4 });
// @ts-expect-error credentials need an accessKeySecret
new Uploader({ ...options, credentials: { accessKeyId: "id" } });
// @ts-expect-error a provider returns a Promise
new Uploader({ ...options, credentials: () => ({ accessKeyId: "a", accessKeySecret: "b" }) });
// @ts-expect-error retry knobs are numbers
new Uploader({ ...options, retry: { maxAttempts: "3" } });
// @ts-expect-error the file is a File or Blob, not a path
uploader.upload("/tmp/file.bin", "key");
// @ts-expect-error the key is a string
uploader.upload(new Blob([]), 42);
// @ts-expect-error forbidOverwrite is a boolean
uploader.upload(new Blob([]), "k", { forbidOverwrite: "yes" });
// @ts-expect-error meta values are strings
uploader.upload(new Blob([]), "k", { meta: { n: 1 } });
// @ts-expect-error a callback needs its url and body
uploader.upload(new Blob([]), "k", { callback: { url: "https://a.example.com/cb" } });
// @ts-expect-error trafficLimit is a number of bits per second
uploader.upload(new Blob([]), "k", { trafficLimit: "100KB" });
// @ts-expect-error cname is a boolean
new Uploader({ ...options, cname: "static.example.com" });
// @ts-expect-error discard takes the pending upload's id
uploader.discard(pending);
// @ts-expect-error sizes cross the boundary as number, never bigint
const sizeAsBigint: bigint = result.size;
// @ts-expect-error the CRC-64 is a decimal string (it does not fit a number)
const crcAsNumber: number = result.crc64;
// @ts-expect-error bytesDone is a number
const doneAsString: string = pending.bytesDone;
// @ts-expect-error phases are preparing, uploading, completing, done, offline
const phase: UploadProgress["phase"] = "paused";
// @ts-expect-error a signer answers a Promise of the signature
new Uploader({ ...options, credentials: { accessKeyId: "id", signer: () => "sig" } });
// @ts-expect-error shouldRetry answers a boolean
new Uploader({ ...options, retry: { shouldRetry: () => "yes" } });
// @ts-expect-error maxPartsInFlight is a number
new Uploader({ ...options, maxPartsInFlight: "4" });
// @ts-expect-error cancel takes the id onStart gives
uploader.cancel({ id: "cp-1" });
// @ts-expect-error there is no `percent` field: compute it from loaded / total
const percentField = ({} as UploadProgress).percent;
void [sizeAsBigint, crcAsNumber, doneAsString, phase, percentField];
