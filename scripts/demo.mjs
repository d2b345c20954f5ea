// `make demo`: starts oss-devserver, serves the upload widget (www/dist) on another origin with
// a /config.json pointing at the server, prints both URLs and stays in the foreground until
// Ctrl-C (SIGINT) or SIGTERM, which stop both servers and release both ports (a second signal
// leaves at once). Ports: DEMO_OSS_PORT (9000), DEMO_WEB_PORT (8080). Uploaded objects are kept under
// target/demo-data (DEMO_DATA_DIR), so large files do not live in memory. Loopback is faster than
// any real network, so every UploadPart answer is delayed DEMO_PART_DELAY_MS (500) to leave a
// person time to reload mid-upload; 0 uploads at full speed.
import path from "node:path";
import { mkdirSync } from "node:fs";
import { root, serveStatic, startDevserver, widgetConfig } from "./servers.mjs";

const ossPort = process.env.DEMO_OSS_PORT || "9000";
const webPort = Number(process.env.DEMO_WEB_PORT || "8080");
const dataDir = process.env.DEMO_DATA_DIR || path.join(root, "target", "demo-data");
const partDelayMs = Number(process.env.DEMO_PART_DELAY_MS ?? "500");
mkdirSync(dataDir, { recursive: true });

let devserver;
try {
  devserver = await startDevserver({ listen: `127.0.0.1:${ossPort}`, args: ["--data-dir", dataDir] });
} catch (e) {
  console.error(`${e.message} Set DEMO_OSS_PORT to use another port.`);
  process.exit(1);
}
// The dev server ending by itself ends the demo; once stopping, its exit is expected. (Ctrl-C in
// a terminal signals the whole process group, so the dev server may get SIGINT first: it then
// shuts down and exits with status 0 (crates/devserver/src/main.rs waits on ctrl_c), and its exit
// can reach this listener before the demo's own SIGINT handler has run.)
let stopping = false;
devserver.child.on("exit", (code, signal) => {
  if (stopping) return;
  if (code === 0 || signal === "SIGINT" || signal === "SIGTERM") return void stop();
  console.error(`oss-devserver exited (${code ?? signal})`);
  process.exit(1);
});
const config = widgetConfig(devserver);
if (partDelayMs > 0) {
  const res = await fetch(`${devserver.url}/__dev/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ operation: "UploadPart", count: 0, kind: "delay", delayMs: partDelayMs }),
  });
  if (!res.ok) console.error(`could not slow UploadPart down (${res.status}); uploads run at full speed`);
}
let web;
try {
  web = await serveStatic({ mounts: { "/": path.join(root, "www", "dist") }, config, port: webPort });
} catch (e) {
  console.error(`cannot serve the widget on port ${webPort} (${e.code || e.message}); set DEMO_WEB_PORT.`);
  stopping = true;
  await devserver.stop();
  process.exit(1);
}
console.log(`oss-devserver:  ${config.endpoint}  (bucket "${config.bucket}", STS at ${config.stsUrl})`);
console.log(`upload widget:  ${web.url}/   <- open this`);
if (partDelayMs > 0) {
  console.log(`each UploadPart is answered after ${partDelayMs} ms, to leave time for a reload (DEMO_PART_DELAY_MS=0: full speed)`);
}
console.log("Drop a large file on the page, reload it mid-upload, and press Resume. Ctrl-C stops both.");

// The demo once hung here: it removed the child's "exit" listeners, the one that resolved
// stop() included, so Ctrl-C waited forever with both ports held.
async function stop() {
  if (stopping) process.exit(130);
  stopping = true;
  await Promise.all([devserver.stop(), web?.close()]);
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
