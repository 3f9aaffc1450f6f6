// What-ifs for `acesim simulate --set KEY=VALUE`: change a probe's timing or a
// sticky group's timeout in the model before simulating, in the config's own
// units (seconds, counts, minutes). Every key and value is validated; a bad one
// is a clear message, never an exception. Pure: returns a changed copy.
import { didYouMean } from '../config/did-you-mean.js';
import type { ContextModel, Probe, StickyGroup } from '../config/model.js';

interface Setting<T> {
  lo: number;
  hi: number;
  unit: string;
  apply(target: T, v: number): void;
}

const PROBE_SETTINGS: Record<string, Setting<Probe>> = {
  interval: { lo: 2, hi: 65535, unit: 's', apply: (p, v) => void (p.intervalMs = v * 1000) },
  faildetect: { lo: 1, hi: 65535, unit: '', apply: (p, v) => void (p.faildetect = v) },
  'passdetect.interval': { lo: 2, hi: 65535, unit: 's', apply: (p, v) => void (p.passdetectIntervalMs = v * 1000) },
  'passdetect.count': { lo: 1, hi: 65535, unit: '', apply: (p, v) => void (p.passdetectCount = v) },
  receive: { lo: 1, hi: 65535, unit: 's', apply: (p, v) => void (p.receiveMs = v * 1000) },
  open: { lo: 1, hi: 65535, unit: 's', apply: (p, v) => void (p.openMs = v * 1000) },
};

const STICKY_SETTINGS: Record<string, Setting<StickyGroup>> = {
  timeout: { lo: 1, hi: 65535, unit: 'min', apply: (g, v) => void (g.timeoutMs = v * 60_000) },
};

export type WhatIfResult = { ok: true; context: ContextModel; applied: string[] } | { ok: false; message: string };

export function applyWhatIfs(ctx: ContextModel, sets: readonly string[]): WhatIfResult {
  // A structured copy: the caller's model stays as it was (Secrets are class instances; keep them by reference).
  const copy: ContextModel = { ...ctx, probes: ctx.probes.map((p) => ({ ...p })), stickyGroups: ctx.stickyGroups.map((g) => ({ ...g })) };
  const applied: string[] = [];
  for (const s of sets) {
    const m = /^(probe|sticky)\.([^=]+?)\.([a-z.]+)=(.+)$/.exec(s.trim());
    if (!m) return { ok: false, message: `--set "${s}": expected probe.NAME.SETTING=VALUE or sticky.NAME.timeout=MINUTES (e.g. probe.PROBE-HTTP-80.interval=5)` };
    const [, kind, name, key, raw] = m as unknown as [string, 'probe' | 'sticky', string, string, string];
    const value = Number(raw);
    const list = kind === 'probe' ? copy.probes : copy.stickyGroups;
    const target = list.find((x) => x.name === name);
    if (!target) {
      const dym = didYouMean(name, list.map((x) => x.name));
      return { ok: false, message: `--set "${s}": no ${kind === 'probe' ? 'probe' : 'sticky group'} named ${name}${dym ? ` (did you mean ${dym}?)` : ''}` };
    }
    const table = (kind === 'probe' ? PROBE_SETTINGS : STICKY_SETTINGS) as Record<string, Setting<Probe | StickyGroup>>;
    const setting = table[key];
    if (!setting) {
      const dym = didYouMean(key, Object.keys(table));
      return { ok: false, message: `--set "${s}": ${kind} settings are ${Object.keys(table).join(', ')}${dym ? ` (did you mean ${dym}?)` : ''}` };
    }
    if (!Number.isInteger(value) || value < setting.lo || value > setting.hi) {
      return { ok: false, message: `--set "${s}": ${key} takes a whole number from ${setting.lo} to ${setting.hi}${setting.unit ? ` (${setting.unit})` : ''}, as in the ACE config` };
    }
    setting.apply(target, value);
    applied.push(`${kind} ${name} ${key} ${value}${setting.unit ? ' ' + setting.unit : ''}`);
  }
  return { ok: true, context: copy, applied };
}
