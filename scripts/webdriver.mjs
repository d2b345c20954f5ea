// Firefox and WebKit for the end-to-end flows (e2e/engines.test.mjs) and the bench's per-engine
// rows (bench/run.mjs), over W3C WebDriver with selenium-webdriver (npm).
// Playwright here drives Chromium only: playwright-core cannot drive Debian's Firefox ESR
// ("emulation.setMediaFeaturesOverride: unknown command") and Playwright's own WebKit build cannot
// be installed, so these engines are driven the standard way, through the WebDriver server each
// ships: geckodriver for Firefox, WebKitWebDriver for WebKitGTK's MiniBrowser (which has no
// headless mode, hence Xvfb). The driver binaries come from target/setup.env (scripts/setup.sh).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Builder, Capabilities } from "selenium-webdriver";

/** The engines to run the flows in: OSS_BROWSERS (setup's list) or BROWSERS, minus Chromium
 *  (the Playwright tests cover it). */
export function webdriverEngines() {
  const wanted = (process.env.BROWSERS || process.env.OSS_BROWSERS || "").split(",").filter(Boolean);
  const available = (process.env.OSS_BROWSERS || "").split(",");
  return wanted.filter((e) => e !== "chromium" && available.includes(e));
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForDriver(url, child, output) {
  const end = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the WebDriver server exited (${child.exitCode}): ${output()}`);
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > end) throw new Error(`the WebDriver server did not answer at ${url}: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the engine's WebDriver server on a free loopback port and opens a session.
 * Resolves to `{ driver, engine, close() }`; `close()` ends the session and the server.
 */
export async function startWebDriver(engine) {
  const port = await freePort();
  let command;
  let capabilities;
  if (engine === "firefox") {
    const binary = process.env.OSS_GECKODRIVER;
    if (!binary) throw new Error("OSS_GECKODRIVER is not set (source target/setup.env)");
    command = [binary, "--host", "127.0.0.1", "--port", String(port)];
    capabilities = new Capabilities({
      browserName: "firefox",
      "moz:firefoxOptions": { args: ["-headless"], prefs: { "browser.shell.checkDefaultBrowser": false } },
    });
  } else if (engine === "webkit") {
    const binary = process.env.OSS_WEBKITDRIVER;
    if (!binary) throw new Error("OSS_WEBKITDRIVER is not set (source target/setup.env)");
    // -a: a free display number, so several runs can share the machine.
    command = ["xvfb-run", "-a", binary, `--port=${port}`];
    // WebKitWebDriver starts MiniBrowser when no browser is named.
    capabilities = new Capabilities({});
  } else {
    throw new Error(`no WebDriver engine '${engine}'`);
  }
  // Its own process group, so that closing ends xvfb-run's Xvfb as well.
  const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  const keep = (d) => {
    log = (log + d).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Gone.
    }
  };
  try {
    await waitForDriver(url, child, () => log);
    const builder = new Builder().usingServer(url).withCapabilities(capabilities);
    // selenium-webdriver insists on a browser name to pick its client; WebKitGTK's is MiniBrowser.
    if (engine === "webkit") builder.forBrowser("MiniBrowser");
    const driver = await builder.build();
    await driver.manage().setTimeouts({ script: 120000, pageLoad: 60000 });
    return {
      driver,
      engine,
      async close() {
        try {
          await driver.quit();
        } catch {
          // The session may already be gone with a crashed browser.
        }
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Polls a condition in the page (a JS expression) until it is truthy. */
export async function waitInPage(driver, expression, { timeout = 30000, what = expression } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await driver.executeScript(`return (${expression});`);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
