// The lab's HTML report: one self-contained file (no scripts, no external
// assets) with the timing table and an inline SVG timeline per run — real
// state per node and farm, fault markers, per-second client successes and
// failures per node. Pure: result in, text out. Timebase: config ms.
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
    // Per-second client outcomes served by (or lost near) this node: successes up, failures down.
    const ok = new Array<number>(seconds).fill(0);
    for (const q of reqs) {
      const s = Math.min(seconds - 1, Math.max(0, Math.floor(q.atMs / 1000)));
      if (q.ok && q.node === n.name) ok[s]!++;
    }
    const max = Math.max(1, ...ok);
    const base = y + 30;
    parts.push(`<text x="8" y="${base - 10}" font-size="10">clients served/s (max ${max})</text>`);
    for (let s = 0; s < seconds; s++) {
      const bx = x(s * 1000);
      const bw = Math.max(0.5, x((s + 1) * 1000) - bx - 0.3);
      if (ok[s]! > 0) parts.push(`<rect x="${bx.toFixed(1)}" y="${(base - (ok[s]! / max) * 28).toFixed(1)}" width="${bw.toFixed(1)}" height="${((ok[s]! / max) * 28).toFixed(1)}" fill="#4a7fd0"/>`);
    }
    y = base + 12;
  }
  // Failures are not attributable to a node (nothing answered): one shared row.
  const fails = new Array<number>(seconds).fill(0);
  for (const q of reqs) if (!q.ok) fails[Math.min(seconds - 1, Math.max(0, Math.floor(q.atMs / 1000)))]!++;
  const fmax = Math.max(1, ...fails);
  parts.push(`<text x="4" y="${y + 4}" font-weight="bold">failed requests/traps per second (max ${fmax})</text>`);
  y += 12; // bars start below the label's descenders
  for (let s = 0; s < seconds; s++) {
    if (fails[s]! === 0) continue;
    const bx = x(s * 1000);
    parts.push(`<rect x="${bx.toFixed(1)}" y="${y}" width="${Math.max(0.5, x((s + 1) * 1000) - bx - 0.3).toFixed(1)}" height="${((fails[s]! / fmax) * 24).toFixed(1)}" fill="#d33b3b"/>`);
  }
  y += 34;
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

export function htmlReport(title: string, timeScale: number, runs: LabRunResult[], tableText: string): string {
  const body = runs
    .map((r, i) => `<h2>Run ${i + 1}</h2>${r.notes.length ? `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}${timelineSvg(r)}`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>acesim lab: ${esc(title)}</title>
<style>body{font-family:sans-serif;margin:20px;max-width:1040px}pre{background:#f4f4f4;padding:8px;overflow:auto}</style></head>
<body><h1>acesim lab: ${esc(title)}</h1>
<p>Time scale ${timeScale}: the run went ${timeScale}× faster than configured; every time shown is config time. Colours: green OPERATIONAL, red PROBE-FAILED, grey other.</p>
<pre>${esc(tableText)}</pre>
${body}
</body></html>
`;
}
