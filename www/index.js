// The demo page: the package's <oss-uploader> (import "oss-resumable/widget") plus a settings
// panel that sets its attributes. Defaults come from /config.json (what `make demo` serves),
// overrides are kept in localStorage. `?picker=input` makes the element use the classic file
// input even where showOpenFilePicker exists (the e2e tests drive it through Playwright's file
// chooser).
import { version } from "oss-resumable";
import "oss-resumable/widget";

const $ = (id) => document.getElementById(id);
const SETTINGS_KEY = "oss-resumable-widget:settings";
const MIB = 1024 * 1024;
const uploader = $("uploader");

async function loadDefaults() {
  const builtIn = { endpoint: "http://127.0.0.1:9000", bucket: "demo", region: "cn-hangzhou", stsUrl: "http://127.0.0.1:9000/__dev/sts" };
  let config = {};
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (res.ok) config = await res.json();
  } catch {
    // Served without a config.json: the built-in defaults are the dev server's.
  }
  const m = { ...builtIn, ...config };
  return {
    endpoint: m.endpoint,
    bucket: m.bucket,
    region: m.region || "",
    stsUrl: m.stsUrl,
    partSize: m.partSize || 8 * MIB,
    parallel: m.parallel || 3,
    filesAtOnce: m.filesAtOnce || 2,
    prefix: m.prefix || "",
    lang: "",
    pathStyle: m.pathStyle ?? !/\.aliyuncs\.com(?::\d+)?\/?$/.test(m.endpoint),
  };
}

function readStored() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY) || "null");
  } catch {
    return null;
  }
}

const fields = {
  endpoint: "setting-endpoint",
  bucket: "setting-bucket",
  region: "setting-region",
  parallel: "setting-parallel",
  filesAtOnce: "setting-files-at-once",
  prefix: "setting-prefix",
  lang: "setting-lang",
  stsUrl: "setting-sts-url",
};

function fillForm(s) {
  for (const [name, id] of Object.entries(fields)) $(id).value = String(s[name] ?? "");
  $("setting-part-size").value = String(Math.round((s.partSize / MIB) * 100) / 100);
  $("setting-path-style").checked = !!s.pathStyle;
  $("settings-summary").textContent = `${s.bucket} at ${s.endpoint.replace(/^https?:\/\//, "")}`;
}

function fromForm() {
  const s = {};
  for (const [name, id] of Object.entries(fields)) s[name] = $(id).value.trim();
  s.parallel = Math.round(Number(s.parallel));
  s.filesAtOnce = Math.round(Number(s.filesAtOnce));
  s.partSize = Math.round(Number($("setting-part-size").value) * MIB);
  s.pathStyle = $("setting-path-style").checked;
  return s;
}

/** Sets the element's attributes from `s`; returns a message when a setting is unusable. */
function apply(s) {
  if (!s.endpoint || !s.bucket) return "Endpoint and bucket are needed.";
  if (!s.stsUrl) return "The STS token URL is needed: credentials come from it.";
  if (!(s.partSize > 0) || !(s.parallel > 0) || !(s.filesAtOnce > 0)) return "Part size, parallel and files at once must be positive numbers.";
  const attrs = {
    endpoint: s.endpoint,
    bucket: s.bucket,
    region: s.region || null,
    "sts-url": s.stsUrl,
    "part-size": String(s.partSize),
    parallel: String(s.parallel),
    "files-at-once": String(s.filesAtOnce),
    prefix: s.prefix || null,
    lang: s.lang || null,
    "path-style": s.pathStyle ? "" : null,
  };
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null) uploader.removeAttribute(name);
    else uploader.setAttribute(name, value);
  }
  fillForm(s);
  return null;
}

function setupForm(defaults) {
  const error = $("settings-error");
  const saved = $("settings-saved");
  const show = (message) => {
    error.hidden = !message;
    error.textContent = message || "";
  };
  $("settings-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saved.textContent = "";
    const s = fromForm();
    const message = apply(s);
    show(message);
    if (message) return;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
    saved.textContent = "Saved. New uploads use these settings.";
  });
  $("settings-reset").addEventListener("click", () => {
    localStorage.removeItem(SETTINGS_KEY);
    show(apply(defaults));
    saved.textContent = "Back to the defaults.";
  });
}

async function main() {
  $("version").textContent = `oss-resumable ${version()} · WebAssembly`;
  if (new URLSearchParams(location.search).get("picker") === "input") uploader.setAttribute("picker", "input");
  const defaults = await loadDefaults();
  const stored = readStored();
  let message = apply(stored ? { ...defaults, ...stored } : defaults);
  if (message && stored) message = apply(defaults);
  setupForm(defaults);
  await customElements.whenDefined("oss-uploader");
  await new Promise((resolve) => {
    if (uploader.getAttribute("data-ready") === "true") resolve();
    else new MutationObserver((_, o) => uploader.getAttribute("data-ready") === "true" && (o.disconnect(), resolve())).observe(uploader, { attributes: true });
  });
  const status = $("status");
  status.textContent = message ? `Check the settings: ${message}` : "";
  if (message) $("settings").open = true;
  status.dataset.loaded = "true";
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  const status = $("status");
  status.textContent = `The demo could not start: ${e.message || e}`;
  status.dataset.loaded = "error";
});
