// Types of oss-resumable/widget: the <oss-uploader> element.
import type { UploaderOptions, UploadOptions, UploadResult } from "../index.js";

/** `file` is null when the upload resumed from the file handle the library keeps. */
export interface OssUploadStartDetail { file: File | null; key: string; id: string }
export interface OssUploadProgressDetail { key: string; loaded: number; total: number; bytesPerSecond: number }
export interface OssUploadCompleteDetail { key: string; result: UploadResult }
/** `error` is an OssError (name "OssError", `code`), or for a refused file an Error named
 *  "RestrictionError" with code FileTooLarge, TooManyFiles, FileTypeNotAccepted, InvalidArgument
 *  or NotConfigured (then `key` may be null). */
export interface OssUploadErrorDetail { key: string | null; file: File; error: Error & { code: string; status?: number } }
export interface OssQueueCompleteDetail {
  results: Array<{ file: File; key: string; result?: UploadResult; error?: Error & { code: string } }>;
}

export declare class OssUploader extends HTMLElement {
  /** Credentials or an async provider, as `Uploader` takes them; without it `sts-url` is POSTed. */
  credentials: UploaderOptions["credentials"] | null;
  /** Passed to every upload() (signal and onProgress are the widget's; onProgress is also called). */
  uploadOptions: Omit<UploadOptions, "signal">;
  /** The object key of each file; default `prefix + relativePath`. */
  keyFor: ((file: File, relativePath: string) => string) | null;
  /** Overrides of the current language's texts, by name (see the package README). */
  strings: Record<string, string>;
  readonly language: "en" | "zh-CN";
  addFiles(files: Iterable<File | { file: File; relativePath: string; handle?: FileSystemFileHandle | null }>): void;
  addFileHandles(handles: Iterable<FileSystemFileHandle>): Promise<void>;
  pauseAll(): void;
  resumeAll(): void;
  refreshPending(): Promise<void>;
}

declare global {
  interface HTMLElementTagNameMap { "oss-uploader": OssUploader }
  interface HTMLElementEventMap {
    "oss-upload-start": CustomEvent<OssUploadStartDetail>;
    "oss-upload-progress": CustomEvent<OssUploadProgressDetail>;
    "oss-upload-complete": CustomEvent<OssUploadCompleteDetail>;
    "oss-upload-error": CustomEvent<OssUploadErrorDetail>;
    "oss-queue-complete": CustomEvent<OssQueueCompleteDetail>;
  }
}
