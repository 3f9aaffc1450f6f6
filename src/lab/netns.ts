// The network-namespace lab's topology: the reference deployment built from
// Linux network namespaces, veth pairs and two bridges (deployments.md):
//   <p>-c   the clients, every client address on one leg to VLAN100
//   <p>-lb  the balancer: a VLAN100 leg (the clients' gateway) and a VLAN200
//           leg (its config address, the VIPs as /32), forwarding on
//   <p>-N   one namespace per node (VLAN200, default gateway = the balancer)
//   <p>-sw  the switch: bridges br100 and br200 joining the legs
// with <p> = acesim-<pid>. An FT pair (`pair`) has two balancers instead,
// <p>-lb1 and <p>-lb2, each with VLAN100, VLAN200 and FT-VLAN legs (br900);
// neither holds the VIPs or the nodes' gateway (the `interface vlan` alias):
// the members add them while ACTIVE (`acesim run --vip-mode address`), and
// the clients reach each VIP on their own VLAN (an on-link /32 route), so
// their ARP entry for it follows the gratuitous ARP of the new active.
// Every interface is created inside its namespace
// (`ip link add … netns A type veth peer … netns B`), so no address or link
// ever appears in the host's namespace. Invariants: planNetns is pure;
// create() removes what it made when a step fails; destroy() kills the
// processes left in the namespaces (by pid) and deletes them, and is
// idempotent; sweepStale() removes namespaces of pids that no longer run.
import { formatIpv4, lengthToMask, maskLength, parseIpv4 } from '../config/ip.js';
import { pidAlive, runCommand, type CommandRunner } from '../proxy/transparent-routing.js';

export const NETNS_PREFIX = 'acesim-';

export interface NetnsNode {
  name: string;
  ns: string;
  address: string;
  prefixLen: number;
}

export interface NetnsPlan {
  prefix: string;
  switchNs: string;
  clientsNs: string;
  balancerNs: string;
  clients: string[];
  clientPrefixLen: number;
  /** The balancer's VLAN100 address (the clients' gateway). */
  balancer100: string;
  /** The balancer's VLAN200 address (the nodes' gateway) and its prefix length. */
  balancer200: string;
  nodePrefixLen: number;
  vips: string[];
  nodes: NetnsNode[];
  /** An FT pair: two balancer namespaces (balancerNs and balancer100/200 are then the primary's). */
  pair?: NetnsPair;
}

/** One member of the pair in its namespace. */
export interface NetnsMember {
  role: 'primary' | 'secondary';
  ns: string;
  /** Own addresses: VLAN100 (the clients' subnet), VLAN200 (the nodes'), and the FT VLAN. */
  addr100: string;
  addr200: string;
  ft: string;
}

export interface NetnsPair {
  members: [NetnsMember, NetnsMember];
  ftPrefixLen: number;
  /** The nodes' gateway: the alias of the nodes' `interface vlan`, held by the ACTIVE member. */
  alias200: string;
  /** The FT peers' `query-interface vlan`, when it is a VLAN of its own: a leg per member on bridge br<vlan> (primary's, secondary's address). */
  query?: { vlan: number; prefixLen: number; addresses: [string, string] };
}

export interface NetnsInput {
  pid: number;
  clients: readonly string[];
  /** Prefix length of the clients' subnet (VLAN100). */
  clientPrefixLen: number;
  vips: readonly string[];
  nodes: readonly { name: string; address: string }[];
  /** The balancer's own address on the nodes' VLAN (the config's `interface vlan … ip address`), when it has one. */
  balancerAddress?: { address: string; prefixLen: number };
  /** An FT pair: the FT VLAN's addresses, the secondary's own address on the nodes' VLAN (`peer ip address`) and the alias. */
  pair?: { ft: { primary: string; secondary: string; prefixLen: number }; peer200?: string; alias200: string; query?: { vlan: number; primary: string; secondary: string; prefixLen: number } };
}

