// `make demo`: starts oss-devserver, serves the upload widget (www/dist) on another origin with
// a /config.json pointing at the server, prints both URLs and stays in the foreground until
// Ctrl-C. Ports: DEMO_OSS_PORT (9000), DEMO_WEB_PORT (8080). Uploaded objects are kept under
// target/demo-data (DEMO_DATA_DIR), so large files do not live in memory.
import path from "node:path";
import { mkdirSync } from "node:fs";
import { root, serveStatic, startDevserver, widgetConfig } from "./servers.mjs";

const ossPort = process.env.DEMO_OSS_PORT || "9000";
const webPort = Number(process.env.DEMO_WEB_PORT || "8080");
const dataDir = process.env.DEMO_DATA_DIR || path.join(root, "target", "demo-data");
mkdirSync(dataDir, { recursive: true });

let devserver;
try {
  devserver = await startDevserver({ listen: `127.0.0.1:${ossPort}`, args: ["--data-dir", dataDir] });
} catch (e) {
  console.error(`${e.message} Set DEMO_OSS_PORT to use another port.`);
  process.exit(1);
}
devserver.child.on("exit", (code) => {
  console.error(`oss-devserver exited (${code})`);
  process.exit(1);
});
const config = widgetConfig(devserver);
let web;
try {
  web = await serveStatic({ mounts: { "/": path.join(root, "www", "dist") }, config, port: webPort });
} catch (e) {
  console.error(`cannot serve the widget on port ${webPort} (${e.code || e.message}); set DEMO_WEB_PORT.`);
  devserver.child.removeAllListeners("exit");
  await devserver.stop();
  process.exit(1);
}
console.log(`oss-devserver:  ${config.endpoint}  (bucket "${config.bucket}", STS at ${config.stsUrl})`);
console.log(`upload widget:  ${web.url}/   <- open this`);
console.log("Drop a large file on the page, reload it mid-upload, and press Resume. Ctrl-C stops both.");

const stop = async () => {
  devserver.child.removeAllListeners("exit");
  await devserver.stop();
  await web.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
