// The package's entry module, index.js, written into a wasm-pack `--target web` output
// directory: by scripts/package.mjs for pkg/, and by bench/profile.mjs for its build with names.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const glue = "oss_resumable.js";
const wasm = "oss_resumable_bg.wasm";

// The glue's own JS modules (wasm-bindgen snippets), named in the entry too: unbundled, a browser
// finds the glue's imports only once the glue has arrived and been parsed, so they would cost a
// second round of requests before the .wasm is even asked for (10–20 ms on loopback, a round trip
// on a real link: the resume figure of issue 16). Named here, they are fetched with the glue.
// A bundler resolves the same modules once either way.
function snippetModules(dir, rel = "snippets") {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory()
        ? snippetModules(path.join(dir, e.name), `${rel}/${e.name}`)
        : e.name.endsWith(".js")
          ? [`${rel}/${e.name}`]
          : [],
    );
}

/// Writes `dir`/index.js, the package's entry, for wasm-pack's `--target web` output in `dir`.
export function writeEntry(dir) {
  const earlyImports = snippetModules(path.join(dir, "snippets"))
    .map((m) => `import "./${m}";\n`)
    .join("");
  writeFileSync(
    path.join(dir, "index.js"),
    `// oss-resumable: the package entry. Importing it fetches and instantiates the WebAssembly
// module once (top-level await), so \`import { Uploader } from "oss-resumable"\` is ready to use
// in a bundler (webpack 5, Vite, Rollup), in a plain <script type="module"> page and in a module
// worker. To choose when or from where the .wasm is loaded, import "oss-resumable/init" instead.
// The glue's own modules are named first so that an unbundled page fetches them with the glue.
${earlyImports}import init from "./${glue}";

await init({ module_or_path: new URL("./${wasm}", import.meta.url) });

export * from "./${glue}";
`,
  );
}
