// The VIP side by side with HAProxy (issue 5): the same two loopback backends
// reached directly, through HAProxy 2.6 (Debian) and through `acesim run`, L4
// TCP and L7 HTTP, driven by wrk with 50 keep-alive connections, in one run.
// Besides requests/s it reads each proxy's CPU time from /proc around its rows:
// CPU per request is the fairer figure on a shared machine, where requests/s
// also measure what else is running. The rows run in ROUNDS interleaved rounds
// and each figure is the median, so a burst of other work lands on one sample
// of every row rather than on all of one row.
// A bare node:http + undici proxy (no policy, balancer or deadlines) runs as context:
// it shows how much of acesim's L7 cost is the runtime's rather than acesim's own.
// Usage: node dist/bench/vip-compare.js [SECONDS_PER_ROW=5] [ROUNDS=5]
// Installs haproxy and wrk with apt-get when missing; every process it starts
// it stops by PID. Writes its section of docs/BENCHMARKS.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fixedAgainst, writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const DURATION_S = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 5);
const WARMUP_S = 3;
const children: ChildProcess[] = [];

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function ensureTools(): void {
  const missing = ['haproxy', 'wrk'].filter((c) => !have(c));
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(', ')} with apt-get`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`could not install ${missing.join(', ')}`);
}

function start(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  return c;
}

function stopAll(): void {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGTERM');
}

async function waitPort(host: string, port: number, ms = 10_000): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, host, () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${host}:${port} did not open within ${ms} ms`);
}

interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: number;
  requests: number;
  /** CPU time of the proxy process per request, µs (undefined: not a proxy row). */
  cpuUsPerReq?: number;
}

/** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}
const TICK_US = 10_000;

function parseDuration(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(url: string, seconds = DURATION_S): WrkResult {
  const r = spawnSync('wrk', ['-t2', '-c50', `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  const out = r.stdout ?? '';
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1];
  const errs = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1];
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(errs ?? 0) + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  return { rps, p99Ms: p99 ? parseDuration(p99) : NaN, errors, requests };
}

async function main(): Promise<void> {
  ensureTools();
  const dir = mkdtempSync(join(tmpdir(), 'acesim-vip-bench-'));
  const B1 = '127.0.51.1';
  const B2 = '127.0.51.2';
  const BPORT = 18080;
  // Backends: keep-alive HTTP servers answering a small fixed body, in their own process.
  const backendJs = join(dir, 'backends.mjs');
  writeFileSync(backendJs, `import http from 'node:http';\nfor (const a of ['${B1}', '${B2}']) http.createServer((q, r) => { r.setHeader('content-type', 'text/plain'); r.end('ok from ' + a + '\\n'); }).listen(${BPORT}, a);\n`);
  start(process.execPath, [backendJs]);
  // Context: the least an L7 proxy on acesim's stack does per request (node:http parses, an undici Pool per
  // backend forwards round robin with X-Forwarded-For, hop-by-hop fields dropped both ways, the response
  // written straight back), without policy, balancer, counters or deadlines.
  const bareJs = join(dir, 'bare-proxy.mjs');
  writeFileSync(
    bareJs,
    [
      `import http from 'node:http';`,
      `import { Pool } from ${JSON.stringify(pathToFileURL(require.resolve('undici')).href)};`,
      `const pools = ['${B1}', '${B2}'].map((a) => new Pool('http://' + a + ':${BPORT}', { headersTimeout: 0, bodyTimeout: 0 }));`,
      `const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);`,
      `let rr = 0;`,
      `http.createServer((req, res) => {`,
      `  const headers = {};`,
      `  for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];`,
      `  headers['x-forwarded-for'] = req.socket.remoteAddress;`,
      `  pools[rr++ % 2].dispatch({ method: req.method, path: req.url, headers, body: null }, {`,
      `    onRequestStart() {},`,
      `    onResponseStart(_c, status, h, msg) { for (const k of HOP) delete h[k]; res.writeHead(status, msg, h); },`,
      `    onResponseData(_c, chunk) { res.write(chunk); },`,
      `    onResponseEnd() { res.end(); },`,
      `    onResponseError() { if (!res.headersSent) res.statusCode = 502; res.end(); },`,
      `  });`,
      `}).listen(18084, '127.0.53.4');`,
      '',
    ].join('\n'),
  );
  const bare = start(process.execPath, [bareJs]);

  // HAProxy: the same farm, L4 (mode tcp) and L7 (mode http), round robin, health checks off.
  const farm = (mode: 'tcp' | 'http'): string[] => [`backend farm_${mode}`, `  mode ${mode}`, '  balance roundrobin', `  server s1 ${B1}:${BPORT}`, `  server s2 ${B2}:${BPORT}`];
  const l7Frontend = (bind: string): string[] => ['frontend l7', '  mode http', `  bind ${bind}`, '  option http-keep-alive', '  option forwardfor', '  default_backend farm_http', ...farm('http')];
  const haproxyWith = (name: string, global: string[], sections: string[]): ChildProcess => {
    const cfg = join(dir, name);
    writeFileSync(cfg, ['global', '  maxconn 4096', ...global, 'defaults', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s', ...sections, ''].join('\n'));
    return start('haproxy', ['-f', cfg, '-db']);
  };
  const haproxy = haproxyWith('haproxy.cfg', [], ['frontend l4', '  mode tcp', '  bind 127.0.53.1:18081', '  default_backend farm_tcp', ...farm('tcp'), ...l7Frontend('127.0.53.2:18082')]);
  // Context, not the target: the same L7 frontend on one HAProxy thread, as acesim's L7 VIP runs on one thread
  // (HAProxy's default, above, takes one thread per core).
  const haproxy1 = haproxyWith('haproxy-1thread.cfg', ['  nbthread 1'], l7Frontend('127.0.53.3:18083'));

  // acesim: two VIPs on the same farm; the L7 one through an http load-balance policy.
  const conf = join(dir, 'bench.conf');
  writeFileSync(
    conf,
    [
      'access-list ALL line 8 extended permit ip any any',
      'probe tcp T',
      `  port ${BPORT}`,
      `rserver host S1`,
      `  ip address ${B1}`,
      '  inservice',
      `rserver host S2`,
      `  ip address ${B2}`,
      '  inservice',
      'serverfarm host FARM',
      '  probe T',
      `  rserver S1 ${BPORT}`,
      '    inservice',
      `  rserver S2 ${BPORT}`,
      '    inservice',
      'class-map match-all VIP-L4',
      '  match virtual-address 127.0.52.1 tcp eq 18081',
      'class-map match-all VIP-L7',
      '  match virtual-address 127.0.52.2 tcp eq 18082',
      'policy-map type loadbalance first-match LB-L4',
      '  class class-default',
      '    serverfarm FARM',
      'policy-map type loadbalance http first-match LB-L7',
      '  class class-default',
      '    serverfarm FARM',
      'policy-map multi-match VIPS',
      '  class VIP-L4',
      '    loadbalance vip inservice',
      '    loadbalance policy LB-L4',
      '  class VIP-L7',
      '    loadbalance vip inservice',
      '    loadbalance policy LB-L7',
      'interface vlan 100',
      '  access-group input ALL',
      '  service-policy input VIPS',
      '  no shutdown',
      '',
    ].join('\n'),
  );
  // No management API: nothing polls it here, and its port (4710) may be another run's.
  const acesim = start(process.execPath, [resolve(ROOT, 'dist/src/cli/main.js'), 'run', conf, '--transparency', 'none', '--log-level', 'warn', '--mgmt', 'none']);

  await waitPort(B1, BPORT);
  await waitPort(B2, BPORT);
  await waitPort('127.0.53.1', 18081);
  await waitPort('127.0.53.2', 18082);
  await waitPort('127.0.53.3', 18083);
  await waitPort('127.0.53.4', 18084);
  await waitPort('127.0.52.1', 18081);
  await waitPort('127.0.52.2', 18082);

  const targets: [string, string, ChildProcess?][] = [
    ['direct to one backend', `http://${B1}:${BPORT}/`],
    ['HAProxy 2.6, L4 (mode tcp)', 'http://127.0.53.1:18081/', haproxy],
    ['acesim, L4 TCP VIP', 'http://127.0.52.1:18081/', acesim],
    ['HAProxy 2.6, L7 (mode http)', 'http://127.0.53.2:18082/', haproxy],
    ['acesim, L7 HTTP VIP (undici upstream)', 'http://127.0.52.2:18082/', acesim],
    ['HAProxy 2.6, L7, nbthread 1 (context)', 'http://127.0.53.3:18083/', haproxy1],
    ['bare node:http + undici proxy (context)', 'http://127.0.53.4:18084/', bare],
  ];
  // Each measured run follows an unmeasured one on the same target: a balancer in service is measured in its
  // steady state. acesim's hot paths are JIT-compiled in its first seconds, and after the other rows' minute of
  // idling V8 has dropped part of that code again (measured: the first seconds after 40 s idle cost about a
  // third more CPU per request); HAProxy, compiled ahead of time, is unaffected.
  const samples = new Map<string, WrkResult[]>(targets.map(([l]) => [l, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, url, proxy] of targets) {
      wrk(url, WARMUP_S);
      console.log(`round ${round}/${ROUNDS}, wrk ${DURATION_S}s: ${label}`);
      const before = proxy?.pid !== undefined ? cpuTicks(proxy.pid) : undefined;
      const r = wrk(url);
      if (before !== undefined) r.cpuUsPerReq = ((cpuTicks(proxy!.pid!) - before) * TICK_US) / r.requests;
      samples.get(label)!.push(r);
    }
  }
  stopAll();

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const rows: [string, WrkResult & { rpsMin: number; rpsMax: number }][] = targets.map(([label]) => {
    const xs = samples.get(label)!;
    const cpu = xs.map((x) => x.cpuUsPerReq).filter((x): x is number => x !== undefined);
    return [
      label,
      {
        rps: median(xs.map((x) => x.rps)),
        rpsMin: Math.min(...xs.map((x) => x.rps)),
        rpsMax: Math.max(...xs.map((x) => x.rps)),
        p99Ms: median(xs.map((x) => x.p99Ms)),
        errors: xs.reduce((n, x) => n + x.errors, 0),
        requests: xs.reduce((n, x) => n + x.requests, 0),
        ...(cpu.length > 0 ? { cpuUsPerReq: median(cpu) } : {}),
      },
    ];
  });
  const get = (l: string) => rows.find((r) => r[0] === l)![1];
  const l4 = get('acesim, L4 TCP VIP').rps / get('HAProxy 2.6, L4 (mode tcp)').rps;
  const l7 = get('acesim, L7 HTTP VIP (undici upstream)').rps / get('HAProxy 2.6, L7 (mode http)').rps;
  const l7one = get('acesim, L7 HTTP VIP (undici upstream)').rps / get('HAProxy 2.6, L7, nbthread 1 (context)').rps;
  const l7bare = get('acesim, L7 HTTP VIP (undici upstream)').rps / get('bare node:http + undici proxy (context)').rps;
  // The same ratio within each round (a round's rows run within a minute): how much the machine's drift moves it.
  const perRound = (a: string, b: string): string => {
    const xs = samples.get(a)!.map((x, i) => x.rps / samples.get(b)![i]!.rps);
    const sorted = [...xs].sort((p, q) => p - q);
    // Each round's value in run order, then their median: a pair of adjacent rows shares the machine's drift, where
    // the medians of two rows may come from different rounds.
    return `${xs.map((x) => x.toFixed(2)).join(', ')} (median ${sorted[sorted.length >> 1]!.toFixed(2)})`;
  };
  const body = `wrk 4.1 (Debian), 2 threads, 50 keep-alive connections, ${DURATION_S} s per row, ${ROUNDS} interleaved rounds (each
figure the median of the rounds), each measured run right after an unmeasured ${WARMUP_S} s one on the same target, all on loopback on this 2-core machine (wrk, the proxy, and the two Node.js
backends share the cores). Both proxies balance round robin over the same two backends without health checks
in the path (HAProxy per request; acesim's L7 VIP, as the ACE, keeps a keep-alive connection's requests of one
class on the backend its first one went to, so wrk's 50 connections split between the two); acesim runs \`acesim run\` with transparency none. CPU per request is the proxy process's user +
system time during a row divided by the requests it served. The bare node:http + undici proxy is context: the
least an L7 proxy on acesim's stack does per request (parse, pick round robin, forward with X-Forwarded-For,
write the answer back), with none of acesim's policy, balancer, counters or deadlines. The pass column judges
the ratio of the medians; "within each round" is the same ratio for each round's pair of rows (in run order, and
their median), which ran within a minute of each other, to show how far the machine's drift moves it.

| target | requests/s (median) | range over the rounds | p99 latency (median) | errors | proxy CPU per request (median) |
|---|---|---|---|---|---|
${rows.map(([l, r]) => `| ${l} | ${Math.round(r.rps).toLocaleString('en')} | ${Math.round(r.rpsMin).toLocaleString('en')}–${Math.round(r.rpsMax).toLocaleString('en')} | ${r.p99Ms.toFixed(2)} ms | ${r.errors} | ${r.cpuUsPerReq !== undefined ? `${r.cpuUsPerReq.toFixed(0)} µs` : '—'} |`).join('\n')}

| ratio (of the medians) | value | within each round | target | pass |
|---|---|---|---|---|
| acesim L4 / HAProxy L4 | ${fixedAgainst(l4, 0.9)} | ${perRound('acesim, L4 TCP VIP', 'HAProxy 2.6, L4 (mode tcp)')} | ≥ 0.9 | ${l4 >= 0.9 ? 'PASS' : 'FAIL'} |
| acesim L7 / HAProxy L7 | ${fixedAgainst(l7, 0.5)} | ${perRound('acesim, L7 HTTP VIP (undici upstream)', 'HAProxy 2.6, L7 (mode http)')} | ≥ 0.5 | ${l7 >= 0.5 ? 'PASS' : 'FAIL'} |
| acesim L7 / HAProxy L7 on one thread (context: both on one thread) | ${l7one.toFixed(2)} | ${perRound('acesim, L7 HTTP VIP (undici upstream)', 'HAProxy 2.6, L7, nbthread 1 (context)')} | — | — |
| acesim L7 / bare node:http + undici proxy (context: what acesim's own work costs) | ${l7bare.toFixed(2)} | ${perRound('acesim, L7 HTTP VIP (undici upstream)', 'bare node:http + undici proxy (context)')} | — | — |

UDP (datagrams/s, loss at 20k/s): see the UDP VIP section (bench/udp-vip.ts).
Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`;
  writeSection('vip-compare', 'The VIP vs HAProxy (bench/vip-compare.ts, issue 5)', body);
  console.log(body);
}

process.on('exit', stopAll);
main().catch((e: unknown) => {
  stopAll();
  console.error(`vip-compare: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
