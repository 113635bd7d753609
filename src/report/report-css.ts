/**
 * The report's whole stylesheet, inlined into every page: system fonts, no
 * web fonts or images, so the file renders the same offline and in mail.
 */
export const reportCss = `
:root { color-scheme: light; --ink: #1f2328; --muted: #656d76; --line: #d8dee4; --soft: #f6f8fa; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 6px; }
h4 { font-size: 14px; margin: 16px 0 6px; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
.as-of { font-size: 15px; margin: 4px 0 10px; }
.muted { color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.badge { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px; background: #eaeef2; color: #424a53; vertical-align: middle; }
.status-succeeded, .status-pass, .status-built { background: #dafbe1; color: #1a7f37; }
.status-failed, .status-fail, .status-error, .status-breach { background: #ffebe9; color: #cf222e; }
.status-running, .status-skipped, .status-warn, .status-accepted { background: #fff8c5; color: #9a6700; }
.error, .notice { padding: 8px 12px; border-radius: 6px; }
.error { background: #ffebe9; color: #82071e; }
.notice { background: #fff8c5; }
.note { color: var(--muted); font-style: italic; }
.sentences p { margin: 4px 0; max-width: 900px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin-top: 14px; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; background: var(--soft); }
.kpi-label { font-size: 12px; color: var(--muted); }
.kpi-value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi-note { font-size: 11px; color: var(--muted); }
figure.chart { margin: 18px 0 26px; }
figure.chart figcaption h3 { margin: 0 0 2px; }
figure.chart figcaption p { margin: 0 0 8px; color: var(--muted); max-width: 900px; }
.svg { overflow-x: auto; }
.svg svg { max-width: 100%; height: auto; display: block; }
.svg svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fbfcfd; }
details { margin: 8px 0 16px; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
@media print { main { max-width: none; } details { display: block; } }
`;
