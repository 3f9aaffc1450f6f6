// How should the nodes see the client's address on a real network (issue 10)?
// Measures, in network namespaces this script makes (clients → balancer →
// node, src/lab/netns.ts), requests/s and p99 for the same node reached
//   (a) through `acesim run --transparency transparent` (L4, IP_TRANSPARENT),
//   (b) through one nftables DNAT rule in the balancer namespace (the kernel
//       forwards; no user space in the path),
//   (c) directly, the balancer namespace only routing,
// each with keep-alive connections and with a new connection per request,
// in interleaved rounds (median reported): `node dist/bench/transparency-compare.js [SECONDS 5-10] [ROUNDS 1-5]`.
// wrk runs in the clients' namespace (installed with apt-get when missing).
// Every namespace is removed afterwards, also on failure or Ctrl-C; every
// process started in them dies with them (deleteNamespaces kills by pid).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, netnsUnavailable, planNetns, sweepStale, type NetnsLab } from '../src/lab/netns.js';
import { runCommand } from '../src/proxy/transparent-routing.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DURATION_S = Math.min(10, Math.max(5, Number(process.argv[2] ?? 5)));
// Rounds of every row, interleaved, so load from elsewhere on a shared machine hits all paths alike; the median is reported.
const ROUNDS = Math.min(5, Math.max(1, Number(process.argv[3] ?? 3)));
const CLIENT = '10.0.100.1';
const NODE = '10.0.200.50';
const ACESIM_VIP = '10.0.200.40';
const DNAT_VIP = '10.0.200.41';
const PORT = 80;

interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: number;
}

function ensureWrk(): void {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status === 0) return;
  console.log('installing wrk with apt-get');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error('could not install wrk');
}

function parseDuration(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(ns: string, url: string, close: boolean): WrkResult {
  const args = ['netns', 'exec', ns, 'wrk', '-t2', '-c50', `-d${DURATION_S}s`, '--latency', ...(close ? ['-H', 'Connection: close'] : []), url];
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: (DURATION_S + 20) * 1000 });
  const out = r.stdout ?? '';
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1];
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1];
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  // With `Connection: close` every response ends in a close wrk counts as a read error; only the others are errors.
  const sockErrs = sock ? Number(sock[1]) + (close ? 0 : Number(sock[2])) + Number(sock[3]) + Number(sock[4]) : 0;
  return { rps, p99Ms: p99 ? parseDuration(p99) : NaN, errors: Number(non2xx ?? 0) + sockErrs };
}

/** Resolves once ADDR:PORT accepts a connection from inside `ns` (a one-line Node probe there). */
function waitPort(ns: string, address: string, port: number, ms = 15_000): void {
  const js = `const s=require('net').connect(${port},'${address}',()=>{s.destroy();process.exit(0)});s.on('error',()=>process.exit(1))`;
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', js]).status === 0) return;
    spawnSync('sleep', ['0.2']);
  }
  throw new Error(`${address}:${port} did not answer from ${ns} within ${ms} ms`);
}

function benchConfig(): string {
  return [
    'access-list ALL line 8 extended permit ip any any',
    'probe tcp T',
    `  port ${PORT}`,
    'rserver host N1',
    `  ip address ${NODE}`,
    '  inservice',
    'serverfarm host FARM',
    '  probe T',
    `  rserver N1 ${PORT}`,
    '    inservice',
    'class-map match-all VIP-L4',
    `  match virtual-address ${ACESIM_VIP} tcp eq ${PORT}`,
    'policy-map type loadbalance first-match LB-L4',
    '  class class-default',
    '    serverfarm FARM',
    'policy-map multi-match VIPS',
    '  class VIP-L4',
    '    loadbalance vip inservice',
    '    loadbalance policy LB-L4',
    'interface vlan 200',
    '  ip address 10.0.200.24 255.255.255.0',
    '  access-group input ALL',
    '  service-policy input VIPS',
    '  no shutdown',
    '',
  ].join('\n');
}

// The kernel path: DNAT before routing, the reply un-NATed by conntrack (the node's gateway is the balancer).
const DNAT_NFT = `table ip acesim_bench_dnat {
  chain pre { type nat hook prerouting priority dstnat; ip daddr ${DNAT_VIP} tcp dport ${PORT} dnat to ${NODE}:${PORT}; }
}
`;

