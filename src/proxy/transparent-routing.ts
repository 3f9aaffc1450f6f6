// The policy routing `--transparency transparent` needs, installed and removed
// by acesim (root): a node answers the client's address, the packet reaches
// this host as its gateway, and must be delivered to acesim's transparent
// socket instead of being forwarded. The classic TPROXY recipe:
//   nft table ip acesim_tproxy_<pid>: prerouting, packets (TCP, UDP, ICMP errors)
//     of a local socket with IP_TRANSPARENT (`socket transparent 1`) get mark 0x4710
//   ip rule fwmark 0x4710 lookup 4710 (pref 4710)
//   ip route local 0.0.0.0/0 dev lo table 4710
// Invariants: each process owns its own nft table (named by its pid); the
// rule and route are shared by the acesim processes of one network namespace
// and removed by the last one; tables of dead pids are swept at install.
// Commands run through an injected runner (tests fake it).
import { spawn } from 'node:child_process';
import { nodeNetPorts, type NetPorts } from './net-ports.js';
import { checkTransparentPermission, loadTransparentAddon, transparentNetPorts } from './transparent-socket.js';

export const TPROXY_MARK = 0x4710;
export const TPROXY_TABLE = 4710;
export const TPROXY_RULE_PREF = 4710;
const TABLE_PREFIX = 'acesim_tproxy_';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command (no shell); `input` goes to its stdin. Resolves even when it fails (code ≠ 0,
 * or 127 when it cannot start). `signal` stops it (SIGTERM); it then resolves with code 143.
 */
export type CommandRunner = (cmd: string, args: readonly string[], input?: string, signal?: AbortSignal) => Promise<CommandResult>;

export const runCommand: CommandRunner = (cmd, args, input, signal) =>
  new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', (e) => resolve(e.name === 'AbortError' ? { code: 143, stdout, stderr } : { code: 127, stdout, stderr: `${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
  });

export function tableName(pid: number): string {
  return `${TABLE_PREFIX}${pid}`;
}

/** The nft script of one process's table. */
export function nftScript(pid: number): string {
  const mark = `0x${TPROXY_MARK.toString(16)}`;
  return [
    `table ip ${tableName(pid)} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority mangle; policy accept;',
    // icmp too: the socket expression finds the socket of an ICMP error's inner
    // header (a node's port unreachable must reach the UDP flow's socket).
    `    meta l4proto { tcp, udp, icmp } socket transparent 1 meta mark set ${mark}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The pids of acesim tables in `nft list tables` output. */
export function tablePids(listing: string): number[] {
  const out: number[] = [];
  for (const m of listing.matchAll(new RegExp(`^table ip ${TABLE_PREFIX}(\\d+)$`, 'gm'))) out.push(Number(m[1]));
  return out;
}

const RULE_ARGS = ['-4', 'rule', '%', 'fwmark', `0x${TPROXY_MARK.toString(16)}`, 'lookup', String(TPROXY_TABLE), 'pref', String(TPROXY_RULE_PREF)];
const rule = (verb: 'add' | 'del'): string[] => RULE_ARGS.map((a) => (a === '%' ? verb : a));

/** Whether a process runs (EPERM: it does, but is another user's). The stale sweeps here and in src/lab/netns.ts use it. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RoutingHandle {
  /** What was installed, one line each (for the startup line and docs). */
  readonly installed: readonly string[];
  /** Removes this process's table; the shared rule and route too when no other acesim table is left. Idempotent. */
  remove(): Promise<void>;
}

function failure(what: string, r: CommandResult): string {
  const msg = r.stderr.trim().split('\n')[0] ?? '';
  const hint = r.code === 127 ? ' (install nftables and iproute2)' : /Operation not permitted|EPERM/i.test(msg) ? ' (needs root or CAP_NET_ADMIN)' : '';
  return `${what} failed: ${msg || `exit ${r.code}`}${hint}`;
}

/** Installs the rules for process `pid`; { ok: false, message } when not permitted or the tools are missing (nothing is left behind). */
export async function installTransparentRouting(pid: number, run: CommandRunner = runCommand, isAlive: (pid: number) => boolean = pidAlive): Promise<{ ok: true; handle: RoutingHandle } | { ok: false; message: string }> {
  const listed = await run('nft', ['list', 'tables']);
  if (listed.code !== 0) return { ok: false, message: failure('nft list tables', listed) };
  // Tables of acesim processes that died without cleaning up (SIGKILL).
  for (const p of tablePids(listed.stdout)) if (p !== pid && !isAlive(p)) await run('nft', ['delete', 'table', 'ip', tableName(p)]);
  const t = await run('nft', ['-f', '-'], nftScript(pid));
  if (t.code !== 0) return { ok: false, message: failure(`nft table ${tableName(pid)}`, t) };
  const undoTable = (): Promise<CommandResult> => run('nft', ['delete', 'table', 'ip', tableName(pid)]);
  const rules = await run('ip', ['-4', 'rule', 'show', 'pref', String(TPROXY_RULE_PREF)]);
  if (!rules.stdout.includes(`lookup ${TPROXY_TABLE}`)) {
    const r = await run('ip', rule('add'));
    if (r.code !== 0) {
      await undoTable();
      return { ok: false, message: failure('ip rule add', r) };
    }
  }
  const rt = await run('ip', ['-4', 'route', 'replace', 'local', '0.0.0.0/0', 'dev', 'lo', 'table', String(TPROXY_TABLE)]);
  if (rt.code !== 0) {
    await undoTable();
    return { ok: false, message: failure('ip route replace', rt) };
  }
  let removed = false;
  const handle: RoutingHandle = {
    installed: [`nft table ip ${tableName(pid)} (socket transparent 1 → mark 0x${TPROXY_MARK.toString(16)})`, `ip rule fwmark 0x${TPROXY_MARK.toString(16)} lookup ${TPROXY_TABLE} pref ${TPROXY_RULE_PREF}`, `ip route local 0.0.0.0/0 dev lo table ${TPROXY_TABLE}`],
    async remove() {
      if (removed) return;
      removed = true;
      await undoTable();
      const left = await run('nft', ['list', 'tables']);
      const others = tablePids(left.stdout).filter((p) => p !== pid && isAlive(p));
      if (left.code === 0 && others.length === 0) {
        await run('ip', rule('del'));
        await run('ip', ['-4', 'route', 'flush', 'table', String(TPROXY_TABLE)]);
      }
    },
  };
  return { ok: true, handle };
}

export interface TransparentSetup {
  /** The socket port to give the runtime (RuntimeOptions.net). */
  net: NetPorts;
  routing: RoutingHandle;
}

/**
 * Everything `--transparency transparent` needs before the first listener
 * opens: the addon, the permission, the policy routing. A message (never a
 * throw) says what is missing; on failure nothing is left installed.
 */
export async function prepareTransparent(pid: number, run: CommandRunner = runCommand): Promise<{ ok: true; setup: TransparentSetup } | { ok: false; message: string }> {
  const loaded = loadTransparentAddon();
  if (!loaded.ok) return { ok: false, message: loaded.message };
  const perm = checkTransparentPermission(loaded.addon);
  if (!perm.ok) return { ok: false, message: `${perm.code}: ${perm.message}` };
  const routing = await installTransparentRouting(pid, run);
  if (!routing.ok) return { ok: false, message: routing.message };
  return { ok: true, setup: { net: transparentNetPorts(loaded.addon, nodeNetPorts), routing: routing.handle } };
}
