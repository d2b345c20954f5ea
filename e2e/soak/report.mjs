// The soak's report: totals over every upload (run.mjs's outcomes) as Markdown, and the list of
// what failed. A run passes when every upload ended with the right object on the server, every
// error was a clear OssError followed by a successful plain retry, no part the server had reported
// was sent again, and no checkpoint was left behind.

/** { failures: [text], summary: {...} } */
export function judge(run) {
  const failures = [];
  for (const o of run.uploads) {
    if (o.failure) failures.push(`upload #${o.index} (${JSON.stringify(o.key)}): ${o.failure}`);
    for (const r of o.log.resent.filter((x) => x.regression)) {
      failures.push(`upload #${o.index}: part ${r.partNumber} re-sent although ${r.why}`);
    }
  }
  if (run.checkpointsLeft) failures.push(`${run.checkpointsLeft} checkpoint(s) left in IndexedDB after every upload completed`);
  return failures;
}

const sum = (xs, f) => xs.reduce((n, x) => n + f(x), 0);
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;

/** The report as Markdown (the command that produced it first). */
export function markdown(run, { command } = {}) {
  const u = run.uploads;
  const fileBytes = sum(u, (o) => o.size);
  const received = sum(u, (o) => o.log.bytes);
  const cutOff = sum(u, (o) => o.log.cutOff);
  const refused = sum(u, (o) => o.log.refused);
  const abandoned = sum(u, (o) => o.log.abandoned);
  const resent = u.flatMap((o) => o.log.resent.map((r) => ({ ...r, index: o.index })));
  const regressions = resent.filter((r) => r.regression);
  const errors = {};
  for (const o of u) for (const c of o.errors) errors[c] = (errors[c] || 0) + 1;
  const faults = {};
  for (const o of u) for (const f of o.faults) faults[f.kind] = (faults[f.kind] || 0) + 1;
  const interruptions = {};
  for (const o of u) for (const k of o.interrupted) interruptions[k] = (interruptions[k] || 0) + 1;
  const missed = sum(u, (o) => o.missed.length);
  const counts = (m) => Object.entries(m).sort().map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  const failures = judge(run);
  const listed = (which) => (which.length ? `${which.length}: ${which.map((o) => "#" + o.index).join(", ")}` : "none");
  const twice = (kind) => listed(u.filter((o) => o.log.completedTwice === kind));
  const other = received - fileBytes - cutOff - refused - abandoned - sum(resent, (r) => r.bytes);
  const lines = [
    command ? `Command: \`${command}\` (${run.seconds.toFixed(0)} s).` : `${run.seconds.toFixed(0)} s.`,
    "",
    "| Figure | Value |",
    "|---|---|",
    `| uploads | ${u.length} (${u.filter((o) => !o.failure).length} succeeded) |`,
    `| byte-identical on the server (read back) | ${u.filter((o) => o.identical).length} / ${u.length} |`,
    `| CRC-64 and size match (server's HEAD, and upload()'s result) | ${u.filter((o) => o.crcMatches && o.resultMatches).length} / ${u.length} |`,
    `| file sizes | ${u.filter((o) => o.size === 0).length} empty, ${u.filter((o) => o.size > 0 && o.size < 102400).length} PutObject, ${u.filter((o) => o.size >= 102400).length} multipart; ${mib(fileBytes)} in all, largest ${mib(Math.max(0, ...u.map((o) => o.size)))} |`,
    `| signatures | V4 ${u.filter((o) => o.signatureVersion === "v4").length}, V1 ${u.filter((o) => o.signatureVersion === "v1").length} |`,
    `| fault rules | ${counts(faults)} |`,
    `| interruptions that landed | ${counts(interruptions)}; ${missed} more found the upload already done |`,
    `| errors upload() rejected with (each followed by a plain retry) | ${counts(errors)} |`,
    `| UploadPart + PutObject body bytes received / sum of file sizes | ${mib(received)} / ${mib(fileBytes)} = ${fileBytes ? (received / fileBytes).toFixed(3) : "-"} |`,
    `| of the extra: bodies cut off mid-request (drop faults; the page reloaded, closed or aborted) | ${mib(cutOff)} |`,
    `| of the extra: bodies read and refused (5xx, expired token, skew, NoSuchUpload) | ${mib(refused)} |`,
    `| of the extra: parts of uploads left behind (NoSuchUpload, restart), objects stored before the last | ${mib(abandoned)} |`,
    `| of the extra: parts re-sent while the server held them | ${resent.length} (${mib(sum(resent, (r) => r.bytes))}); after the client knew: ${regressions.length} |`,
    `| of the extra: unaccounted for | ${mib(other)} |`,
    `| stored twice: completed as the page was interrupted, resumed, ListParts said NoSuchUpload, sent again | ${twice("resume")} |`,
    `| stored twice: completed, then upload() ended without its result (tab gone, or aborted), called again | ${twice("again")} |`,
    `| aborts that rejected with AbortError after the upload had finished (object stored, checkpoint deleted) | ${listed(u.filter((o) => o.abortedWhenDone))} |`,
    `| checkpoints left in IndexedDB | ${run.checkpointsLeft} |`,
    `| verdict | ${failures.length ? `**FAILED** (${failures.length})` : "passed"} |`,
  ];
  if (resent.length) {
    lines.push("", "Parts re-sent while the server held them:", "");
    for (const r of resent) lines.push(`- upload #${r.index}, part ${r.partNumber}: ${r.why}${r.regression ? " (**regression**)" : ""}`);
  }
  for (const o of u.filter((x) => x.trace)) {
    const when = o.interrupted.length ? `interrupted: ${o.interrupted.join(", ")}` : "not interrupted";
    lines.push("", `Server log of upload #${o.index} (${o.size} bytes, ${when}; time, operation, part, uploadId's end, status, code, body bytes, faults):`, "", "```");
    lines.push(...o.trace, "```");
  }
  if (failures.length) {
    lines.push("", "Failures:", "");
    for (const f of failures) lines.push(`- ${f}`);
  }
  return lines.join("\n");
}
