// The emulated network profiles (bench/lib/link.mjs carries them) and one profile's rounds:
// every variant through the same link, alternated round by round, each upload on cold
// connections. Optionally, once per round, variant A over Chromium's own DevTools network
// emulation instead of the link (A-dt), to check one emulation against the other.

import { log } from "./common.mjs";
import { startLink } from "./link.mjs";
import { describe, runOne } from "./variants.mjs";

/// `mib`: the file per upload, about 20 s per upload at the nominal rate (7 s on the long fat
/// link); `smokeMib` for `make bench-smoke`.
///
/// `fill`: a second rotation of the profile on a larger file, for the link's steady state. At
/// 256 MiB an upload over the long fat link lasts 7 s, of which the round trips no uploader can
/// hide (Initiate, Complete, each with its CORS preflight: 0.6 s at 150 ms) and the connections'
/// slow start take about a tenth: the raw ceiling A, which pays neither Initiate nor Complete,
/// reaches 0.86 of the link there. On 1 GiB they are a fortieth, and what is left is how well the
/// parts in flight keep the link full. Only A and O-def: the fill target is O-def's, and A is
/// the link's own ceiling beside it (C would add 75 s per round).
export const PROFILES = {
  home: { label: "home broadband", upMbit: 20, downMbit: 40, rttMs: 40, mib: 48, smokeMib: 8 },
  lfn: {
    label: "long fat link",
    upMbit: 300,
    downMbit: 300,
    rttMs: 150,
    mib: 256,
    smokeMib: 32,
    fill: { mib: 1024, smokeMib: 64, variants: ["A", "O-def"] },
  },
};

export function profileTitle(name) {
  const p = PROFILES[name];
  return `${p.label}: ${p.upMbit} Mbit/s up, ${p.downMbit} Mbit/s down, ${p.rttMs} ms RTT`;
}

/// Chromium's emulation of the profile's link for one tab (Network.emulateNetworkConditions:
/// `latency` is added to every request, throughputs in bytes/s). Network must be enabled for it
/// to apply; A sends Blob slices, which the Network domain does not copy.
function devtoolsEmulation(p) {
  return async (page) => {
    await page.send("Network.enable");
    await page.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: p.rttMs,
      uploadThroughput: (p.upMbit * 1e6) / 8,
      downloadThroughput: (p.downMbit * 1e6) / 8,
    });
  };
}

/// Every round of one profile: `variants` through the link, then A-dt when `devtools`.
/// Returns the runs.
export async function profileBench(browser, env, cfg, { name, mib, variants, devtools }) {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown network profile "${name}" (${Object.keys(PROFILES).join(", ")})`);
  const link = await startLink({ target: env.server.url, upMbit: p.upMbit, downMbit: p.downMbit, rttMs: p.rttMs });
  const linked = { ...env, server: { ...env.server, url: link.url } };
  const where = { profile: name, upMbit: p.upMbit };
  const runs = [];
  try {
    for (let r = 1; r <= cfg.netRounds; r++) {
      for (const v of variants) {
        const run = await runOne(browser, linked, cfg, v, mib, r, where);
        // The next upload opens its own connections (set-up round trip included), as a user's
        // first upload on a page does.
        link.closeConnections();
        log(describe(run));
        runs.push(run);
      }
      if (devtools) {
        const run = await runOne(browser, env, cfg, "A-dt", mib, r, { ...where, beforeGoto: devtoolsEmulation(p) });
        log(describe(run));
        runs.push(run);
      }
    }
  } finally {
    await link.stop();
  }
  return runs;
}
