// The soak's samples and their chart: a small hand-written SVG (no chart
// dependency for three lines) with RSS and heap in MiB on the left axis and
// active handles on the right, kill/restart moments as ticks.

export interface Sample {
  tS: number;
  phase: 'baseline' | 'load' | 'drained';
  rssMiB: number;
  heapMiB: number;
  /** Memory outside the JS heap that V8 knows of (Buffers, typed arrays). */
  externalMiB: number;
  handles: number;
  sockets: number;
  timers: number;
  vipActive: number;
  realConns: number;
  ok: number;
  failed: number;
  event: string;
}

const W = 720;
const H = 260;
const PAD = { l: 48, r: 48, t: 16, b: 32 };

export function soakSvg(samples: Sample[]): string {
  const xMax = Math.max(1, ...samples.map((s) => s.tS));
  const mMax = Math.ceil(Math.max(1, ...samples.map((s) => s.rssMiB)) / 10) * 10;
  const hMax = Math.ceil(Math.max(1, ...samples.map((s) => s.handles)) / 10) * 10;
  const x = (t: number): number => PAD.l + (t / xMax) * (W - PAD.l - PAD.r);
  const yM = (v: number): number => H - PAD.b - (v / mMax) * (H - PAD.t - PAD.b);
  const yH = (v: number): number => H - PAD.b - (v / hMax) * (H - PAD.t - PAD.b);
  const line = (f: (s: Sample) => number, y: (v: number) => number, color: string): string =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${samples.map((s) => `${x(s.tS).toFixed(1)},${y(f(s)).toFixed(1)}`).join(' ')}"/>`;
  const ticks = samples
    .filter((s) => s.event !== '')
    .map((s) => `<line x1="${x(s.tS).toFixed(1)}" x2="${x(s.tS).toFixed(1)}" y1="${PAD.t}" y2="${H - PAD.b}" stroke="${s.event.startsWith('kill') ? '#d62728' : '#2ca02c'}" stroke-dasharray="3,3" stroke-width="0.8"/>`)
    .join('');
  const axis = `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#444"/>`;
  const labels = [
    `<text x="${PAD.l - 4}" y="${PAD.t + 4}" text-anchor="end">${mMax} MiB</text>`,
    `<text x="${PAD.l - 4}" y="${H - PAD.b}" text-anchor="end">0</text>`,
    `<text x="${W - PAD.r + 4}" y="${PAD.t + 4}">${hMax} handles</text>`,
    `<text x="${W - PAD.r}" y="${H - 8}" text-anchor="end">${xMax} s</text>`,
    `<text x="${PAD.l + 8}" y="${H - 8}"><tspan fill="#1f77b4">RSS</tspan> · <tspan fill="#ff7f0e">heap</tspan> · <tspan fill="#7f7f7f">handles</tspan> · <tspan fill="#d62728">kill</tspan>/<tspan fill="#2ca02c">restart</tspan></text>`,
  ].join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="#fff"/>${axis}${ticks}${line((s) => s.rssMiB, yM, '#1f77b4')}${line((s) => s.heapMiB, yM, '#ff7f0e')}${line((s) => s.handles, yH, '#7f7f7f')}${labels}</svg>\n`;
}
