// The lab's HTML report: one self-contained file (no scripts, no external
// assets) with the timing table, per run a metrics table (first fault and
// totals, as in the JSON) and a per-fault table, and an inline SVG timeline —
// real state per node and farm, fault markers, false FAILED verdicts,
// per-second client successes and failures per node (failures nothing could
// attribute in a row of their own). Pure: result in, text out. Timebase: config ms.
import type { RunEvent } from './measure.js';
import type { LabRunResult } from './lab-run.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const sec = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

const STATE_COLOR: Record<string, string> = { OPERATIONAL: '#2e9d48', 'PROBE-FAILED': '#d33b3b', 'OUT-OF-SERVICE': '#888', INACTIVE: '#888' };

export function timelineSvg(r: LabRunResult): string {
  const W = 1000;
  const X0 = 170;
  const PW = W - X0 - 20;
  const dur = Math.max(1, r.durationMs);
  const x = (ms: number): number => X0 + (Math.min(Math.max(ms, 0), dur) / dur) * PW;
  const parts: string[] = [];
  let y = 30;
  const byAddr = new Map(r.nodes.map((n) => [n.address, n]));
  const reals = r.events.filter((e): e is Extract<RunEvent, { type: 'real' }> => e.type === 'real');
  const reqs = r.events.filter((e): e is Extract<RunEvent, { type: 'request' }> => e.type === 'request');
  const seconds = Math.ceil(dur / 1000);
  /** One row of per-second bars (height 28) for these requests; returns the y below it. */
  const bars = (label: string, qs: readonly Extract<RunEvent, { type: 'request' }>[], color: string, id: string): number => {
    const per = new Array<number>(seconds).fill(0);
    for (const q of qs) per[Math.min(seconds - 1, Math.max(0, Math.floor(q.atMs / 1000)))]!++;
    const max = Math.max(1, ...per);
    const base = y + 30;
    parts.push(`<g class="row" data-row="${esc(id)}" data-total="${qs.length}"><text x="8" y="${base - 20}" font-size="10">${esc(label)} (total ${qs.length}, max ${max}/s)</text>`);
    for (let s = 0; s < seconds; s++) {
      if (per[s]! === 0) continue;
      const bx = x(s * 1000);
      const h = (per[s]! / max) * 18;
      parts.push(`<rect x="${bx.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${Math.max(0.5, x((s + 1) * 1000) - bx - 0.3).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`);
    }
    parts.push('</g>');
    return base + 6;
  };
  for (const n of r.nodes) {
    parts.push(`<text x="4" y="${y + 4}" font-weight="bold">${esc(n.name)} ${esc(n.address)}</text>`);
    y += 12;
    const farms = [...new Set(reals.filter((e) => e.address === n.address).map((e) => e.farm))].sort();
    for (const farm of farms) {
      const evs = reals.filter((e) => e.address === n.address && e.farm === farm);
      parts.push(`<text x="8" y="${y + 9}" font-size="10">${esc(farm)}</text>`);
      // Before its first change the real was in service: OPERATIONAL, or INIT when the first change is to OPERATIONAL.
      const first = evs[0];
      if (first && first.atMs > 0) {
        const initial = first.to === 'OPERATIONAL' ? 'INIT' : 'OPERATIONAL';
        parts.push(`<rect x="${x(0).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(first.atMs) - x(0)).toFixed(1)}" height="10" fill="${STATE_COLOR[initial] ?? '#bbb'}"><title>${esc(farm)} ${initial} from the start</title></rect>`);
      }
      evs.forEach((e, i) => {
        const end = evs[i + 1]?.atMs ?? dur;
        const color = STATE_COLOR[e.to] ?? '#bbb';
        parts.push(`<rect x="${x(e.atMs).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(end) - x(e.atMs)).toFixed(1)}" height="10" fill="${color}"><title>${esc(farm)} ${esc(e.to)} at ${sec(e.atMs)}</title></rect>`);
      });
      y += 13;
    }
    // Per-second client outcomes of this node: served (blue), failed after reaching it (red).
    y = bars(`clients served/s`, reqs.filter((q) => q.ok && q.node === n.name), '#4a7fd0', `served-${n.name}`);
    y = bars(`failures/s at ${n.name}`, reqs.filter((q) => !q.ok && q.node === n.name), '#d33b3b', `failed-${n.name}`);
  }
  // Refused or reset connections and traps lost on the way name no node.
  y = bars('unattributed failures/s (refused, reset, lost on the way)', reqs.filter((q) => !q.ok && q.node === undefined), '#d33b3b', 'failed-unattributed');
  y += 6;
  for (const ff of r.falseFailures) {
    const fx = x(ff.atMs).toFixed(1);
    parts.push(`<circle class="false-failure" cx="${fx}" cy="22" r="4" fill="#f39c12"><title>false FAILED: ${esc(ff.probe)} on ${esc(ff.node)}${ff.farm ? ` in ${esc(ff.farm)}` : ''} at ${sec(ff.atMs)} (${esc(ff.cause)}), no fault on the node</title></circle>`);
  }
  for (const f of r.events.filter((e): e is Extract<RunEvent, { type: 'fault' }> => e.type === 'fault')) {
    const fx = x(f.atMs).toFixed(1);
    parts.push(`<line x1="${fx}" y1="14" x2="${fx}" y2="${y}" stroke="#000" stroke-dasharray="4 3"/><text x="${fx}" y="12" font-size="11" text-anchor="middle">${esc(f.fault)} ${esc(byAddr.get(f.address)?.name ?? f.node)} (${sec(f.atMs)})</text>`);
  }
  for (let t = 0; t <= dur; t += tickMs(dur)) parts.push(`<text x="${x(t).toFixed(1)}" y="${y + 12}" font-size="10" text-anchor="middle">${t / 1000}s</text>`);
  y += 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="sans-serif" font-size="12">${parts.join('')}</svg>`;
}

function tickMs(dur: number): number {
  for (const t of [1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000]) if (dur / t <= 12) return t;
  return 3_600_000;
}

/** The run's metrics as in the JSON (first fault and totals), one row each; data-value holds the JSON value. */
function metricsTable(r: LabRunResult, run: number): string {
  const m = r.metrics;
  const rows: [string, number | null, boolean][] = [
    ['detectionMs', m.detectionMs, true],
    ['failoverMs', m.failoverMs, true],
    ['recoveryMs', m.recoveryMs, true],
    ['failbackMs', m.failbackMs, true],
    ['requests', m.requests, false],
    ['lostRequests', m.lostRequests, false],
    ['traps', m.traps, false],
    ['lostTraps', m.lostTraps, false],
    ['stickyMoves', m.stickyMoves, false],
    ['sourceMismatches', m.sourceMismatches, false],
  ];
  const tr = rows.map(([k, v, t]) => `<tr data-metric="${k}" data-value="${v === null ? 'null' : v}"><th>${k}</th><td>${t ? sec(v) : String(v)}</td></tr>`).join('');
  const causes = Object.entries(r.lostByCause);
  const how = causes.length > 0 ? `<tr class="loss-causes"><th>lost requests by cause</th><td>${causes.map(([c, n]) => `${esc(c)} ${n}`).join(', ')}</td></tr>` : '';
  return `<table class="metrics" id="metrics-run-${run}"><caption>Metrics (first fault; totals)</caption>${tr}${how}</table>`;
}

function faultsTable(r: LabRunResult, run: number): string {
  if (r.faults.length === 0) return '';
  const win = (w: [number, number] | undefined): string => (w ? `${sec(w[0])} – ${sec(w[1])}` : '');
  const tr = r.faults
    .map((f, k) => {
      const bad = f.checks.filter((c) => !c.ok).map((c) => c.name);
      return `<tr data-fault="${k}"><td>${esc(f.fault)} ${esc(f.node)}</td><td>${sec(f.atMs)}</td><td>${sec(f.recoverAtMs)}</td><td>${sec(f.detectionMs)}</td><td>${win(f.predicted.detectionMs)}</td><td>${sec(f.failoverMs)}</td><td>${sec(f.recoveryMs)}</td><td>${win(f.predicted.recoveryMs)}</td><td>${sec(f.failbackMs)}</td><td>${f.lostRequests}</td><td>${f.lostTraps}</td><td>${bad.length ? `OUTSIDE: ${esc(bad.join(', '))}` : 'ok'}</td></tr>`;
    })
    .join('');
  return `<table class="faults" id="faults-run-${run}"><caption>Every fault</caption><tr><th>fault</th><th>at</th><th>recover</th><th>detection</th><th>predicted</th><th>failover</th><th>recovery</th><th>predicted</th><th>failback</th><th>lost requests</th><th>lost traps</th><th>verdict</th></tr>${tr}</table>`;
}

export function htmlReport(title: string, timeScale: number, runs: LabRunResult[], tableText: string): string {
  const body = runs
    .map((r, i) => `<h2>Run ${i + 1}</h2>${r.notes.length ? `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}${metricsTable(r, i + 1)}${faultsTable(r, i + 1)}${timelineSvg(r)}`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>acesim lab: ${esc(title)}</title>
<style>body{font-family:sans-serif;margin:20px;max-width:1040px}pre{background:#f4f4f4;padding:8px;overflow:auto}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:left}caption{text-align:left;font-weight:bold}</style></head>
<body><h1>acesim lab: ${esc(title)}</h1>
<p>Time scale ${timeScale}: the run went ${timeScale}× faster than configured; every time shown is config time. Colours: green OPERATIONAL, red PROBE-FAILED, grey other; blue bars clients served, red bars failures; orange dots FAILED verdicts on a node without a fault (false failures).</p>
<pre>${esc(tableText)}</pre>
${body}
</body></html>
`;
}
