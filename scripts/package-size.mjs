// Prints what the package costs a page, gzip -9 of each part: the library (entry, glue,
// snippets, .wasm) and the widget (pkg/widget/*.js, loaded only by "oss-resumable/widget"), and
// fails when the widget's own code exceeds its budget of 15 KB. Run by scripts/package.sh.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const pkg = process.argv[2] || "pkg";
const WIDGET_BUDGET = 15 * 1024;
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
const walk = (dir) =>
  readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));

const library = ["index.js", "oss_resumable.js", "oss_resumable_bg.wasm"].map((f) => path.join(pkg, f));
library.push(...walk(path.join(pkg, "snippets")).filter((f) => f.endsWith(".js")));
const widget = walk(path.join(pkg, "widget")).filter((f) => f.endsWith(".js"));
const sum = (files) => files.reduce((n, f) => n + gz(f), 0);
const lib = sum(library);
const wid = sum(widget);
const raw = widget.reduce((n, f) => n + statSync(f).size, 0);
console.log(`package size (gzip -9): library ${lib} bytes (${library.length} files); widget ${wid} bytes (${widget.length} modules, ${raw} minified), budget ${WIDGET_BUDGET}`);
if (wid > WIDGET_BUDGET) {
  console.error(`package: the widget is ${wid} bytes gzipped, over its budget of ${WIDGET_BUDGET}`);
  process.exit(1);
}
