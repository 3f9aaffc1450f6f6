// What the network-namespace lab tests share: a scenario and config loaded as
// the lab takes them (10.0.0.0/8 mapped to loopback), why a run on real
// namespaces must be skipped here, the reference FT config as a pair on a
// real network needs it, and the `ip` look-ups into a namespace (a link's MAC,
// a neighbour entry, an address) with a sampler of the clients' neighbour
// entry for the VIP through a run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAddressMapping, type AddressMapping } from '../../src/config/address-map.js';
import { compileConfig } from '../../src/config/compile.js';
import type { Model } from '../../src/config/model.js';
import { RealClock } from '../../src/core/real-clock.js';
import type { LabRunOutcome } from '../../src/lab/lab-run.js';
import { distEntryPoints, runNetnsLab, type NetnsLabOptions } from '../../src/lab/netns-lab.js';
import { netnsUnavailable, type NetnsPlan } from '../../src/lab/netns.js';
import { parseScenario, type Scenario } from '../../src/lab/scenario.js';
import { runCommand } from '../../src/proxy/transparent-routing.js';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The lab's entry points in dist/ (the balancer, members and workers are spawned from the build). */
export const entry = distEntryPoints(join(ROOT, 'src', 'lab'));

/** Why a run on real namespaces cannot happen here (no root, no `ip netns`, no arping when asked, no build), or undefined. */
export async function netnsSkip(o: { arping: boolean }): Promise<string | undefined> {
  const why = (await netnsUnavailable()) ?? (o.arping && spawnSync('arping', ['-V']).error ? 'arping is not installed (iputils-arping)' : undefined);
  return why ?? (existsSync(entry.cli) && existsSync(entry.workerJs) ? undefined : 'dist/ is not built (npm run build)');
}

/**
 * examples/tms-ace-ft.conf with what a pair on a real network needs on
 * VLAN200: the secondary's own address (`peer ip address`) and the nodes'
 * gateway that moves with the active (`alias`).
 */
export const TMS_ACE_FT_ON_NETWORK = readFileSync(join(ROOT, 'examples/tms-ace-ft.conf'), 'utf8').replace(
  '  ip address 10.0.200.24 255.255.255.0\n',
  '  ip address 10.0.200.24 255.255.255.0\n  alias 10.0.200.25 255.255.255.0\n  peer ip address 10.0.200.23 255.255.255.0\n',
);

/** A scenario and config as the lab takes them, with the 10.0.0.0/8 → loopback map; throws on any diagnostic of the scenario. */
export function loadLab(scenario: { text: string; file: string }, config: { text: string; file: string }, o: { configErrors?: 'throw' } = {}): { sc: Scenario; model: Model; maps: AddressMapping[] } {
  const sc = parseScenario(scenario.text, scenario.file);
  if (sc.diagnostics.length > 0) throw new Error(JSON.stringify(sc.diagnostics));
  const compiled = compileConfig(config.text, config.file);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (o.configErrors === 'throw' && errors.length > 0) throw new Error(JSON.stringify(errors));
  const m = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
  if (!m.ok) throw new Error(m.message);
  return { sc: sc.value, model: compiled.model, maps: [m.mapping] };
}

/** Writes `text` as `name` in a fresh temporary folder, removed at teardown (the members read their config from a file); returns its path. */
export function tempConfigFile(t: { teardown(fn: () => unknown): void }, prefix: string, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The MAC of `vlan100` in a namespace. */
export const macOf = async (ns: string): Promise<string> => /link\/ether (\S+)/.exec((await runCommand('ip', ['-n', ns, '-o', 'link', 'show', 'vlan100'])).stdout)?.[1] ?? '?';
/** The namespace's neighbour entry (a MAC) for `vip` on `vlan100`. */
export const neighOf = async (ns: string, vip: string): Promise<string | undefined> => /lladdr (\S+)/.exec((await runCommand('ip', ['-n', ns, 'neigh', 'show', vip, 'dev', 'vlan100'])).stdout)?.[1];
/** Whether `dev` in the namespace holds address `a`. */
export const hasAddr = async (ns: string, dev: string, a: string): Promise<boolean> => (await runCommand('ip', ['-n', ns, '-o', '-4', 'addr', 'show', 'dev', dev])).stdout.includes(` ${a}/`);

/**
 * Samples the clients' neighbour entry for `vip` every 50 ms from the moment
 * the namespaces exist (`onNetns`) until `stop()`: `seen` holds its distinct
 * values in order.
 */
export function neighbourSampler(vip: string): { seen: string[]; onNetns: (plan: NetnsPlan) => void; stop: () => Promise<void> } {
  const seen: string[] = [];
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();
  return {
    seen,
    onNetns: (plan) => {
      sampler = (async () => {
        while (sampling) {
          const n = await neighOf(plan.clientsNs, vip);
          if (n && seen.at(-1) !== n) seen.push(n);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
    },
    stop: async () => {
      sampling = false;
      await sampler;
    },
  };
}

/**
 * A pair scenario run in namespaces at time scale 10 from the build, sampling
 * the clients' neighbour entry for `vip` through the run and reading both
 * members' MACs before the namespaces go (`beforeDestroy` looks at more then).
 */
export async function runPairInNamespaces(
  o: Pick<NetnsLabOptions, 'scenario' | 'model' | 'maps' | 'configFile' | 'tls'> & { vip: string; beforeDestroy?: (plan: NetnsPlan) => Promise<void> },
): Promise<{ out: LabRunOutcome; seen: string[]; macs: { lb1: string; lb2: string } }> {
  const neighbour = neighbourSampler(o.vip);
  const macs = { lb1: '', lb2: '' };
  const out = await runNetnsLab({
    scenario: o.scenario,
    model: o.model,
    maps: o.maps,
    configFile: o.configFile,
    timeScale: 10,
    clock: new RealClock(),
    ...(o.tls ? { tls: o.tls } : {}),
    ...entry,
    onNetns: neighbour.onNetns,
    beforeDestroy: async (plan) => {
      await neighbour.stop();
      macs.lb1 = await macOf(plan.pair!.members[0].ns);
      macs.lb2 = await macOf(plan.pair!.members[1].ns);
      await o.beforeDestroy?.(plan);
    },
  });
  return { out, seen: neighbour.seen, macs };
}
