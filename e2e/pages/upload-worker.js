// A dedicated module worker that uploads with oss-resumable (see worker.html).
import { Uploader, version } from "/pkg/index.js";

const config = await (await fetch("/config.json")).json();

onmessage = async ({ data: { id, fileUrl, key, partSize } }) => {
  const uploader = new Uploader({
    endpoint: config.endpoint,
    bucket: config.bucket,
    region: config.region,
    pathStyle: true,
    partSize,
    checkpointStore: "worker",
    credentials: async () => (await fetch(config.stsUrl, { method: "POST" })).json(),
  });
  try {
    const blob = await (await fetch(fileUrl)).blob();
    const result = await uploader.upload(blob, key, {
      onProgress: (p) => postMessage({ type: "progress", loaded: p.loaded, total: p.total }),
    });
    const pending = await uploader.pending();
    postMessage({ type: "result", id, result: { ...result, pendingAfter: pending.length } });
  } catch (e) {
    postMessage({ type: "error", id, error: { name: e.name, code: e.code, message: e.message } });
  }
};

// Only now can the page's messages be handled: it waits for this before sending any.
postMessage({ type: "ready", version: version() });
