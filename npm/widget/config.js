// The attributes of <oss-uploader> read into one configuration: what goes to `new Uploader()`
// and what the widget itself uses (prefix, files at once, restrictions). Sizes may carry a unit
// ("8MiB", "5GB"); a value that cannot be read is left out, so the library's default or its own
// InvalidArgument error applies.
import { parseSize } from "./format.js";

export const CONFIG_ATTRIBUTES = [
  "endpoint",
  "bucket",
  "region",
  "path-style",
  "cname",
  "sts-url",
  "prefix",
  "part-size",
  "parallel",
  "files-at-once",
  "max-file-size",
  "max-files",
  "checkpoint-store",
];

const positive = (n) => (Number.isFinite(n) && n > 0 ? n : undefined);

export function readConfig(el) {
  const a = (name) => el.getAttribute(name);
  const flag = (name) => el.hasAttribute(name) && a(name) !== "false";
  const uploader = {
    endpoint: (a("endpoint") || "").trim(),
    bucket: (a("bucket") || "").trim(),
  };
  if (a("region")) uploader.region = a("region").trim();
  if (flag("path-style")) uploader.pathStyle = true;
  // A custom domain bound to the bucket
  // (https://www.alibabacloud.com/help/en/oss/user-guide/map-custom-domain-names-5): nothing is
  // prefixed to the host; the library needs `region` there for V4.
  if (flag("cname")) uploader.cname = true;
  const partSize = positive(parseSize(a("part-size")));
  if (partSize) uploader.partSize = partSize;
  const parallel = positive(Number(a("parallel")));
  if (parallel) uploader.parallel = Math.round(parallel);
  if (el.hasAttribute("checkpoint-store")) {
    const store = a("checkpoint-store").trim();
    // "memory" (or empty): checkpoints kept in memory only, as `checkpointStore: null`.
    uploader.checkpointStore = store === "" || store === "memory" ? null : store;
  }
  return {
    uploader,
    endpoint: uploader.endpoint,
    bucket: uploader.bucket,
    stsUrl: (a("sts-url") || "").trim(),
    prefix: a("prefix") || "",
    filesAtOnce: Math.max(1, Math.round(positive(Number(a("files-at-once"))) || 2)),
    maxFileSize: positive(parseSize(a("max-file-size"))),
    maxFiles: positive(Math.floor(Number(a("max-files")))),
    accept: a("accept") || "",
  };
}