// The project's IPv4 helpers (config/ip.ts); an address that does not parse reads as NaN here, as in arithmetic.
const ipNum = (a: string): number => parseIpv4(a) ?? NaN;
const ipStr = formatIpv4;
const isIpv4 = (a: string): boolean => parseIpv4(a) !== undefined;
const netOf = (a: string, len: number): number => (ipNum(a) & lengthToMask(len)) >>> 0;

/** Netmask (255.255.255.0) → prefix length, undefined when not contiguous. */
export const prefixLength = maskLength;

/** A namespace-safe name part: node names become part of namespace names. */
const nsPart = (s: string): string => s.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 20);

/** The topology, or a message saying why the addresses cannot make one. */
export function planNetns(i: NetnsInput): NetnsPlan | string {
  const prefix = `${NETNS_PREFIX}${i.pid}`;
  if (i.clients.length === 0) return 'the netns lab needs at least one client';
  for (const a of [...i.clients, ...i.vips, ...i.nodes.map((n) => n.address)]) if (!isIpv4(a)) return `"${a}" is not an IPv4 address`;
  const cNet = netOf(i.clients[0]!, i.clientPrefixLen);
  if (i.clients.some((c) => netOf(c, i.clientPrefixLen) !== cNet)) return `the clients are not in one /${i.clientPrefixLen} subnet`;
  // The clients' gateway: the subnet's last host address, unless a client holds it.
  const balancer100 = ipStr((cNet + 2 ** (32 - i.clientPrefixLen) - 2) >>> 0);
  if (i.clients.includes(balancer100)) return `the clients fill their subnet up to ${balancer100}; the balancer needs that address as their gateway`;
  if (i.nodes.length === 0) return 'the netns lab needs at least one node';
  const nodeLen = i.balancerAddress?.prefixLen ?? 24;
  const nNet = netOf(i.nodes[0]!.address, nodeLen);
  const bad = i.nodes.find((n) => netOf(n.address, nodeLen) !== nNet);
  if (bad) return `node ${bad.name} (${bad.address}) is not in the nodes' subnet ${ipStr(nNet)}/${nodeLen}`;
  if (nNet === cNet && nodeLen === i.clientPrefixLen) return 'the clients and the nodes share a subnet; the reference deployment puts them on two VLANs';
  let balancer200 = i.balancerAddress?.address;
  if (balancer200 === undefined || netOf(balancer200, nodeLen) !== nNet) balancer200 = ipStr((nNet + 2 ** (32 - nodeLen) - 2) >>> 0);
  const taken = new Set([...i.nodes.map((n) => n.address), ...i.vips]);
  if (taken.has(balancer200)) return `the balancer's VLAN200 address ${balancer200} is also a node or VIP address`;
  const names = new Set<string>();
  const nodes: NetnsNode[] = [];
  for (const n of i.nodes) {
    let part = nsPart(n.name) || 'node';
    while (names.has(part) || ['c', 'lb', 'lb1', 'lb2', 'sw'].includes(part)) part = `${part}x`;
    names.add(part);
    nodes.push({ name: n.name, ns: `${prefix}-${part}`, address: n.address, prefixLen: nodeLen });
  }
  const plan: NetnsPlan = { prefix, switchNs: `${prefix}-sw`, clientsNs: `${prefix}-c`, balancerNs: `${prefix}-lb`, clients: [...i.clients], clientPrefixLen: i.clientPrefixLen, balancer100, balancer200, nodePrefixLen: nodeLen, vips: [...new Set(i.vips)], nodes };
  if (!i.pair) return plan;
  const pr = i.pair;
  for (const a of [pr.ft.primary, pr.ft.secondary, pr.alias200, ...(pr.peer200 ? [pr.peer200] : []), ...(pr.query ? [pr.query.primary, pr.query.secondary] : [])]) if (!isIpv4(a)) return `"${a}" is not an IPv4 address`;
  if (pr.query && [100, 200, 900].includes(pr.query.vlan)) return `the query-interface vlan ${pr.query.vlan} would share a leg name with the lab's own VLANs; give it another VLAN number`;
  if (netOf(pr.alias200, nodeLen) !== nNet) return `the alias ${pr.alias200} (the nodes' gateway) is not in the nodes' subnet ${ipStr(nNet)}/${nodeLen}`;
  // The secondary's own addresses: its `peer ip address`, else the host below the primary's; on VLAN100 the host below balancer100.
  let peer200 = pr.peer200;
  if (peer200 === undefined || netOf(peer200, nodeLen) !== nNet) peer200 = ipStr((ipNum(balancer200) - 1) >>> 0);
  const second100 = ipStr((ipNum(balancer100) - 1) >>> 0);
  const used = [...taken, balancer200, peer200, pr.alias200];
  if (new Set(used).size !== used.length) return `the pair's addresses on the nodes' VLAN (${balancer200}, ${peer200}, alias ${pr.alias200}) collide with each other, a node or a VIP`;
  if (i.clients.includes(second100)) return `the clients fill their subnet up to ${second100}; the pair needs it for its secondary`;
  plan.pair = {
    members: [
      { role: 'primary', ns: `${prefix}-lb1`, addr100: balancer100, addr200: balancer200, ft: pr.ft.primary },
      { role: 'secondary', ns: `${prefix}-lb2`, addr100: second100, addr200: peer200, ft: pr.ft.secondary },
    ],
    ftPrefixLen: pr.ft.prefixLen,
    alias200: pr.alias200,
    ...(pr.query ? { query: { vlan: pr.query.vlan, prefixLen: pr.query.prefixLen, addresses: [pr.query.primary, pr.query.secondary] as [string, string] } } : {}),
  };
  plan.balancerNs = plan.pair.members[0].ns;
  return plan;
}

