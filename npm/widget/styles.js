// The shadow root's stylesheet of <oss-uploader>. Themed through custom properties set on the
// element (`--oss-accent`, `--oss-bg`, `--oss-fg`, `--oss-muted`, `--oss-line`, `--oss-ok`,
// `--oss-bad`, `--oss-warn`, `--oss-radius`, `--oss-font`) and `::part()` names (dropzone,
// button, list, row, name, bar, bar-fill, state, note, pending, status). Light and dark follow
// `prefers-color-scheme`; colours keep WCAG AA contrast in both. From 320 px wide up.

export const css = `
:host {
  --_accent: var(--oss-accent, #0b57d0);
  --_fg: var(--oss-fg, #1b1f24);
  --_muted: var(--oss-muted, #57606a);
  --_line: var(--oss-line, #d0d7de);
  --_bg: var(--oss-bg, #ffffff);
  --_soft: var(--oss-soft, #eef3fd);
  --_ok: var(--oss-ok, #1a7f37);
  --_bad: var(--oss-bad, #c62828);
  --_warn: var(--oss-warn, #8a5a00);
  --_on-accent: var(--oss-on-accent, #ffffff);
  --_radius: var(--oss-radius, 10px);
  display: block;
  container-type: inline-size;
  min-width: 0;
  color: var(--_fg);
  background: var(--_bg);
  font: 1rem/1.45 var(--oss-font, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif);
}
@media (prefers-color-scheme: dark) {
  :host {
    --_accent: var(--oss-accent, #8ab4f8);
    --_fg: var(--oss-fg, #e6edf3);
    --_muted: var(--oss-muted, #a8b3bf);
    --_line: var(--oss-line, #3d444d);
    --_bg: var(--oss-bg, #161b22);
    --_soft: var(--oss-soft, #1f2a3a);
    --_ok: var(--oss-ok, #56d364);
    --_bad: var(--oss-bad, #ff8a80);
    --_warn: var(--oss-warn, #e3b341);
    --_on-accent: var(--oss-on-accent, #0d1117);
  }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
p, h2, h3, ul { margin: 0; }
h2, h3 { font-size: 1.05rem; line-height: 1.25; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.zone {
  display: grid; justify-items: center; gap: 6px; width: 100%; padding: 24px 16px;
  font: inherit; color: inherit; background: var(--_bg); cursor: pointer; text-align: center;
  border: 2px dashed var(--_muted); border-radius: var(--_radius);
}
.zone:hover, :host([dragging]) .zone { border-color: var(--_accent); background: var(--_soft); }
.zone svg { width: 36px; height: 36px; fill: var(--_accent); }
.zone-title { font-weight: 600; font-size: 1.05rem; }
.zone-hint, .status, .hint, .empty, .meta, .size, .note { color: var(--_muted); }
.zone-hint, .status, .hint, .note { font-size: 0.88rem; }
.under { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; margin-top: 8px; }
button:focus-visible, .zone:focus-visible { outline: 3px solid var(--_accent); outline-offset: 2px; }
.btn {
  font: inherit; font-size: 0.88rem; line-height: 1.2; padding: 6px 12px; cursor: pointer;
  color: var(--_fg); background: var(--_bg); border: 1px solid var(--_muted); border-radius: 8px;
}
.btn:hover { background: var(--_soft); }
.btn:disabled { opacity: 0.6; cursor: not-allowed; }
.btn.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_on-accent); font-weight: 600; }
.btn.danger { color: var(--_bad); border-color: var(--_bad); }
.btn.link { border-color: transparent; color: var(--_accent); background: none; }
section { margin-top: 16px; }
.head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; }
.list { list-style: none; padding: 0; margin-top: 8px; }
.row { display: grid; gap: 6px; padding: 10px 0; border-top: 1px solid var(--_line); }
.line { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 6px 12px; min-width: 0; }
.name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; flex: 1 1 12em; }
.size, .meta, .percent { font-variant-numeric: tabular-nums; font-size: 0.88rem; }
.facts { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.percent { font-weight: 600; min-width: 3em; }
.bar { height: 8px; border-radius: 4px; background: var(--_line); overflow: hidden; }
.fill { height: 100%; width: 0; background: var(--_accent); transition: width 0.2s linear; }
.row[data-state="done"] .fill { background: var(--_ok); }
.row[data-state="failed"] .fill, .row[data-state="refused"] .fill { background: var(--_bad); }
.row[data-state="paused"] .fill { background: var(--_warn); }
.badge { font-size: 0.75rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.02em; padding: 1px 8px; border-radius: 999px; border: 1px solid currentColor; }
.badge.done { color: var(--_ok); }
.badge.failed, .badge.refused { color: var(--_bad); }
.badge.paused { color: var(--_warn); }
.note.error { color: var(--_bad); }
.ok { color: var(--_ok); font-weight: 600; }
@container (max-width: 420px) {
  .zone { padding: 16px 10px; }
  .line { align-items: flex-start; }
}
@media (prefers-reduced-motion: reduce) { .fill { transition: none; } }
`;
