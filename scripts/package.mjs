// Turns wasm-pack's `--target web` output in pkg/ into the published package: an entry point
// that instantiates the module by itself (top-level await), its .d.ts, package.json with
// `exports`, the package README (npm/README.md) and the licenses. Run by scripts/package.sh.
import { readFileSync, writeFileSync, copyFileSync, rmSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { root } from "./servers.mjs";
import { writeEntry } from "./entry.mjs";

const pkg = path.join(root, "pkg");
const generated = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8"));
const glue = "oss_resumable.js";
const wasm = "oss_resumable_bg.wasm";
for (const f of [glue, wasm, "oss_resumable.d.ts"]) {
  if (!existsSync(path.join(pkg, f))) throw new Error(`pkg/${f} is missing: run wasm-pack first`);
}

writeEntry(pkg);
writeFileSync(
  path.join(pkg, "index.d.ts"),
  `// Types of the package entry: the Uploader API (see oss_resumable.d.ts), already initialised.
export * from "./${glue}";
`,
);

const manifest = {
  name: "oss-resumable",
  version: generated.version,
  description: generated.description,
  license: generated.license,
  repository: generated.repository,
  keywords: ["oss", "aliyun", "alibaba-cloud", "multipart", "upload", "resumable", "wasm", "indexeddb", "crc64"],
  type: "module",
  main: "./index.js",
  module: "./index.js",
  types: "./index.d.ts",
  exports: {
    ".": { types: "./index.d.ts", default: "./index.js" },
    "./init": { types: "./oss_resumable.d.ts", default: `./${glue}` },
    // <oss-uploader>; a separate module graph, so importing the library alone never loads it.
    "./widget": { types: "./widget/index.d.ts", default: "./widget/index.js" },
    [`./${wasm}`]: `./${wasm}`,
    "./package.json": "./package.json",
  },
  files: ["index.js", "index.d.ts", glue, "oss_resumable.d.ts", wasm, "widget/", "README.md", "LICENSE-MIT", "LICENSE-APACHE"],
  // index.js instantiates the module when imported, widget/index.js defines the element: a
  // bundler must never drop either.
  sideEffects: ["./index.js", "./snippets/*", "./widget/index.js"],
};
if (existsSync(path.join(pkg, "snippets"))) manifest.files.push("snippets/");
writeFileSync(path.join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

copyFileSync(path.join(root, "npm", "README.md"), path.join(pkg, "README.md"));
const widgetSrc = path.join(root, "npm", "widget");
mkdirSync(path.join(pkg, "widget"), { recursive: true });
for (const f of readdirSync(widgetSrc)) copyFileSync(path.join(widgetSrc, f), path.join(pkg, "widget", f));
for (const f of ["LICENSE-MIT", "LICENSE-APACHE"]) copyFileSync(path.join(root, f), path.join(pkg, f));
// wasm-pack's pkg/.gitignore ("*") is for the repository, not the tarball.
rmSync(path.join(pkg, ".gitignore"), { force: true });
console.error(`package: pkg/ is oss-resumable@${manifest.version}`);