/** The commands that build the plan, in order; `input` lines go to `ip -batch -`. */
export function buildCommands(p: NetnsPlan): { args: string[]; input?: string }[] {
  const ip = (...a: string[]): { args: string[] } => ({ args: a });
  const all = namespacesOf(p);
  const cmds: { args: string[]; input?: string }[] = [];
  for (const ns of all) cmds.push(ip('netns', 'add', ns), ip('-n', ns, 'link', 'set', 'lo', 'up'));
  for (const br of p.pair ? ['br100', 'br200', 'br900', ...(p.pair.query ? [`br${p.pair.query.vlan}`] : [])] : ['br100', 'br200']) cmds.push(ip('-n', p.switchNs, 'link', 'add', br, 'type', 'bridge'), ip('-n', p.switchNs, 'link', 'set', br, 'up'));
  // A leg: `inner` inside ns, its peer `outer` on the switch's bridge.
  const leg = (ns: string, inner: string, outer: string, br: string): void => {
    cmds.push(
      ip('link', 'add', inner, 'netns', ns, 'type', 'veth', 'peer', 'name', outer, 'netns', p.switchNs),
      ip('-n', p.switchNs, 'link', 'set', outer, 'master', br),
      ip('-n', p.switchNs, 'link', 'set', outer, 'up'),
      ip('-n', ns, 'link', 'set', inner, 'up'),
    );
  };
  leg(p.clientsNs, 'vlan100', 'c0', 'br100');
  if (p.pair) {
    pairCommands(p, p.pair, cmds, leg);
    return cmds;
  }
  leg(p.balancerNs, 'vlan100', 'lb100', 'br100');
  leg(p.balancerNs, 'vlan200', 'lb200', 'br200');
  p.nodes.forEach((n, k) => leg(n.ns, 'vlan200', `n${k}`, 'br200'));
  cmds.push({ args: ['-n', p.clientsNs, '-batch', '-'], input: p.clients.map((c) => `addr add ${c}/${p.clientPrefixLen} dev vlan100\n`).join('') });
  cmds.push(ip('-n', p.clientsNs, 'route', 'add', 'default', 'via', p.balancer100));
  cmds.push(ip('-n', p.balancerNs, 'addr', 'add', `${p.balancer100}/${p.clientPrefixLen}`, 'dev', 'vlan100'));
  cmds.push(ip('-n', p.balancerNs, 'addr', 'add', `${p.balancer200}/${p.nodePrefixLen}`, 'dev', 'vlan200'));
  // The VIPs: /32 on the nodes' VLAN, as the ACE answers ARP for them there.
  for (const v of p.vips) cmds.push(ip('-n', p.balancerNs, 'addr', 'add', `${v}/32`, 'dev', 'vlan200'));
  for (const n of p.nodes) cmds.push(ip('-n', n.ns, 'addr', 'add', `${n.address}/${n.prefixLen}`, 'dev', 'vlan200'), ip('-n', n.ns, 'route', 'add', 'default', 'via', p.balancer200));
  return cmds;
}

