// What every export target shares: the result shape, positioned export
// diagnostics, and the ACE facts a translation needs (which probes decide a
// real, which port a probe instance inherits, masks as prefix lengths).
// Pure over the model; untranslatable input becomes a diagnostic, never an
// exception. Durations are the model's milliseconds.
import { PROBE_DEFAULT_PORT } from '../config/defaults.js';
import type { Diagnostic, DiagnosticCode } from '../config/diagnostics.js';
import { DIAGNOSTIC_CODES, sortDiagnostics } from '../config/diagnostics.js';
import type { ContextModel, Model, Probe, Serverfarm, SourcePos } from '../config/model.js';
import { resolveVips, type ResolvedVip } from '../config/vips.js';

export interface ExportResult {
  /** The target's configuration text. */
  text: string;
  diagnostics: Diagnostic[];
  /** Environment variables the output refers to, with what each must hold (never the value). */
  env: { name: string; holds: string }[];
}

/** Collects positioned export diagnostics; `what` leads the message so the line says which object. */
export class ExportDiagnostics {
  private readonly all: Diagnostic[] = [];
  /** In file order, each message once (a farm shared by two VIPs is built once, but say it once anyway). */
  get list(): Diagnostic[] {
    const seen = new Set<string>();
    return sortDiagnostics(this.all.filter((d) => !seen.has(`${d.line}:${d.col}:${d.message}`) && seen.add(`${d.line}:${d.col}:${d.message}`) !== undefined));
  }
  add(code: Extract<DiagnosticCode, `EXPORT_${string}`>, pos: SourcePos, message: string, hint?: string): void {
    const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, file: pos.file, line: pos.line, col: pos.col };
    if (hint !== undefined) d.hint = hint;
    this.all.push(d);
  }
  untranslated(pos: SourcePos, message: string, hint?: string): void {
    this.add('EXPORT_UNTRANSLATED', pos, message, hint);
  }
  approximate(pos: SourcePos, message: string, hint?: string): void {
    this.add('EXPORT_APPROXIMATE', pos, message, hint);
  }
}

/** 255.255.255.0 → 24; undefined for a non-contiguous mask. */
export function maskBits(mask: string): number | undefined {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  for (let bits = 0; bits <= 32; bits++) if ((bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0) === n) return bits;
  return undefined;
}

/** A name safe as a HAProxy/keepalived identifier (ACE names may hold `*`). */
export const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.:-]/g, '_');

/** A double-quoted HAProxy/keepalived string. */
export const dq = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Milliseconds in the shortest exact unit both targets accept (`10s`, `1500ms`). */
export const haDuration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/**
 * The probes that decide a farm member (ACE §3.4: farm probes, member probes,
 * global rserver probes, AND-ed unless fail-on-all).
 */
export function probesOf(ctx: ContextModel, farm: Serverfarm, rserver: string): Probe[] {
  const byName = new Map(ctx.probes.map((p) => [p.name, p]));
  const names = new Set(farm.probes.map((r) => r.name));
  for (const m of farm.members) if (m.rserver.name === rserver) for (const r of m.probes) names.add(r.name);
  for (const r of ctx.rservers.find((x) => x.name === rserver)?.probes ?? []) names.add(r.name);
  return [...names].map((n) => byName.get(n)).filter((p): p is Probe => p !== undefined);
}

/** The worst-case time a probe takes to fail a dead real: faildetect attempts one interval apart. */
export const detectionBoundMs = (p: Probe): number => p.faildetect * Math.max(p.intervalMs, p.openMs + p.receiveMs);

/**
 * Of several probes (ACE AND logic: the first to fail decides), the one that
 * detects a dead real soonest — the one a single-check target should run.
 */
export function fastestProbe(probes: readonly Probe[]): Probe | undefined {
  return [...probes].sort((a, b) => detectionBoundMs(a) - detectionBoundMs(b))[0];
}

/** ACE §4.4 port precedence: probe port, real port, VIP port, the type's default. */
export function probePort(p: Probe, memberPort: number | undefined, vipPort: number | undefined): number | undefined {
  return p.port ?? memberPort ?? vipPort ?? PROBE_DEFAULT_PORT[p.type];
}

/** The single port of a VIP (`eq N`), undefined for ranges and `any`. */
export function vipPort(v: ResolvedVip): number | undefined {
  return v.ports.kind === 'eq' && v.ports.port !== 0 ? v.ports.port : undefined;
}

/** The context a single-config export targets: the named one, else the first that applies a VIP. */
export function exportContext(model: Model, name?: string): ContextModel | undefined {
  if (name !== undefined) return model.contexts.find((c) => c.name === name);
  return model.contexts.find((c) => resolveVips(c).length > 0) ?? model.contexts[0];
}
