// make test-live (scripts/test-live.sh → scripts/test-live.mjs → e2e/live/live.mjs) without a
// real OSS account: unconfigured it must say it is skipped in one line and exit 0; pointed at an
// oss-devserver as if it were OSS (its long-term keys, or its STS URL) it must pass its flows,
// print no secret, and leave nothing behind — checked on the server, not by the script's word.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { root, startDevserver } from "../scripts/servers.mjs";
import { ossClient } from "./lib/oss-node.mjs";

/** Runs `cmd args` in the project with `env` (OSS_LIVE_* removed from this process's first). */
function run(cmd, args, env) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OSS_LIVE_")));
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...base, ...env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

test("make test-live without OSS_LIVE_* says it is skipped, in one line, and exits 0", async () => {
  const { code, out } = await run("bash", [path.join("scripts", "test-live.sh")], {});
  assert.equal(code, 0, out);
  assert.match(out, /^test-live: skipped: set OSS_LIVE_ENDPOINT, OSS_LIVE_BUCKET, OSS_LIVE_REGION, OSS_LIVE_STS_URL or OSS_LIVE_ACCESS_KEY_ID\/OSS_LIVE_ACCESS_KEY_SECRET/);
  assert.equal(out.trim().split("\n").length, 1, out);
  // Half a configuration is not a configuration: it names what is missing.
  const half = await run("bash", [path.join("scripts", "test-live.sh")], { OSS_LIVE_ENDPOINT: "https://oss-cn-hangzhou.aliyuncs.com", OSS_LIVE_BUCKET: "b" });
  assert.equal(half.code, 0, half.out);
  assert.match(half.out, /^test-live: skipped: set OSS_LIVE_REGION, OSS_LIVE_STS_URL or/);
});

for (const source of ["long-term keys", "STS token URL"]) {
  test(`the live flows pass against oss-devserver posing as OSS (${source}) and clean up`, async () => {
    const devserver = await startDevserver();
    const { accessKeyId, accessKeySecret } = devserver.info;
    try {
      // Loopback answers at once: slow parts down so the flows' reloads land mid-upload.
      await fetch(`${devserver.url}/__dev/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ operation: "UploadPart", count: 0, kind: "delay", delayMs: 60 }),
      });
      const credentials =
        source === "long-term keys"
          ? { OSS_LIVE_ACCESS_KEY_ID: accessKeyId, OSS_LIVE_ACCESS_KEY_SECRET: accessKeySecret }
          : { OSS_LIVE_STS_URL: `${devserver.url}/__dev/sts`, OSS_LIVE_STS_METHOD: "POST" };
      const { code, out } = await run("node", [path.join("scripts", "test-live.mjs")], {
        OSS_LIVE_ENDPOINT: devserver.url,
        OSS_LIVE_BUCKET: devserver.bucket,
        OSS_LIVE_REGION: devserver.region,
        OSS_LIVE_PATH_STYLE: "1",
        OSS_LIVE_PAGE_PORT: "0",
        ...credentials,
      });
      console.log(out);
      assert.equal(code, 0, out);
      assert.match(out, /live: ok {4}V4 multipart upload, CRC-64 and bytes checked on the server/);
      assert.match(out, /live: ok {4}resume after a reload .*: (\d+) of \d+ parts reused/);
      assert.match(out, /live: skip {2}upload callback \(set OSS_LIVE_CALLBACK_URL/);
      assert.match(out, /test-live: passed: 3 flows passed, 0 failed/);
      assert.ok(!out.includes(accessKeySecret), "the long-term secret is not printed");

      // On the server: what the flows did, and that nothing is left under the prefix.
      const prefix = /cleanup under (\S+):/.exec(out)?.[1];
      assert.ok(prefix?.startsWith("oss-resumable-live/"), out);
      const log = (await (await fetch(`${devserver.url}/__dev/requests`)).json()).requests.filter((l) => l.key?.startsWith(prefix));
      const count = (op, key, status = [200, 204]) => log.filter((l) => l.operation === op && (!key || l.key === key) && status.includes(l.status)).length;
      assert.equal(count("CompleteMultipartUpload", `${prefix}multipart.bin`), 1);
      assert.ok(count("ListParts", `${prefix}resume.bin`) >= 1, "the resume asked which parts the server has");
      assert.equal(count("InitiateMultipartUpload", `${prefix}resume.bin`), 1, "one upload, resumed after the reload");
      assert.equal(count("DeleteObject"), 3, "the three objects deleted (multipart, resume, left-unfinished)");
      assert.equal(count("AbortMultipartUpload", `${prefix}left-unfinished.bin`), 1, "the unfinished upload aborted");
      const oss = ossClient({ endpoint: devserver.url, bucket: devserver.bucket, pathStyle: true, credentials: async () => ({ accessKeyId, accessKeySecret }) });
      assert.deepEqual(await oss.listUploads(prefix), []);
      for (const name of ["multipart.bin", "resume.bin", "left-unfinished.bin"]) assert.equal(await oss.head(`${prefix}${name}`), null, `${name} is gone`);
    } finally {
      await devserver.stop();
    }
  });
}
