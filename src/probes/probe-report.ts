// Probe command core for `acesim probe` and `show probe`: pure renderers of an
// engine snapshot (text as §8.3 [U-M] lays it out, and JSON), plus a one-shot
// runner. Timebase: snapshot stamps are monotonic ms; wallOffsetMs turns them into dates.
import type { Clock } from '../core/clock.js';
import type { Probe } from '../config/model.js';
import { DISCONNECT_ERR } from './notify.js';
import type { ProbeSnapshot, ProbeSnapshotEntry } from './probe-engine.js';
import type { ProbeHealth, ProbeInstance, ProbeResult, Prober } from './types.js';

const TYPE_LABEL: Record<string, string> = { 'echo-tcp': 'ECHO-TCP', 'echo-udp': 'ECHO-UDP', 'sip-tcp': 'SIP-TCP', 'sip-udp': 'SIP-UDP' };
const HEALTH_LABEL: Record<ProbeHealth, string> = { INIT: 'INIT', PASSED: 'SUCCESS', FAILED: 'FAILED', DISABLED: 'DISABLED' };

const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const sec = (ms: number): number => Math.round(ms / 1000);

/** ACE date style: "Mon Jan 10 10:01:52 2011" (UTC, so output does not depend on the host zone). */
export function aceDate(wallMs: number | undefined): string {
  if (wallMs === undefined) return '-';
  const d = new Date(wallMs);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * `show probe NAME detail` for one probe: its configuration block, then one row per
 * instance grouped by serverfarm, and the socket/counter block of the most recently
 * probed instance (the device prints it per instance; one block keeps it readable).
 */
export function renderShowProbeDetail(probe: Probe, snapshot: ProbeSnapshot): string {
  const rows = snapshot.instances.filter((i) => i.key.probe === probe.name);
  const anyUp = rows.some((r) => r.health !== 'DISABLED');
  const lines: string[] = [];
  lines.push(` probe       : ${probe.name}`);
  lines.push(` type        : ${TYPE_LABEL[probe.type] ?? probe.type.toUpperCase()}`);
  lines.push(` state       : ${anyUp ? 'ACTIVE' : 'INACTIVE'}`);
  lines.push(` description : ${probe.description ?? ''}`);
  lines.push(' ----------------------------------------------');
  lines.push(`   port      : ${pad(probe.port ?? 0, 7)}address     : ${pad(probe.ipAddress?.address ?? '0.0.0.0', 16)}addr type  : ${probe.ipAddress ? 'IPv4' : '-'}`);
  lines.push(`   interval  : ${pad(sec(probe.intervalMs), 7)}pass intvl  : ${pad(sec(probe.passdetectIntervalMs), 16)}pass count : ${probe.passdetectCount}`);
  lines.push(`   fail count: ${pad(probe.faildetect, 7)}recv timeout: ${sec(probe.receiveMs)}`);
  if (probe.type === 'http' || probe.type === 'https') {
    lines.push(`   http method      : ${probe.request.method.toUpperCase()}`);
    lines.push(`   http url         : ${probe.request.url}`);
  }
  lines.push(`   conn termination : ${probe.connectionTermForced ? 'FORCED' : 'GRACEFUL'}`);
  lines.push(`   expect offset    : ${pad(probe.expectRegex?.offset ?? 0, 10)}, open timeout     : ${sec(probe.openMs)}`);
  lines.push(`   expect regex     : ${probe.expectRegex?.regex ?? '-'}`);
  lines.push(`   send data        : ${probe.sendData ?? '-'}`);
  if (probe.type === 'http' || probe.type === 'https') {
    lines.push(`   expect status    : ${probe.expectStatus.map((r) => `${r.min}-${r.max}`).join(', ') || '-'}`);
  }
  lines.push('                ------------------ probe results ------------------');
  lines.push('   associations       ip-address      port  porttype probes   failed   passed   health');
  lines.push('   ------------------ ---------------+-----+--------+--------+--------+--------+-------');
  const groups = new Map<string, ProbeSnapshotEntry[]>();
  for (const r of rows) {
    const g = r.key.farm ?? '';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(r);
  }
  for (const [farm, list] of groups) {
    lines.push(farm ? `   serverfarm  : ${farm}` : '   rserver-level probes');
    for (const r of list) {
      const ports = [...new Set(r.members.map((m) => m.memberPort).filter((p): p is number => p !== undefined))];
      lines.push(`     real      : ${r.key.rserver}${ports.length > 0 ? `[${ports.join(',')}]` : ''}`);
      lines.push(
        `                      ${pad(r.key.address, 16)}${pad(r.key.port, 6)}${pad(r.key.portType, 9)}${pad(r.counters.probes, 9)}${pad(r.counters.failed, 9)}${pad(r.counters.passed, 9)}${HEALTH_LABEL[r.health]}`,
      );
    }
  }
  const last = [...rows].sort((a, b) => (b.lastProbeMs ?? -1) - (a.lastProbeMs ?? -1))[0];
  if (last) {
    const wall = (ms: number | undefined): string => aceDate(ms === undefined ? undefined : ms + snapshot.wallOffsetMs);
    lines.push('');
    lines.push(`   Socket state        : ${last.inFlight ? 'OPEN' : 'CLOSED'}`);
    lines.push(`   No. Passed states   : ${pad(last.counters.passedStates, 10)}No. Failed states  : ${last.counters.failedStates}`);
    lines.push(`   Last status code    : ${last.lastStatus ?? '-'}`);
    lines.push(`   Last disconnect err : ${last.lastCause && last.lastCause !== 'OK' ? DISCONNECT_ERR[last.lastCause] : '-'}`);
    lines.push(`   Last probe time     : ${wall(last.lastProbeMs)}`);
    lines.push(`   Last fail time      : ${wall(last.lastFailMs)}`);
    lines.push(`   Last active time    : ${wall(last.lastActiveMs)}`);
  }
  return lines.join('\n') + '\n';
}

export interface ProbeJsonRow {
  probe: string;
  farm: string | null;
  rserver: string;
  address: string;
  port: number;
  state: ProbeHealth;
  cause: string | null;
  latencyMs: number | null;
  lastStatus: number | null;
}

/** `acesim probe --json`: one row per instance; no secret can reach it (only keys and results). */
export function snapshotToJson(snapshot: ProbeSnapshot): { instances: ProbeJsonRow[] } {
  return {
    instances: snapshot.instances.map((i) => ({
      probe: i.key.probe,
      farm: i.key.farm ?? null,
      rserver: i.key.rserver,
      address: i.key.address,
      port: i.key.port,
      state: i.health,
      cause: i.lastCause ?? null,
      latencyMs: i.latencyMs ?? null,
      lastStatus: i.lastStatus ?? null,
    })),
  };
}

export interface OnceVerdict {
  instance: ProbeInstance;
  verdict: 'PASSED' | 'FAILED' | 'DISABLED';
  result?: ProbeResult;
}

/**
 * `acesim probe CONFIG --once`: one attempt per enabled instance, all concurrently.
 * Each attempt is bounded by its own open + receive; a guard on the clock
 * (open + receive + 1 s) catches a prober that breaks that contract.
 */
export async function runProbesOnce(instances: readonly ProbeInstance[], prober: Prober, clock: Clock): Promise<OnceVerdict[]> {
  return Promise.all(
    instances.map(async (instance): Promise<OnceVerdict> => {
      if (!instance.enabled) return { instance, verdict: 'DISABLED' };
      const guardMs = instance.probe.openMs + instance.probe.receiveMs + 1_000;
      const abort = new AbortController();
      const started = clock.monotonicNow();
      let cancel: (() => void) | undefined;
      const guard = new Promise<ProbeResult>((resolve) => {
        cancel = clock.setTimer(guardMs, () => {
          abort.abort();
          resolve({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: clock.monotonicNow() - started, detail: `no result within ${guardMs} ms` });
        });
      });
      try {
        const result = await Promise.race([
          prober.probe(instance, abort.signal).catch((err: unknown): ProbeResult => ({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: clock.monotonicNow() - started, detail: String(err) })),
          guard,
        ]);
        return { instance, verdict: result.ok ? 'PASSED' : 'FAILED', result };
      } finally {
        cancel?.();
      }
    }),
  );
}
