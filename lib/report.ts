/**
 * The analysis report as a text table (terminals), and as a self-contained
 * HTML page (no scripts, no fetches): a chart of per-port load per policy and
 * selector, the comparison table, the failure table, the verdict, warnings.
 */
import type { AnalysisReport, ConfigResult } from './analyze.js';
import { InvalidArgumentError, describe } from './errors.js';
import { checkArray, checkObject, checkString } from './validate.js';

/** The shape the formatters read: an AnalysisReport (analyze's, or one read back from --json). */
function checkReport(report: unknown): AnalysisReport {
  const r = checkObject(report, 'report');
  const nums = (o: Record<string, unknown>, keys: string[], what: string) => {
    for (const k of keys)
      if (typeof o[k] !== 'number') throw new InvalidArgumentError(`Expected ${what}.${k} to be a number, got ${describe(o[k])}`);
  };
  nums(r, ['ports', 'best'], 'report');
  checkString(r.by, 'report.by');
  checkString(r.verdict, 'report.verdict');
  checkArray(r.weights, 'report.weights').forEach((w, i) => nums({ w }, ['w'], `report.weights[${i}]`));
  checkArray(r.warnings, 'report.warnings').forEach((w, i) => checkString(w, `report.warnings[${i}]`));
  const t = checkObject(r.traffic, 'report.traffic');
  nums(t, ['frames', 'bytes', 'flows', 'flowsError', 'macPairs', 'ipPairs', 'tunnelledFrames'], 'report.traffic');
  nums(checkObject(t.largestFlow, 'report.traffic.largestFlow'), ['share'], 'report.traffic.largestFlow');
  checkArray(r.inputs, 'report.inputs').forEach((x, i) => {
    const input = checkObject(x, `report.inputs[${i}]`);
    checkString(input.file, `report.inputs[${i}].file`);
    checkArray(input.warnings, `report.inputs[${i}].warnings`).forEach((w, j) => checkString(w, `report.inputs[${i}].warnings[${j}]`));
  });
  checkArray(r.results, 'report.results').forEach((x, i) => {
    const c = checkObject(x, `report.results[${i}]`);
    checkString(c.policy, `report.results[${i}].policy`);
    checkString(c.selector, `report.results[${i}].selector`);
    nums(c, ['imbalance', 'jain'], `report.results[${i}]`);
    checkArray(c.idle, `report.results[${i}].idle`);
    checkArray(c.ports, `report.results[${i}].ports`).forEach((p, j) => nums(checkObject(p, `report.results[${i}].ports[${j}]`), ['port', 'share', 'flows'], `report.results[${i}].ports[${j}]`));
    checkArray(c.failures, `report.results[${i}].failures`).forEach((f, j) =>
      nums(checkObject(f, `report.results[${i}].failures[${j}]`), ['port', 'flowsMoved', 'loadMoved', 'idealFlows', 'idealLoad'], `report.results[${i}].failures[${j}]`));
  });
  return report as AnalysisReport;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const plural = (n: number, what: string) => `${n0(n)} ${what}${n === 1 ? '' : 's'}`;
const mb = (x: number) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} GB` : x >= 1e6 ? `${(x / 1e6).toFixed(1)} MB` : `${(x / 1e3).toFixed(1)} kB`);

function meanFailure(r: ConfigResult): { moved: number; ideal: number } | null {
  if (!r.failures.length) return null;
  const k = r.failures.length;
  return { moved: r.failures.reduce((s, f) => s + f.flowsMoved, 0) / k, ideal: r.failures.reduce((s, f) => s + f.idealFlows, 0) / k };
}

/** One line on what was analysed. */
export function summaryLine(r: AnalysisReport): string {
  const t = r.traffic;
  const files = r.inputs.length === 1 ? r.inputs[0].file : `${r.inputs.length} captures`;
  const flows = `${t.flowsError ? '~' : ''}${n0(t.flows)} flows`;
  const w = r.weights.some((x) => x !== r.weights[0]) ? ` (weights ${r.weights.join(':')})` : '';
  return `${files}: ${n0(t.frames)} frames, ${mb(t.bytes)} on the wire, ${flows}; ${r.ports} ports${w}; load by ${r.by}`;
}

function table(rows: string[][], right: boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** The aligned text report. */
export function formatText(r: AnalysisReport): string {
  checkReport(r);
  const out: string[] = [`laghash analyze: ${summaryLine(r)}`, ''];
  const t = r.traffic;
  const head = ['policy', 'selector', 'imbalance', 'Jain', 'idle', `${r.by} per port`, 'flows per port', 'fail: flows moved (ideal)'];
  const rows = [head];
  r.results.forEach((x, i) => {
    const f = meanFailure(x);
    rows.push([
      `${i === r.best ? '* ' : '  '}${x.policy}`,
      x.selector + (x.honoursWeights ? '' : ' (no weights)'),
      x.imbalance.toFixed(2),
      x.jain.toFixed(3),
      x.idle.length ? String(x.idle.length) : '-',
      x.ports.map((p) => pct(p.share).padStart(4)).join(' '),
      x.ports.map((p) => n0(p.flows)).join(' '),
      f ? `${pct(f.moved)} (${pct(f.ideal)})` : '-',
    ]);
  });
  out.push(...table(rows, [false, false, true, true, true, false, false, true]));
  if (r.results.some((x) => x.failures.length)) {
    out.push('', 'when a port fails: flows moved / ideal, then load moved / ideal');
    const fails = r.results[0].failures.map((f) => `port ${f.port}`);
    const frows = [['policy', 'selector', ...fails]];
    for (const x of r.results)
      frows.push([x.policy, x.selector, ...x.failures.map((f) => `${pct(f.flowsMoved)}/${pct(f.idealFlows)} ${pct(f.loadMoved)}/${pct(f.idealLoad)}`)]);
    out.push(...table(frows, [false, false, ...fails.map(() => true)]));
  }
  out.push('', `largest flow: ${pct(t.largestFlow.share)} of the ${r.by}${t.largestFlow.exact ? '' : ' (estimated)'}; ` +
    `${plural(t.macPairs, 'MAC pair')}, ${plural(t.ipPairs, 'IP pair')}${t.tunnelledFrames ? `, ${pct(t.tunnelledFrames / t.frames)} tunnelled` : ''}`);
  out.push(`verdict: ${r.verdict}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  for (const i of r.inputs) for (const w of i.warnings) out.push(`warning: ${i.file}: ${w}`);
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** One horizontal bar per configuration, a segment per port, the fair share marked. */
function chart(r: AnalysisReport): string {
  const rowH = 22, labelW = 300, barW = 560, top = 30, W = r.weights.reduce((a, b) => a + b, 0);
  const h = top + r.results.length * rowH + 10;
  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 20}" height="${h}" role="img" aria-label="load per port for each policy and selector">`,
  ];
  r.weights.forEach((_, p) => {
    parts.push(`<rect x="${labelW + p * 90}" y="6" width="12" height="12" fill="${COLOURS[p % COLOURS.length]}"/>`,
      `<text x="${labelW + p * 90 + 16}" y="16" font-size="12">port ${p}</text>`);
  });
  r.results.forEach((x, i) => {
    const y = top + i * rowH;
    parts.push(`<text class="label" x="${labelW - 8}" y="${y + 14}" font-size="12" text-anchor="end">${esc(`${x.policy} ${x.selector}`)}</text>`);
    let at = labelW;
    x.ports.forEach((p) => {
      const w = p.share * barW;
      parts.push(`<rect class="bar" data-port="${p.port}" x="${at.toFixed(2)}" y="${y + 2}" width="${w.toFixed(2)}" height="${rowH - 6}" fill="${COLOURS[p.port % COLOURS.length]}"><title>port ${p.port}: ${pct(p.share)} of the ${r.by}, ${n0(p.flows)} flows</title></rect>`);
      at += w;
    });
  });
  // fair-share boundaries
  let cum = 0;
  for (let p = 0; p < r.weights.length - 1; p++) {
    cum += r.weights[p] / W;
    const x = labelW + cum * barW;
    parts.push(`<line x1="${x.toFixed(2)}" y1="${top - 4}" x2="${x.toFixed(2)}" y2="${h - 6}" stroke="#222" stroke-dasharray="3,3" stroke-width="1"/>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The self-contained HTML report. */
export function formatHtml(r: AnalysisReport): string {
  checkReport(r);
  const rows = r.results.map((x, i) => {
    const f = meanFailure(x);
    return `<tr${i === r.best ? ' class="best"' : ''}><td>${esc(x.policy)}</td><td>${esc(x.selector)}${x.honoursWeights ? '' : ' (no weights)'}</td>` +
      `<td class="n">${x.imbalance.toFixed(2)}</td><td class="n">${x.jain.toFixed(3)}</td><td class="n">${x.idle.length || '-'}</td>` +
      `<td>${x.ports.map((p) => pct(p.share)).join(' ')}</td><td>${x.ports.map((p) => n0(p.flows)).join(' ')}</td>` +
      `<td class="n">${f ? `${pct(f.moved)} (${pct(f.ideal)})` : '-'}</td></tr>`;
  });
  const failHead = r.results[0]?.failures.map((f) => `<th>port ${f.port}</th>`).join('') ?? '';
  const failRows = r.results.map((x) => `<tr><td>${esc(x.policy)}</td><td>${esc(x.selector)}</td>` +
    x.failures.map((f) => `<td class="n">${pct(f.flowsMoved)} / ${pct(f.idealFlows)}<br><small>${pct(f.loadMoved)} / ${pct(f.idealLoad)}</small></td>`).join('') + '</tr>');
  const warnings = [...r.warnings, ...r.inputs.flatMap((i) => i.warnings.map((w) => `${i.file}: ${w}`))];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>laghash analyze</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.best { background: #eef6ee; font-weight: 600; }
.verdict { font-size: 1.1em; }
.warning { color: #8a4b00; }
</style>
</head>
<body>
<h1>laghash analyze</h1>
<p class="summary">${esc(summaryLine(r))}</p>
<p class="verdict">${esc(r.verdict)}</p>
${warnings.map((w) => `<p class="warning">warning: ${esc(w)}</p>`).join('\n')}
<h2>Load per port</h2>
<p>Each bar is one policy and selector; dashed lines mark each port's fair share.</p>
${chart(r)}
<h2>Comparison</h2>
<table class="results">
<thead><tr><th>policy</th><th>selector</th><th>imbalance</th><th>Jain</th><th>idle</th><th>${esc(r.by)} per port</th><th>flows per port</th><th>fail: flows moved (ideal)</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>When a port fails</h2>
<p>Share of the flows that change port, against the ideal (only the failed port's flows); below it, the same for the load.</p>
<table class="failures">
<thead><tr><th>policy</th><th>selector</th>${failHead}</tr></thead>
<tbody>
${failRows.join('\n')}
</tbody>
</table>
<p><small>Largest flow: ${pct(r.traffic.largestFlow.share)} of the ${esc(r.by)}. ${plural(r.traffic.macPairs, 'MAC pair')}, ${plural(r.traffic.ipPairs, 'IP pair')}.
Imbalance: the busiest port's load over its fair share. Jain: (sum x)&sup2; / (n sum x&sup2;) of the load per unit of weight.</small></p>
</body>
</html>
`;
}
