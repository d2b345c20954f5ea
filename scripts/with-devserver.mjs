// What scripts/with-devserver.sh runs once the dev server is built: starts a fresh oss-devserver
// on a free loopback port with the launcher every other harness uses (scripts/servers.mjs), runs
// COMMAND with the server's URL in OSS_DEVSERVER_URL (browser tests read it at compile time),
// and stops the server when the command ends, whether it passed or failed. Exits with the
// command's status.
//
//   node scripts/with-devserver.mjs [--profile debug|server] [--] COMMAND [ARGS...]
//   (extra server flags: DEVSERVER_ARGS, split on spaces)
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { startDevserver } from "./servers.mjs";

const argv = process.argv.slice(2);
let profile = "debug";
if (argv[0] === "--profile") profile = argv.splice(0, 2)[1];
if (argv[0] === "--") argv.shift();
if (argv.length === 0) {
  console.error("usage: with-devserver.mjs [--profile debug|server] [--] COMMAND [ARGS...]");
  process.exit(2);
}

const args = (process.env.DEVSERVER_ARGS || "").split(" ").filter(Boolean);
let server;
try {
  server = await startDevserver({ profile, args });
} catch (e) {
  console.error(`with-devserver: oss-devserver did not start: ${e.message}`);
  process.exit(1);
}
console.error(`with-devserver: oss-devserver at ${server.url}`);

const command = spawn(argv[0], argv.slice(1), {
  stdio: "inherit",
  env: { ...process.env, OSS_DEVSERVER_URL: server.url },
});
// Ctrl-C in a terminal reaches the command by itself (same process group); a signal sent to this
// process alone is passed on. Either way the server is stopped once the command has ended.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => command.kill(signal));
}
const status = await new Promise((resolve) => {
  command.once("error", (e) => {
    console.error(`with-devserver: cannot run ${argv[0]}: ${e.message}`);
    resolve(127);
  });
  command.once("exit", (code, signal) => resolve(code ?? 128 + (constants.signals[signal] || 0)));
});
await server.stop();
process.exit(status);
