// The simulator's HTML report: one self-contained file in the lab report's
// style — the distribution table, an SVG histogram per measurement over the
// Monte Carlo runs, and the lab's own timeline drawing (timelineSvg) for one
// run sent request by request. Pure: results in, text out. Timebase: config ms.
import type { LabRunResult } from '../lab/lab-run.js';
import { timelineSvg } from '../lab/report-html.js';
import { lockstepText, type LockstepSummary } from './lockstep.js';
import type { SimRun, SimulationReport } from './simulate.js';

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Histogram of values (ms) as an inline SVG: `bins` equal bins between min and max, counts as bars. */
export function histogramSvg(title: string, values: readonly number[], bins = 30): string {
  const W = 480;
  const H = 160;
  const X0 = 40;
  const Y0 = 20;
  const PH = H - Y0 - 30;
  if (values.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40" font-family="sans-serif" font-size="12"><text x="4" y="16">${esc(title)}: did not happen in any run</text></svg>`;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = Math.max(1, (hi - lo) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  const max = Math.max(...counts);
  const bw = (W - X0 - 10) / bins;
  const parts = [`<text x="4" y="14" font-weight="bold">${esc(title)} (${values.length} runs)</text>`];
  counts.forEach((c, i) => {
    if (c === 0) return;
    const h = (c / max) * PH;
    parts.push(`<rect x="${(X0 + i * bw).toFixed(1)}" y="${(Y0 + PH - h).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a7fd0"><title>${(lo + i * width) / 1000}–${(lo + (i + 1) * width) / 1000} s: ${c} runs</title></rect>`);
  });
  parts.push(`<text x="${X0 - 4}" y="${Y0 + 8}" font-size="10" text-anchor="end">${max}</text>`);
  parts.push(`<line x1="${X0}" y1="${Y0 + PH}" x2="${W - 10}" y2="${Y0 + PH}" stroke="#000"/>`);
  parts.push(`<text x="${X0}" y="${Y0 + PH + 14}" font-size="10">${(lo / 1000).toFixed(1)} s</text>`);
  parts.push(`<text x="${W - 10}" y="${Y0 + PH + 14}" font-size="10" text-anchor="end">${(hi / 1000).toFixed(1)} s</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">${parts.join('')}</svg>`;
}

/** What the lab's timeline drawing needs of a run. */
export type TimelineRun = Pick<LabRunResult, 'events' | 'nodes' | 'durationMs'>;

/**
 * timelineSvg takes a whole lab result but draws from events, nodes, duration
 * and false failures only; a simulated run has no false failures to mark.
 */
function asLabRun(r: TimelineRun): LabRunResult {
  return { falseFailures: [], ...r } as unknown as LabRunResult;
}

export function simulationHtml(report: SimulationReport, runs: readonly SimRun[], tableText: string, sample: TimelineRun | undefined, lockstep?: LockstepSummary): string {
  const values = (k: 'detectionMs' | 'failoverMs' | 'recoveryMs' | 'failbackMs') => runs.map((r) => r.metrics[k]).filter((v): v is number => v !== null);
  const hist = [
    histogramSvg('detection', values('detectionMs')),
    histogramSvg('failover', values('failoverMs')),
    histogramSvg('recovery', values('recoveryMs')),
    histogramSvg('failback', values('failbackMs')),
  ].join('\n');
  const lock = lockstep ? `<h2>Lockstep with the hot-standby controller</h2><pre>${esc(lockstepText(lockstep).join('\n'))}</pre>` : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>acesim simulate: ${esc(report.scenario)}</title>
<style>body{font-family:sans-serif;margin:20px;max-width:1040px}pre{background:#f4f4f4;padding:8px;overflow:auto}svg{margin:4px}</style></head>
<body><h1>acesim simulate: ${esc(report.scenario)}</h1>
<p>${report.runs} runs in virtual time (seed ${report.seed}, traffic ${report.traffic}), the fault at a random phase of the probe cycles. Every time is config time.</p>
<pre>${esc(tableText)}</pre>
<h2>Distributions</h2>
${hist}
${lock}
${sample ? `<h2>One run, request by request</h2><p>Colours: green OPERATIONAL, red PROBE-FAILED, grey other.</p>${timelineSvg(asLabRun(sample))}` : ''}
</body></html>
`;
}