async function main(): Promise<void> {
  const why = await netnsUnavailable();
  if (why) throw new Error(why);
  ensureWrk();
  await sweepStale();
  const plan = planNetns({ pid: process.pid, clients: [CLIENT], clientPrefixLen: 24, vips: [ACESIM_VIP], nodes: [{ name: 'node', address: NODE }], balancerAddress: { address: '10.0.200.24', prefixLen: 24 } });
  if (typeof plan === 'string') throw new Error(plan);
  const made = await createNetns(plan);
  if (!made.ok) throw new Error(made.message);
  const lab: NetnsLab = made.lab;
  const dir = mkdtempSync(join(tmpdir(), 'acesim-tcompare-'));
  const cleanup = async (): Promise<void> => {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // The node: a keep-alive HTTP server answering a small body (the same node for every row).
    const nodeJs = join(dir, 'node.mjs');
    writeFileSync(nodeJs, `import http from 'node:http';\nhttp.createServer((q, r) => { r.setHeader('content-type', 'text/plain'); r.end('ok\\n'); }).listen(${PORT}, '${NODE}');\n`);
    spawn('ip', ['netns', 'exec', plan.nodes[0]!.ns, process.execPath, nodeJs], { stdio: 'ignore' }).unref();
    const conf = join(dir, 'bench.conf');
    writeFileSync(conf, benchConfig());
    spawn('ip', ['netns', 'exec', plan.balancerNs, process.execPath, join(ROOT, 'dist/src/cli/main.js'), 'run', conf, '--transparency', 'transparent', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] }).unref();
    const nft = await runCommand('ip', ['netns', 'exec', plan.balancerNs, 'nft', '-f', '-'], DNAT_NFT);
    if (nft.code !== 0) throw new Error(`nft: ${nft.stderr.trim()}`);
    waitPort(plan.clientsNs, NODE, PORT);
    waitPort(plan.clientsNs, ACESIM_VIP, PORT);
    waitPort(plan.clientsNs, DNAT_VIP, PORT);

    const targets: [string, string][] = [
      ['(c) direct: client → node, the balancer namespace routing', `http://${NODE}:${PORT}/`],
      ['(b) nftables DNAT in the balancer namespace (kernel)', `http://${DNAT_VIP}:${PORT}/`],
      ['(a) acesim `--transparency transparent`, L4', `http://${ACESIM_VIP}:${PORT}/`],
    ];
    const runs: { label: string; close: boolean; r: WrkResult }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const close of [false, true]) {
        for (const [label, url] of targets) {
          console.log(`round ${round}/${ROUNDS}, wrk ${DURATION_S}s${close ? ', new connection per request' : ''}: ${label}`);
          runs.push({ label, close, r: wrk(plan.clientsNs, url, close) });
        }
      }
    }
    // Per row: the run with the median requests/s (its p99 with it), the range, and every error.
    const rows = [false, true].flatMap((close) =>
      targets.map(([label]) => {
        const all = runs.filter((x) => x.label === label && x.close === close).map((x) => x.r).sort((a, b) => a.rps - b.rps);
        return { label, close, r: { ...all[Math.floor(all.length / 2)]!, errors: all.reduce((n, x) => n + x.errors, 0) }, min: all[0]!.rps, max: all[all.length - 1]!.rps };
      }),
    );
    const fmt = (x: (typeof rows)[number]): string => `${Math.round(x.r.rps).toLocaleString('en')} | ${Math.round(x.min).toLocaleString('en')}–${Math.round(x.max).toLocaleString('en')} | ${x.r.p99Ms.toFixed(2)} ms | ${x.r.errors}`;
    const get = (prefix: string, close: boolean): WrkResult => rows.find((x) => x.label.startsWith(prefix) && x.close === close)!.r;
    const ratio = (close: boolean): string => (get('(a)', close).rps / get('(b)', close).rps).toFixed(2);
    const body = `Three paths to the same node, measured in network namespaces the script makes (clients on VLAN100 →
balancer → node on VLAN200, the node's gateway is the balancer, so every path keeps the client's address):
(a) \`acesim run --transparency transparent\` (L4 VIP, \`IP_TRANSPARENT\` upstream sockets, policy routing),
(b) one nftables \`dnat\` rule in the balancer namespace (the kernel forwards, conntrack un-NATs the reply; no
user space in the path), (c) the client addressing the node directly, the balancer namespace only routing.
The node is one Node.js HTTP server answering a 3-byte body. wrk ${wrkVersion()} (Debian) in the clients'
namespace, 2 threads, 50 connections, ${DURATION_S} s per run; ${ROUNDS} rounds of every row, interleaved, the median
run reported (with the range over the rounds; p99 of the median run; errors summed). All of it shares this machine's
cores with whatever else runs on it.

| path | connections | requests/s (median) | range | p99 latency | errors |
|---|---|---|---|---|---|
${rows.map((x) => `| ${x.label} | ${x.close ? 'new per request' : 'keep-alive'} | ${fmt(x)} |`).join('\n')}

acesim ÷ DNAT: ${ratio(false)} with keep-alive, ${ratio(true)} with a new connection per request.
Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}. What this means for the choice of
mechanism: [docs/transparency.md](transparency.md), "IP_TRANSPARENT or DNAT".`;
    writeSection('transparency-compare', 'Client-address transparency: acesim vs kernel DNAT (bench/transparency-compare.ts, issue 10)', body);
    console.log(body);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

function wrkVersion(): string {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return /wrk (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '';
}

main().catch((e: unknown) => {
  console.error(`transparency-compare: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
