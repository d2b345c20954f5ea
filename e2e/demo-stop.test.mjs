// `make demo` stops cleanly: scripts/demo.mjs is started as `make demo` starts it, then ended the
// two ways a person ends it — Ctrl-C in a terminal (SIGINT to the whole process group, so the dev
// server gets it too) and SIGTERM to the demo alone. Each time the demo must exit with status 0
// within a few seconds and both of its ports must be free again (a new server can listen on them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root } from "../scripts/servers.mjs";
import { canListen, freePort } from "./lib/ports.mjs";

async function startDemo() {
  const [ossPort, webPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), "oss-demo-"));
  // detached: its own process group, as a terminal gives `make demo`.
  const child = spawn(process.execPath, [path.join(root, "scripts", "demo.mjs")], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DEMO_OSS_PORT: String(ossPort), DEMO_WEB_PORT: String(webPort), DEMO_DATA_DIR: dataDir, DEMO_PART_DELAY_MS: "0" },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const end = Date.now() + 30000;
  while (!out.includes("<- open this")) {
    if (child.exitCode !== null) throw new Error(`the demo exited before it was ready:\n${out}`);
    if (Date.now() > end) throw new Error(`the demo was not ready within 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, ossPort, webPort, output: () => out, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

async function expectStopsCleanly(demo, send) {
  // Both servers answer before the signal.
  assert.equal((await fetch(`http://127.0.0.1:${demo.webPort}/config.json`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${demo.ossPort}/__dev/requests`)).status, 200);
  assert.equal(await canListen(demo.webPort), false, "the demo holds the page's port");
  send();
  const result = await Promise.race([demo.exited, new Promise((r) => setTimeout(() => r(null), 10000))]);
  if (!result) process.kill(-demo.child.pid, "SIGKILL");
  assert.ok(result, `the demo ended within 10 s:\n${demo.output()}`);
  assert.deepEqual(result, { code: 0, signal: null }, demo.output());
  assert.equal(await canListen(demo.webPort), true, "the page's port is free again");
  assert.equal(await canListen(demo.ossPort), true, "the dev server's port is free again");
  demo.cleanup();
}

test("make demo: Ctrl-C (SIGINT to the process group) stops both servers and frees both ports", async () => {
  const demo = await startDemo();
  await expectStopsCleanly(demo, () => process.kill(-demo.child.pid, "SIGINT"));
});

test("make demo: SIGTERM to the demo stops both servers and frees both ports", async () => {
  const demo = await startDemo();
  await expectStopsCleanly(demo, () => demo.child.kill("SIGTERM"));
});
