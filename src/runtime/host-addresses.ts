// The host side of `--vip-mode address`: HostAddressPort over iproute2
// (`ip -4 addr add|del`) and iputils-arping (`arping -U`, gratuitous ARP), run
// as child processes without a shell through the injected CommandRunner.
// arping rather than a raw packet from the native addon: it is one Debian
// package, already handles every link type, and its first packet leaves a few
// milliseconds after the spawn (measured in docs/ft.md), far inside a takeover.
import { readFileSync } from 'node:fs';
import { runCommand, type CommandRunner } from '../proxy/transparent-routing.js';
import type { HostAddress, HostAddressPort, PortResult } from './vip-addresses.js';

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** Whether this process has a capability (root has all; else CapEff of /proc/self/status). */
function hasCap(bit: number): boolean {
  if (typeof process.getuid === 'function' && process.getuid() === 0) return true;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(bit))) !== 0n;
  } catch {
    return false;
  }
}

const permission = (stderr: string): boolean => /Operation not permitted|Permission denied/i.test(stderr);
const NEEDS = 'needs root or CAP_NET_ADMIN and CAP_NET_RAW';

export function ipHostAddresses(run: CommandRunner = runCommand): HostAddressPort {
  return {
    async check(ifaces) {
      if (process.platform !== 'linux') return `--vip-mode address is Linux-only (this is ${process.platform})`;
      if (!hasCap(CAP_NET_ADMIN) || !hasCap(CAP_NET_RAW)) return `--vip-mode address ${NEEDS} (adding the VIP addresses, gratuitous ARP); run as root or grant them (setcap cap_net_admin,cap_net_raw+ep on node)`;
      for (const i of ifaces) {
        const r = await run('ip', ['-o', 'link', 'show', 'dev', i]);
        if (r.code === 127) return `\`ip\` is not installed (Debian package iproute2): ${r.stderr.trim()}`;
        if (r.code !== 0) return `no interface "${i}" on this host for the VIP addresses; create it (e.g. \`ip link add link eth0 name ${i} type vlan id ${i.replace(/^vlan/, '') || 'N'}\`) or name another with --vip-interface IF`;
      }
      const a = await run('arping', ['-V']);
      if (a.code === 127) return 'arping is not installed (Debian package iputils-arping); --vip-mode address sends gratuitous ARP with it';
      return undefined;
    },
    async add(a) {
      const r = await run('ip', ['-4', 'addr', 'add', `${a.address}/${a.prefixLen}`, 'dev', a.iface]);
      if (r.code === 0) return { ok: true, existed: false };
      if (/already assigned|File exists/i.test(r.stderr)) return { ok: true, existed: true };
      return { ok: false, message: permission(r.stderr) ? NEEDS : r.stderr.trim() || `ip exit ${r.code}` };
    },
    async remove(a) {
      const r = await run('ip', ['-4', 'addr', 'del', `${a.address}/${a.prefixLen}`, 'dev', a.iface]);
      if (r.code === 0 || /not found|Cannot assign/i.test(r.stderr)) return { ok: true };
      return { ok: false, message: permission(r.stderr) ? NEEDS : r.stderr.trim() || `ip exit ${r.code}` };
    },
    async announce(a: HostAddress, count: number, signal?: AbortSignal): Promise<PortResult> {
      // -U: unsolicited ARP (sender = target = the address), one per second; -w bounds it.
      const r = await run('arping', ['-q', '-U', '-c', String(count), '-w', String(Math.max(1, count - 1)), '-I', a.iface, a.address], undefined, signal);
      // Stopped on purpose (the member gave the address up): not a failure.
      if (signal?.aborted) return { ok: true };
      return r.code === 0 ? { ok: true } : { ok: false, message: r.stderr.trim() || `arping exit ${r.code}` };
    },
  };
}
