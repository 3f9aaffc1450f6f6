// Real-host VIP mode (`acesim run --vip-mode address`): the addresses the
// active member owns — each VIP (as /32) and each `interface vlan` alias — on
// the host interface that carries them, added when the member starts serving,
// announced with gratuitous ARP, removed when it stops. planHostAddresses is
// pure over the model; VipAddressOwner drives an injected HostAddressPort
// (host-addresses.ts does it with `ip` and `arping`), so the FT member's
// logic stays testable without root. No timers here.
import { lengthToMask, maskLength, parseIpv4 } from '../config/ip.js';
import type { ContextModel } from '../config/model.js';
import { planVipListeners } from './vip-plan.js';

export type VipMode = 'listen' | 'address';
export const VIP_MODES: readonly VipMode[] = ['listen', 'address'];

/** One address the serving member holds. */
export interface HostAddress {
  address: string;
  prefixLen: number;
  iface: string;
  /** `vip`: a VIP (always /32); `alias`: an `interface vlan N` alias (the gateway that moves with the active). */
  kind: 'vip' | 'alias';
}

export type PortResult = { ok: true } | { ok: false; message: string };

/** The host's addresses and ARP (injected; host-addresses.ts is the real one). */
export interface HostAddressPort {
  /** Undefined when the port can add addresses on these interfaces, else why not (permission, tool, interface). */
  check(ifaces: readonly string[]): Promise<string | undefined>;
  /** Adds the address; one already there (left by a SIGKILLed member) is fine: existed = true. */
  add(a: HostAddress): Promise<{ ok: true; existed: boolean } | { ok: false; message: string }>;
  remove(a: HostAddress): Promise<PortResult>;
  /** Gratuitous ARP for the address on its interface, `count` times; `signal` stops the rest of them. */
  announce(a: HostAddress, count: number, signal?: AbortSignal): Promise<PortResult>;
}

const ipNum = (a: string): number => parseIpv4(a) ?? NaN;
/** The length of a contiguous mask; a non-contiguous one counts its leading ones. */
const maskLen = (mask: string): number => maskLength(mask) ?? Math.clz32(~ipNum(mask));
const inNet = (a: string, net: string, len: number): boolean => {
  const m = lengthToMask(len);
  return ((ipNum(a) & m) >>> 0) === ((ipNum(net) & m) >>> 0);
};

/** The interface name of `interface vlan N` on the host: `vlanN` (what `ip link add … name vlanN type vlan id N` and the netns lab make). */
export const vlanIfName = (vlan: number): string => `vlan${vlan}`;

/**
 * The addresses of a context for address mode: each VIP on `vipInterface`
 * when given, else on vlanN of the `interface vlan N` whose subnet holds it;
 * each alias on its own vlanN. A VIP no interface subnet holds, without
 * `vipInterface`, is a message.
 */
export function planHostAddresses(ctx: ContextModel, vipInterface?: string): { ok: true; addresses: HostAddress[] } | { ok: false; message: string } {
  const ifs = ctx.interfaces.filter((i) => !i.shutdown);
  const out: HostAddress[] = [];
  const seen = new Set<string>();
  for (const l of planVipListeners(ctx).listeners) {
    if (seen.has(l.address)) continue;
    seen.add(l.address);
    let iface = vipInterface;
    if (iface === undefined) {
      const home = ifs.find((i) => i.ipAddress && inNet(l.address, i.ipAddress.address, maskLen(i.ipAddress.mask)));
      if (!home) return { ok: false, message: `VIP ${l.address} (${l.vipClass}) is in no \`interface vlan\` subnet of context ${ctx.name}; name the host interface with --vip-interface IF` };
      iface = vlanIfName(home.vlan);
    }
    out.push({ address: l.address, prefixLen: 32, iface, kind: 'vip' });
  }
  for (const i of ifs) {
    if (!i.alias || seen.has(i.alias.address)) continue;
    seen.add(i.alias.address);
    out.push({ address: i.alias.address, prefixLen: maskLen(i.alias.mask), iface: vlanIfName(i.vlan), kind: 'alias' });
  }
  return { ok: true, addresses: out };
}

/** Gratuitous ARPs per address on takeover (the first one goes out at once). */
export const GARP_COUNT = 2;

/**
 * Holds the planned addresses while the member serves. add() before the
 * listeners bind (a VIP must be local to bind it), announce() after (a client
 * sent here by the GARP finds a listener), remove() after they close.
 */
export class VipAddressOwner {
  private held = false;
  private readonly announcing = new Set<Promise<unknown>>();
  /** Stops the announcements still going out (remove()). */
  private announcingCtl: AbortController | undefined;

  constructor(private readonly o: { port: HostAddressPort; addresses: readonly HostAddress[]; garpCount?: number; onLine?: (line: string) => void }) {}

  get addresses(): readonly HostAddress[] {
    return this.o.addresses;
  }

  /** Why the host cannot take the addresses (checked once at start), or undefined. */
  check(): Promise<string | undefined> {
    return this.o.port.check([...new Set(this.o.addresses.map((a) => a.iface))]);
  }

  async add(): Promise<void> {
    this.held = true;
    for (const a of this.o.addresses) {
      const r = await this.o.port.add(a);
      if (!r.ok) this.line(`vip address: cannot add ${a.address}/${a.prefixLen} on ${a.iface}: ${r.message}`);
      else this.line(`vip address: ${a.address}/${a.prefixLen} ${r.existed ? 'already on' : 'added to'} ${a.iface} (${a.kind})`);
    }
  }

  /** Starts the gratuitous ARPs without waiting for them (they take a moment; the takeover does not). */
  announce(): void {
    const signal = (this.announcingCtl ??= new AbortController()).signal;
    for (const a of this.o.addresses) {
      const p = this.o.port.announce(a, this.o.garpCount ?? GARP_COUNT, signal).then((r) => {
        if (!r.ok) this.line(`vip address: gratuitous ARP for ${a.address} on ${a.iface} failed: ${r.message}`);
      });
      this.announcing.add(p);
      void p.finally(() => this.announcing.delete(p));
    }
  }

  /**
   * A member that is not serving holds none of the addresses: at start it
   * removes any a SIGKILLed run of itself left on this host, which would
   * otherwise answer ARP for the VIP and the alias without a listener behind them.
   */
  async clear(): Promise<void> {
    for (const a of this.o.addresses) {
      const r = await this.o.port.remove(a);
      if (!r.ok) this.line(`vip address: cannot clear ${a.address}/${a.prefixLen} from ${a.iface}: ${r.message}`);
    }
  }

  /**
   * Removes every planned address (also one found already there: this member owned it while
   * serving). The gratuitous ARPs still to go out are stopped first: one sent after the new
   * active's would point the clients back at this member just as it drops the address, and they
   * would lose requests until their neighbour entry expired (a member preempted a moment after
   * its own takeover, at start, used to go on announcing for a second).
   */
  async remove(): Promise<void> {
    this.announcingCtl?.abort();
    this.announcingCtl = undefined;
    await Promise.all(this.announcing);
    if (!this.held) return;
    this.held = false;
    for (const a of this.o.addresses) {
      const r = await this.o.port.remove(a);
      if (!r.ok) this.line(`vip address: cannot remove ${a.address}/${a.prefixLen} from ${a.iface}: ${r.message}`);
      else this.line(`vip address: ${a.address}/${a.prefixLen} removed from ${a.iface}`);
    }
  }

  private line(s: string): void {
    this.o.onLine?.(s);
  }
}
