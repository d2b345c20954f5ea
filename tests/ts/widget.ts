// Compile-time check of oss-resumable/widget's types (pkg/widget/index.d.ts, from
// npm/widget/index.d.ts): the element's properties, methods and events as a page uses them
// (README "Upload widget"), and what must stay a type error.
import { OssUploader } from "oss-resumable/widget";
import type { OssUploadCompleteDetail, OssUploadErrorDetail } from "oss-resumable/widget";
import type { UploadResult } from "oss-resumable";

const el: OssUploader = document.createElement("oss-uploader");
el.setAttribute("endpoint", "https://oss-cn-hangzhou.aliyuncs.com");
el.credentials = async () => ({ accessKeyId: "id", accessKeySecret: "secret", securityToken: "t", expiration: "2026-01-01T00:00:00Z" });
el.uploadOptions = { headers: { "Cache-Control": "no-cache" }, meta: { owner: "me" }, forbidOverwrite: true };
el.keyFor = (file, relativePath) => `users/42/${relativePath || file.name}`;
el.strings = { dropTitle: "Drop here" };
el.addFiles([new File(["x"], "x.txt"), { file: new File(["y"], "y.txt"), relativePath: "dir/y.txt" }]);
el.pauseAll();
el.resumeAll();
const language: "en" | "zh-CN" = el.language;
void language;

el.addEventListener("oss-upload-start", (e) => void `${e.detail.file?.name} ${e.detail.key} ${e.detail.id}`);
el.addEventListener("oss-upload-progress", (e) => void (e.detail.loaded / e.detail.total + e.detail.bytesPerSecond));
el.addEventListener("oss-upload-complete", (e: CustomEvent<OssUploadCompleteDetail>) => {
  const r: UploadResult = e.detail.result;
  void r.crc64;
});
el.addEventListener("oss-upload-error", (e: CustomEvent<OssUploadErrorDetail>) => void `${e.detail.key} ${e.detail.error.code}`);
el.addEventListener("oss-queue-complete", (e) => void e.detail.results.map((r) => r.result?.crc64 ?? r.error?.code));
void OssUploader;

// @ts-expect-error keyFor returns the key, a string
el.keyFor = () => 42;
// @ts-expect-error uploadOptions has no signal: pausing is the widget's
el.uploadOptions = { signal: new AbortController().signal };
// @ts-expect-error strings are texts
el.strings = { dropTitle: 1 };
