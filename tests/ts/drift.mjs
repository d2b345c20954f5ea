// Proves that tests/ts/usage.ts has teeth: each mutation below makes the package's .d.ts drift
// from the contract restated in usage.ts, and type-checking usage.ts against the drifted file
// must then fail. Uses the TypeScript API with one program reused across runs (the libs are parsed
// once). Run by `make test-package` after `tsc --noEmit -p tests/ts`.
import ts from "typescript";
import path from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const dts = path.resolve(here, "../../pkg/oss_resumable.d.ts");
const original = readFileSync(dts, "utf8");

/** [what drifts, from, to]; `from` must occur in the generated .d.ts. */
const mutations = [
  ["UploadResult.size becomes bigint", /(interface UploadResult \{[^}]*?size: )number/, "$1bigint"],
  ["UploadResult loses partsReused", /(interface UploadResult \{[^}]*?)partsReused: number;/, "$1"],
  ["UploadResult gains a field", /(interface UploadResult \{)/, "$1 checksum: string;"],
  ["UploadProgress.phase gains \"paused\"", /phase: "preparing"/, 'phase: "paused" | "preparing"'],
  ["UploaderOptions.parallel becomes required", /parallel\?: number;/, "parallel: number;"],
  ["UploaderOptions.checkpointStore loses null", /checkpointStore\?: string \| null;/, "checkpointStore?: string;"],
  ["UploadOptions.signal is renamed", /signal\?: AbortSignal;/, "abortSignal?: AbortSignal;"],
  ["PendingUpload.bytesDone becomes a string", /(interface PendingUpload \{[^}]*?bytesDone: )number/, "$1string"],
  ["StsCredentials.securityToken becomes required", /securityToken\?: string;/, "securityToken: string;"],
  ["discard() resolves to boolean", /discard\(id: string\): Promise<void>;/, "discard(id: string): Promise<boolean>;"],
  ["upload() takes the key first", /upload\(file: File \| Blob \| FileSystemFileHandle, key: string,/, "upload(key: string, file: File | Blob,"],
  ["upload() no longer takes a file handle", /upload\(file: File \| Blob \| FileSystemFileHandle,/, "upload(file: File | Blob,"],
  ["PendingUpload.resumeWith gains \"none\"", /resumeWith: "handle" \| "file";/, 'resumeWith: "handle" | "file" | "none";'],
  ["resume() takes no options", /resume\(id: string, options\?: UploadOptions \| null\): Promise<UploadResult>;/, "resume(id: string): Promise<UploadResult>;"],
  ["partSize also accepts strings (a @ts-expect-error goes unused)", /partSize\?: number;/, "partSize?: number | string;"],
  ["UploadCallback.body becomes optional", /(interface UploadCallback \{[^}]*?)body: string;/, "$1body?: string;"],
  ["UploadOptions.trafficLimit becomes a string", /trafficLimit\?: number;/, "trafficLimit?: string;"],
  ["UploaderOptions loses cname", /cname\?: boolean;/, ""],
  ["pending() returns one upload", /pending\(\): Promise<PendingUpload\[\]>;/, "pending(): Promise<PendingUpload>;"],
  ["the signer answers bytes", /\}\) => Promise<string>;/, "}) => Promise<Uint8Array>;"],
  ["UploadStart loses resumed", /(interface UploadStart \{[^}]*?)resumed: boolean;/, "$1"],
  ["maxPartsInFlight becomes required", /maxPartsInFlight\?: number;/, "maxPartsInFlight: number;"],
  ["cancel() takes no id", /cancel\(id: string\): Promise<void>;/, "cancel(): Promise<void>;"],
];

const config = ts.getParsedCommandLineOfConfigFile(path.join(here, "tsconfig.json"), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
});
const options = { ...config.options, skipLibCheck: true };

let current = original;
const host = ts.createCompilerHost(options);
const readFile = host.readFile.bind(host);
const getSourceFile = host.getSourceFile.bind(host);
host.readFile = (f) => (path.resolve(f) === dts ? current : readFile(f));
const cache = new Map();
host.getSourceFile = (f, lang, onError, fresh) => {
  if (path.resolve(f) === dts) return ts.createSourceFile(f, current, lang, true);
  if (!cache.has(f)) cache.set(f, getSourceFile(f, lang, onError, fresh));
  return cache.get(f);
};

const errorsOf = () => {
  const program = ts.createProgram(config.fileNames, options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
};

const baseline = errorsOf();
if (baseline.length) {
  console.error(ts.formatDiagnostics(baseline, host));
  throw new Error("usage.ts does not type-check against the unmodified .d.ts");
}
let failed = 0;
for (const [what, from, to] of mutations) {
  if (!from.test(original)) {
    console.error(`drift: cannot apply "${what}": ${from} is not in pkg/oss_resumable.d.ts (update tests/ts/drift.mjs)`);
    failed += 1;
    continue;
  }
  current = original.replace(from, to);
  const errors = errorsOf();
  if (errors.length === 0) {
    console.error(`drift: "${what}" went unnoticed by tests/ts/usage.ts`);
    failed += 1;
  } else {
    const e = errors[0];
    const where = e.file ? `${path.basename(e.file.fileName)}:${e.file.getLineAndCharacterOfPosition(e.start).line + 1}` : "";
    const first = ts.flattenDiagnosticMessageText(e.messageText, " ").slice(0, 80);
    console.log(`drift: ${what} -> ${errors.length} error(s), first at ${where}: ${first}`);
  }
}
if (failed) process.exit(1);
console.log(`drift: all ${mutations.length} drifts of the .d.ts are caught`);
