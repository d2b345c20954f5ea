// The dev server's launcher (scripts/servers.mjs, `startDevserver`) does not outlive its caller: a
// probe or test that throws before `stop()` must not leave a server holding its port and loading
// the CPU under the next measurement. A child process starts a server on a known port, the port is
// seen held, the child throws, and the port must be free again within a few seconds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { root } from "../scripts/servers.mjs";
import { canListen, freePort } from "./lib/ports.mjs";

const caller = (port) => `
import { startDevserver } from ${JSON.stringify(path.join(root, "scripts", "servers.mjs"))};
import { createInterface } from "node:readline";
const server = await startDevserver({ listen: "127.0.0.1:${port}" });
console.log("ready " + server.pid);
await new Promise((resolve) => createInterface({ input: process.stdin }).once("line", resolve));
throw new Error("the caller crashed before stop()");
`;

test("a caller that throws before stop() leaves no dev server behind", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ["--input-type=module", "-e", caller(port)], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await Promise.race([
    new Promise((resolve) => createInterface({ input: child.stdout }).once("line", resolve)),
    exited.then((code) => {
      throw new Error(`the caller exited (${code}) before its server was ready:\n${err}`);
    }),
  ]);
  const serverPid = Number(ready.split(" ")[1]);
  try {
    assert.equal(await canListen(port), false, "the server holds its port while its caller runs");
    child.stdin.write("crash\n");
    assert.equal(await exited, 1, "the caller ended on its uncaught error");
    assert.match(err, /the caller crashed before stop\(\)/);
    let free = false;
    for (const end = Date.now() + 10000; !free && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
      free = await canListen(port);
    }
    assert.ok(free, `port ${port} is still held 10 s after the caller died: the dev server outlived it`);
  } finally {
    // If the launcher failed, do not leave the orphan running.
    try {
      process.kill(serverPid, "SIGKILL");
    } catch {
      // already gone, as it should be
    }
  }
});
