// The link emulator (bench/lib/link.mjs) against its nominal figures, with node's own HTTP
// client and server on loopback: a small request costs the connection's set-up round trip plus
// one round trip; an upload takes size / bandwidth (+ that); connections share the bandwidth;
// and a sender that outruns the link is held back by the window (its writes stop draining).
//
//   node --test bench/link.test.mjs   (make bench-smoke runs it)

import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startLink, WINDOW } from "./lib/link.mjs";

async function sinkServer() {
  const srv = http.createServer((req, res) => {
    let n = 0;
    req.on("data", (b) => (n += b.length));
    req.on("end", () => res.end(String(n)));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { srv, url: `http://127.0.0.1:${srv.address().port}` };
}

function put(url, bytes, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "PUT", agent }, (res) => {
      let body = "";
      res.on("data", (b) => (body += b));
      res.on("end", () => resolve(Number(body)));
    });
    req.on("error", reject);
    req.end(Buffer.alloc(bytes, 7));
  });
}

async function timed(f) {
  const t0 = performance.now();
  const v = await f();
  return { ms: performance.now() - t0, v };
}

test("a small request on a new connection takes two round trips", async () => {
  const sink = await sinkServer();
  const link = await startLink({ target: sink.url, upMbit: 20, downMbit: 40, rttMs: 100 });
  try {
    await put(`${sink.url}/warm-up`, 10, new http.Agent()); // node's HTTP client, first use
    const { ms, v } = await timed(() => put(`${link.url}/x`, 10, new http.Agent()));
    assert.equal(v, 10);
    // Two round trips (set-up, then request and response), not one, not three. The margin
    // above is for a loaded machine (timers fire late).
    assert.ok(ms >= 200 && ms < 290, `took ${ms} ms`);
  } finally {
    await link.stop();
    sink.srv.close();
  }
});

test("an upload takes its size over the bandwidth, and parallel uploads share it", async () => {
  const sink = await sinkServer();
  const link = await startLink({ target: sink.url, upMbit: 40, downMbit: 40, rttMs: 20 });
  try {
    const bytes = 2_500_000; // 0.5 s at 40 Mbit/s
    const one = await timed(() => put(`${link.url}/a`, bytes, new http.Agent()));
    assert.equal(one.v, bytes);
    assert.ok(one.ms >= 500 && one.ms < 700, `one upload took ${one.ms} ms`);
    const two = await timed(() =>
      Promise.all([put(`${link.url}/b`, bytes, new http.Agent()), put(`${link.url}/c`, bytes, new http.Agent())]),
    );
    assert.ok(two.ms >= 1000 && two.ms < 1250, `two uploads took ${two.ms} ms`);
    assert.ok(link.stats().upBytes >= 3 * bytes);
  } finally {
    await link.stop();
    sink.srv.close();
  }
});

test("a connection keeps at most the window in flight", async () => {
  const sink = await sinkServer();
  // 1 Gbit/s but 400 ms: the window, not the bandwidth, bounds one connection (≈ WINDOW / RTT).
  const link = await startLink({ target: sink.url, upMbit: 1000, downMbit: 1000, rttMs: 400 });
  try {
    const bytes = 3 * WINDOW;
    const { ms, v } = await timed(() => put(`${link.url}/w`, bytes, new http.Agent()));
    assert.equal(v, bytes);
    // Set-up (1 RTT), then 3 windows of one RTT each, the last delivered after RTT/2, and the
    // response's RTT/2: ≈ 4.5 RTT at least; without the window it would take ≈ 2.1 RTT.
    assert.ok(ms >= 4 * 400, `took ${ms} ms`);
  } finally {
    await link.stop();
    sink.srv.close();
  }
});
