// Helpers for the tests of <oss-uploader> on pages of its own (not the demo): a plain module page
// written into the test's /files/ directory with the element's attributes filled in (the dev
// server's address is only known at run time), the events the element fired as the page recorded
// them, its rows, and axe-core.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "../../scripts/servers.mjs";

export const EVENTS = ["oss-upload-start", "oss-upload-progress", "oss-upload-complete", "oss-upload-error", "oss-queue-complete"];

const escape = (v) => String(v).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The attributes that connect the element to the test's dev server. */
export function serverAttributes(env) {
  return { endpoint: env.config.endpoint, bucket: env.config.bucket, "sts-url": env.config.stsUrl, "path-style": "" };
}

/**
 * Writes `/files/<name>.html`: an import map naming the package and its widget, `import
 * "oss-resumable/widget"`, and `<oss-uploader>` with `attributes` — nothing else. The page
 * records every event of EVENTS that reaches `document` (so only bubbling, composed ones) in
 * `window.events`, with File and Error objects reduced to plain data.
 */
export function writeElementPage(env, name, attributes, { lang = "en" } = {}) {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => (v === "" ? k : `${k}="${escape(v)}"`))
    .join(" ");
  const html = `<!doctype html>
<html lang="${lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>oss-uploader test page</title>
  <link rel="icon" href="data:,">
  <script type="importmap">{ "imports": { "oss-resumable": "/pkg/index.js", "oss-resumable/widget": "/pkg/widget/index.js" } }</script>
  <script>
    window.events = [];
    const plain = (v) =>
      v instanceof File ? { name: v.name, size: v.size }
      : v instanceof Error ? { name: v.name, code: v.code, message: v.message, status: v.status }
      : Array.isArray(v) ? v.map(plain)
      : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
      : v;
    for (const type of ${JSON.stringify(EVENTS)}) {
      document.addEventListener(type, (e) => window.events.push({ type, bubbles: e.bubbles, composed: e.composed, detail: plain(e.detail) }));
    }
  </script>
  <script type="module">import "oss-resumable/widget";</script>
</head>
<body>
  <main>
    <h1>Upload</h1>
    <oss-uploader ${attrs}></oss-uploader>
  </main>
</body>
</html>
`;
  writeFileSync(path.join(env.tmp, `${name}.html`), html);
  return `${env.url}/files/${name}.html`;
}

/** Opens a page with the element and waits until it listed the resumable uploads. */
export async function openElementPage(page, url) {
  await page.goto(url);
  await page.waitForSelector('oss-uploader[data-ready="true"]', { state: "attached", timeout: 20000 });
}

export const events = (page, type) => page.evaluate((type) => window.events.filter((e) => !type || e.type === type), type);

/** The data attributes and text of the element's upload row for `key`. */
export function rowState(page, key) {
  return page.evaluate((key) => {
    const el = document.querySelector("oss-uploader").shadowRoot.querySelector(`li[data-upload][data-key="${key}"]`);
    return el && { ...el.dataset, text: el.innerText };
  }, key);
}

/** Waits until every row whose key is in `keys` is in one of `states`. */
export async function waitForRows(page, keys, states, timeout = 60000) {
  const rows = () =>
    page.evaluate(() =>
      [...document.querySelector("oss-uploader").shadowRoot.querySelectorAll("li[data-upload]")].map((li) => `${li.dataset.key}: ${li.dataset.state} ${li.innerText.replace(/\s+/g, " ")}`),
    );
  await page.waitForFunction(
    ([keys, states]) => {
      const root = document.querySelector("oss-uploader").shadowRoot;
      return keys.every((k) => states.includes(root.querySelector(`li[data-upload][data-key="${k}"]`)?.dataset.state));
    },
    [keys, [].concat(states)],
    { timeout },
  ).catch(async (e) => {
    throw new Error(`${e.message}\nwaiting for ${keys} to be ${states}; the rows:\n${(await rows()).join("\n")}`);
  });
}

/** Runs axe-core (npm) on the page, open shadow roots included; returns its violations. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.addScriptTag({ path: path.join(root, "node_modules", "axe-core", "axe.min.js") });
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" >> ")) }));
}
