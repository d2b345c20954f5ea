// Chromium for the benchmark: launched by playwright-core, but every measured page lives in a
// browser context created over the DevTools protocol, which Playwright does not know about and
// therefore does not instrument. (On a Playwright page, Chromium copies every ArrayBuffer request
// body into Playwright's network events: ali-oss drops from ~190 to ~15 MB/s. See
// docs/toolchain.md, "Benchmarking uploads in headless Chromium — a trap".) Only the Runtime,
// Performance and DOM domains are used on the page; Network is never enabled.

import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-precise-memory-info",
  // gc() in the page: heap baselines are taken after a full collection.
  "--js-flags=--expose-gc",
];

export class Browser {
  static async launch() {
    const b = new Browser();
    b.pw = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
    });
    b.cdp = await b.pw.newBrowserCDPSession();
    const { browserContextId } = await b.cdp.send("Target.createBrowserContext", {
      disposeOnDetach: true,
    });
    b.contextId = browserContextId;
    b.sessions = new Map();
    b.cdp.on("Target.receivedMessageFromTarget", (e) => {
      const page = b.sessions.get(e.sessionId);
      if (page) page.onMessage(JSON.parse(e.message));
    });
    const v = await b.cdp.send("Browser.getVersion");
    b.version = v.product;
    return b;
  }

  /// A new tab in the uninstrumented context, attached in non-flat mode (messages are tunnelled
  /// through Target.sendMessageToTarget, so Playwright never sees this session).
  async newPage(url = "about:blank") {
    const { targetId } = await this.cdp.send("Target.createTarget", {
      url,
      browserContextId: this.contextId,
    });
    const { sessionId } = await this.cdp.send("Target.attachToTarget", { targetId, flatten: false });
    const page = new Page(this, targetId, sessionId);
    this.sessions.set(sessionId, page);
    await page.send("Runtime.enable");
    await page.send("Page.enable");
    await page.send("Performance.enable", { timeDomain: "threadTicks" });
    return page;
  }

  /// CPU seconds so far of every Chromium process, summed by process type.
  async cpuByType() {
    const { processInfo } = await this.cdp.send("SystemInfo.getProcessInfo");
    const out = {};
    for (const p of processInfo) out[p.type] = (out[p.type] || 0) + p.cpuTime;
    return out;
  }

  async close() {
    await this.pw.close();
  }
}

export class Page {
  constructor(browser, targetId, sessionId) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.log = [];
  }

  onMessage(m) {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result);
      return;
    }
    if (m.method === "Runtime.exceptionThrown") {
      const d = m.params.exceptionDetails;
      this.log.push(`exception: ${d.exception ? d.exception.description : d.text}`);
    } else if (m.method === "Runtime.consoleAPICalled") {
      const text = m.params.args.map((a) => a.value ?? a.description ?? "").join(" ");
      this.log.push(`console.${m.params.type}: ${text}`);
    }
    for (const l of this.listeners) l(m);
  }

  send(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.browser.cdp
        .send("Target.sendMessageToTarget", {
          sessionId: this.sessionId,
          message: JSON.stringify({ id, method, params }),
        })
        .catch(reject);
    });
  }

  waitFor(method, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${method}`)), timeoutMs);
      const l = (m) => {
        if (m.method === method) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(m.params);
        }
      };
      this.listeners.push(l);
    });
  }

  /// Evaluates `expression` in the page and awaits it; throws the page's error text.
  async eval(expression) {
    const r = await this.send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`page: ${d.exception ? d.exception.description : d.text}`);
    }
    return r.result.value;
  }

  async goto(url) {
    const loaded = this.waitFor("Page.loadEventFired");
    await this.send("Page.navigate", { url });
    await loaded;
    await this.eval("window.benchReady");
  }

  async reload() {
    const loaded = this.waitFor("Page.loadEventFired");
    await this.send("Page.reload", { ignoreCache: false });
    await loaded;
    await this.eval("window.benchReady");
  }

  /// Puts a file from disk into #file the way a user's pick does (a file-backed File).
  async setFile(path) {
    const { root } = await this.send("DOM.getDocument", { depth: 1 });
    const { nodeId } = await this.send("DOM.querySelector", { nodeId: root.nodeId, selector: "#file" });
    await this.send("DOM.setFileInputFiles", { nodeId, files: [path] });
  }

  /// Main-thread task time so far (seconds), from Performance.getMetrics.
  async taskSeconds() {
    const { metrics } = await this.send("Performance.getMetrics");
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { task: m.TaskDuration, script: m.ScriptDuration };
  }

  async close() {
    this.browser.sessions.delete(this.sessionId);
    await this.browser.cdp.send("Target.closeTarget", { targetId: this.targetId }).catch(() => {});
  }
}
