// The demo page: loads the wasm package and checks that the dev server answers cross-origin.
import * as oss from "oss-resumable";

async function main() {
  const status = document.getElementById("status");
  status.textContent = `oss-resumable ${oss.version()} loaded`;
  status.dataset.loaded = "true";
  const server = document.getElementById("server");
  try {
    const config = await (await fetch("config.json")).json();
    const health = await fetch(`${config.endpoint}/__dev/health`);
    server.textContent = health.ok
      ? `oss-devserver at ${config.endpoint} is reachable (bucket "${config.bucket}")`
      : `oss-devserver answered ${health.status}`;
  } catch (e) {
    server.textContent = `oss-devserver is not reachable: ${e}`;
  }
}

main();