/** The pair's part: two balancers with an FT link; VIPs and alias are the members' to add. */
function pairCommands(p: NetnsPlan, pr: NetnsPair, cmds: { args: string[]; input?: string }[], leg: (ns: string, inner: string, outer: string, br: string) => void): void {
  const ip = (...a: string[]): { args: string[] } => ({ args: a });
  pr.members.forEach((m, k) => {
    leg(m.ns, 'vlan100', `lb${k + 1}v100`, 'br100');
    leg(m.ns, 'vlan200', `lb${k + 1}v200`, 'br200');
    leg(m.ns, 'vlan900', `lb${k + 1}v900`, 'br900');
    if (pr.query) leg(m.ns, `vlan${pr.query.vlan}`, `lb${k + 1}vq`, `br${pr.query.vlan}`);
  });
  p.nodes.forEach((n, k) => leg(n.ns, 'vlan200', `n${k}`, 'br200'));
  cmds.push({ args: ['-n', p.clientsNs, '-batch', '-'], input: p.clients.map((c) => `addr add ${c}/${p.clientPrefixLen} dev vlan100\n`).join('') });
  // The VIPs are on the clients' own VLAN: they ARP for them, and the active's gratuitous ARP moves the entry.
  for (const v of p.vips) cmds.push(ip('-n', p.clientsNs, 'route', 'add', `${v}/32`, 'dev', 'vlan100'));
  for (const m of pr.members) {
    cmds.push(ip('-n', m.ns, 'addr', 'add', `${m.addr100}/${p.clientPrefixLen}`, 'dev', 'vlan100'));
    cmds.push(ip('-n', m.ns, 'addr', 'add', `${m.addr200}/${p.nodePrefixLen}`, 'dev', 'vlan200'));
    cmds.push(ip('-n', m.ns, 'addr', 'add', `${m.ft}/${pr.ftPrefixLen}`, 'dev', 'vlan900'));
  }
  if (pr.query) pr.members.forEach((m, k) => cmds.push(ip('-n', m.ns, 'addr', 'add', `${pr.query!.addresses[k]}/${pr.query!.prefixLen}`, 'dev', `vlan${pr.query!.vlan}`)));
  for (const n of p.nodes) cmds.push(ip('-n', n.ns, 'addr', 'add', `${n.address}/${n.prefixLen}`, 'dev', 'vlan200'), ip('-n', n.ns, 'route', 'add', 'default', 'via', pr.alias200));
}

/** The switch-side end of a member's FT leg (setting it down cuts the FT link). */
export function ftLinkOf(p: NetnsPlan, role: 'primary' | 'secondary'): string {
  return role === 'primary' ? 'lb1v900' : 'lb2v900';
}

/** The switch-side end of a member's query-VLAN leg; undefined when the query VLAN has no leg of its own. */
export function queryLinkOf(p: NetnsPlan, role: 'primary' | 'secondary'): string | undefined {
  return p.pair?.query ? (role === 'primary' ? 'lb1vq' : 'lb2vq') : undefined;
}

