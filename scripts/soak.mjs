// make soak SEED=1 UPLOADS=100: the chaos soak (e2e/soak/) from the command line. Prints one line
// per upload, then the report (also written to target/soak/report-<seed>.md); exits 1 if the run
// failed (report.mjs says when).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { root } from "./servers.mjs";
import { runSoak } from "../e2e/soak/run.mjs";
import { judge, markdown } from "../e2e/soak/report.mjs";

const { values } = parseArgs({
  options: { seed: { type: "string", default: "1" }, uploads: { type: "string", default: "100" } },
});
const seed = values.seed;
const uploads = Number(values.uploads);
if (!Number.isInteger(uploads) || uploads < 1) throw new Error(`--uploads must be a positive integer, not ${values.uploads}`);

const run = await runSoak({ seed, uploads, say: (l) => console.log(l) });
const report = markdown(run, { command: `make soak SEED=${seed} UPLOADS=${uploads}` });
const file = path.join(root, "target", "soak", `report-${seed}.md`);
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${report}\n`);
console.log(`\n${report}\n\n(written to ${path.relative(root, file)})`);
process.exit(judge(run).length ? 1 : 0);
