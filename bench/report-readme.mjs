// Puts the figures of a `make bench` run into the README: replaces what lies between the
// markers `<!-- bench:results:begin -->` and `<!-- bench:results:end -->` in README.md (section
// "Performance" → "Results") with the chart and the tables of bench/results/latest.json.
//
//   node bench/report-readme.mjs [bench/results/latest.json]
//
// The lead runs it after the final `make bench` on a quiet machine, then reviews the prose
// under "Which targets are met" against the new figures.

import fs from "node:fs";
import path from "node:path";
import { renderMarkdown } from "./lib/report.mjs";
import { root } from "./lib/common.mjs";

const BEGIN = "<!-- bench:results:begin -->";
const END = "<!-- bench:results:end -->";
const json = path.resolve(process.argv[2] || path.join(root, "bench", "results", "latest.json"));
const result = JSON.parse(fs.readFileSync(json, "utf8"));
if (result.command !== "make bench") throw new Error(`${json} is from \`${result.command}\`, not \`make bench\``);
const readme = path.join(root, "README.md");
const text = fs.readFileSync(readme, "utf8");
const a = text.indexOf(BEGIN);
const b = text.indexOf(END);
if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} block`);
// The run's heading becomes a level-4 heading under "### Results".
const tables = renderMarkdown(result).replace(/^### Benchmark: /, "#### Last run: ");
const block = `${BEGIN}\n\n![Throughput per profile and memory per variant](bench/results/chart.svg)\n\n${tables}\n${END}`;
fs.writeFileSync(readme, text.slice(0, a) + block + text.slice(b + END.length));
console.error(`README.md: results from ${path.relative(root, json)} (${result.startedAt})`);