/** Every namespace of the plan. */
export function namespacesOf(p: NetnsPlan): string[] {
  const balancers = p.pair ? p.pair.members.map((m) => m.ns) : [p.balancerNs];
  return [p.switchNs, p.clientsNs, ...balancers, ...p.nodes.map((n) => n.ns)];
}

export interface NetnsOps {
  run?: CommandRunner;
  /** Whether a pid runs (default: signal 0). */
  isAlive?: (pid: number) => boolean;
  /** Kills a pid left inside a namespace this lab made (default: SIGKILL). */
  kill?: (pid: number) => void;
}

/** Namespaces on this host whose names are acesim's (`acesim-<pid>-…`), with the pid. */
export async function listAcesimNamespaces(run: CommandRunner = runCommand): Promise<{ name: string; pid: number }[]> {
  const r = await run('ip', ['netns', 'list']);
  const out: { name: string; pid: number }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(acesim-(\d+)-\S+)/.exec(line.trim());
    if (m) out.push({ name: m[1]!, pid: Number(m[2]) });
  }
  return out;
}

/** Kills what still runs in the namespaces (processes this lab started there) and deletes them. */
export async function deleteNamespaces(names: readonly string[], ops: NetnsOps = {}): Promise<void> {
  const run = ops.run ?? runCommand;
  const kill = ops.kill ?? ((pid: number) => process.kill(pid, 'SIGKILL'));
  for (const ns of names) {
    const pids = await run('ip', ['netns', 'pids', ns]);
    for (const s of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        kill(Number(s));
      } catch {
        // already gone
      }
    }
  }
  for (const ns of names) await run('ip', ['netns', 'del', ns]);
}

/** Removes the namespaces of acesim labs whose process is gone (a SIGKILLed lab); returns their names. */
export async function sweepStale(ops: NetnsOps = {}): Promise<string[]> {
  const alive = ops.isAlive ?? pidAlive;
  const stale = (await listAcesimNamespaces(ops.run)).filter((n) => n.pid !== process.pid && !alive(n.pid)).map((n) => n.name);
  if (stale.length > 0) await deleteNamespaces(stale, ops);
  return stale;
}

export interface NetnsLab {
  readonly plan: NetnsPlan;
  /** Deletes every namespace (and with them links, bridges, addresses, rules); idempotent, concurrent calls share one removal. */
  destroy(): Promise<void>;
}

/** Whether this process can make namespaces (root, iproute2): undefined when it can, else why not. */
export async function netnsUnavailable(run: CommandRunner = runCommand): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces are Linux-only (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the netns lab needs root (ip netns add, IP_TRANSPARENT)';
  const r = await run('ip', ['netns', 'list']);
  if (r.code !== 0) return `\`ip netns\` is unavailable: ${r.stderr.trim() || `exit ${r.code}`} (install iproute2)`;
  return undefined;
}

/** Builds the topology; on a failed step removes what was made and returns the message. */
export async function createNetns(plan: NetnsPlan, ops: NetnsOps = {}): Promise<{ ok: true; lab: NetnsLab } | { ok: false; message: string }> {
  const run = ops.run ?? runCommand;
  // One removal, whoever asks first (an abort and the normal way out may overlap): all callers wait for it.
  let destroying: Promise<void> | undefined;
  const lab: NetnsLab = {
    plan,
    destroy: () => (destroying ??= deleteNamespaces(namespacesOf(plan), ops)),
  };
  for (const c of buildCommands(plan)) {
    const r = await run('ip', c.args, c.input);
    if (r.code !== 0) {
      await lab.destroy();
      return { ok: false, message: `ip ${c.args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}` };
    }
  }
  // The balancer is the nodes' gateway: it forwards what is not its own (a node calling a client back).
  for (const ns of plan.pair ? plan.pair.members.map((m) => m.ns) : [plan.balancerNs]) {
    const fwd = await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    if (fwd.code !== 0) {
      await lab.destroy();
      return { ok: false, message: `sysctl net.ipv4.ip_forward in ${ns}: ${fwd.stderr.trim()}` };
    }
  }
  return { ok: true, lab };
}
