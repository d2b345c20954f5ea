// make test-live (through scripts/test-live.sh): the live test (e2e/live/live.mjs) against the
// bucket the OSS_LIVE_* variables name. Without them it prints one line saying it is skipped and
// exits 0; `--check` only says whether it is configured (exit 0) or prints that line (exit 1).
import { liveConfig, runLive } from "../e2e/live/live.mjs";

const config = liveConfig();
if (config.skip) {
  console.log(`test-live: skipped: ${config.skip}`);
  process.exit(process.argv.includes("--check") ? 1 : 0);
}
if (process.argv.includes("--check")) process.exit(0);

console.log(`test-live: ${config.endpoint}, bucket ${config.bucket}, region ${config.region}, credentials from ${config.credentialsKind}`);
const outcome = await runLive(config, (line) => console.log(line));
const ok = outcome.failed.length === 0 && !outcome.cleanup?.error;
console.log(`test-live: ${ok ? "passed" : "FAILED"}: ${outcome.passed.length} flows passed, ${outcome.failed.length} failed`);
process.exit(ok ? 0 : 1);
