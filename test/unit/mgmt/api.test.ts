// The management API through injected requests (no socket): routes, token
// rules, 4xx errors for bad input, the ACE-like show text, FT rendering from
// a hand-made FtStatusSource, /metrics, and a grep for the config's secrets in
// every read route, the metrics, the dashboard state and the logs.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { printAce } from '../../../src/config/print-ace.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { MgmtApi, SHOW_TOPICS, type MgmtRequest } from '../../../src/mgmt/api.js';
import { createLogger, prettyLine } from '../../../src/mgmt/logger.js';
import { createRuntime, type BalancerRuntime } from '../../../src/runtime/balancer-runtime.js';
import { configText, fakeFt, SECRETS } from './fixtures.js';

const TOKEN = 'tok-' + 'abc123';

function setup(o: { ft?: boolean; readsNeedToken?: boolean; token?: string | undefined } = {}) {
  const clock = new VirtualClock();
  const c = compileConfig(configText({ vip: '127.0.90.1', port: 18080, n1: '127.0.90.11', n2: '127.0.90.12' }), 'unit.conf');
  const created = createRuntime({ model: c.model, clock });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const ft = o.ft ? fakeFt() : undefined;
  const view = Object.assign(Object.create(rt) as BalancerRuntime, ft ? { ft } : {});
  const api = new MgmtApi({ runtime: view, model: c.model, clock, auth: { token: 'token' in o ? o.token : TOKEN, readsNeedToken: o.readsNeedToken ?? false } });
  return { api, rt, ft, clock, model: c.model };
}

const get = (url: string, token?: string): MgmtRequest => ({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
const post = (url: string, body: unknown, token: string | null = TOKEN): MgmtRequest => ({ method: 'POST', url, headers: token !== null ? { authorization: `Bearer ${token}` } : {}, body: typeof body === 'string' ? body : JSON.stringify(body) });
const bodyOf = (r: Awaited<ReturnType<MgmtApi['handle']>>): string => ('body' in r ? r.body : '');
const jsonOf = (r: Awaited<ReturnType<MgmtApi['handle']>>): Record<string, unknown> => JSON.parse(bodyOf(r)) as Record<string, unknown>;

t.test('show text follows the ACE layouts', async (t) => {
  const { api } = setup();
  const farm = await api.handle(get('/api/show/serverfarm/FARM?format=text'));
  t.equal(farm.status, 200);
  const text = bodyOf(farm);
  t.match(text, /serverfarm {5}: FARM, type: HOST/);
  t.match(text, /total rservers : 2/);
  t.match(text, /real {18}weight state {8}current {4}total {6}failures/);
  t.match(text, /rserver: N1\n {7}127\.0\.90\.11 +8 +OPERATIONAL +0 +0 +0/);
  const detail = bodyOf(await api.handle(get('/api/show/serverfarm/FARM?format=text&detail=1')));
  t.match(detail, /predictor {6}: ROUNDROBIN/);
  const rs = bodyOf(await api.handle(get('/api/show/rserver/N2?format=text')));
  t.match(rs, /rserver {14}: N2, type: HOST/);
  t.match(rs, /serverfarm: FARM/);
  const sticky = bodyOf(await api.handle(get('/api/show/sticky-database/STK?format=text')));
  t.match(sticky, /sticky group : STK\n type {9}: IP\n timeout {6}: 600 /, 'timeout in seconds (the config says minutes)');
  const sp = bodyOf(await api.handle(get('/api/show/service-policy/VIPS?format=text')));
  t.match(sp, /service-policy: VIPS\n {4}class: VIP-WEB/);
  t.match(sp, /VIP State: INSERVICE/);
  const probe = bodyOf(await api.handle(get('/api/show/probe/FAST?format=text')));
  t.match(probe, /probe {7}: FAST\n type {8}: HTTP/);
  const statsText = bodyOf(await api.handle(get('/api/show/stats?format=text')));
  t.match(statsText, /Total Layer4 decisions +: 0/);
  t.match(statsText, /Probes started late \(>= 1 s\) +: 0\nWorst probe start lag \(ms\) +: \d+\nMean probe start lag \(ms\) +: [\d.]+\nProbes skipped \(began too late\) +: 0/);
  t.match(jsonOf(await api.handle(get('/api/show/stats'))), { probes: { startedLate: 0, worstStartLagMs: Number, meanStartLagMs: Number, skippedAttempts: 0 } });
  const farms = jsonOf(await api.handle(get('/api/show/serverfarm'))) as { serverfarms: { name: string; reals: unknown[] }[] };
  t.same(farms.serverfarms.map((f) => [f.name, f.reals.length]), [['FARM', 2]]);
});

t.test('show ft group: a fake FT source, and the answer without FT', async (t) => {
  const none = setup();
  t.match(bodyOf(await none.api.handle(get('/api/show/ft-group?format=text'))), /FT is not configured/);
  const sw = await none.api.handle(post('/api/ft/switchover', {}));
  t.equal(sw.status, 409);
  t.match(jsonOf(sw)['error'], /FT not configured/);

  const { api, ft } = setup({ ft: true });
  const text = bodyOf(await api.handle(get('/api/show/ft-group/1?format=text')));
  t.match(text, /FT Group {21}: 1/);
  t.match(text, /My State {21}: FSM_FT_STATE_ACTIVE/);
  t.match(text, /Peer State {19}: FSM_FT_STATE_STANDBY_HOT/);
  t.match(text, /My Net Priority {14}: 140/);
  t.match(text, /Last State Change time {7}: Mon Jan 10 09:00:01 2011/);
  t.match(text, /HB Missed {20}: 10/);
  t.match(text, /Rx rejected messages {9}: 2/);
  t.match(text, /Last rejected {16}: heartbeat claiming to be 10\.9\.9\.9, not the peer \(from 10\.9\.9\.9\)/);
  t.equal((await api.handle(get('/api/show/ft-group/x'))).status, 400);
  const ok = await api.handle(post('/api/ft/switchover', { group: 1 }));
  t.equal(ok.status, 200);
  t.same(ft!.switched, [1]);
  t.equal((await api.handle(post('/api/ft/switchover', { group: 'one' }))).status, 400);
  const m = bodyOf(await api.handle(get('/metrics')));
  t.match(m, /acesim_ft_group_state\{group="1",state="FSM_FT_STATE_ACTIVE"\} 1/);
  t.match(m, /acesim_ft_heartbeats_total\{kind="missed"\} 10/);
  t.match(m, /acesim_ft_rejected_messages_total 2/, "messages refused on the FT VLAN");
});

t.test('token rules: reads open on loopback, writes always need the token', async (t) => {
  const { api, rt } = setup();
  t.equal((await api.handle(get('/api/show/rserver'))).status, 200);
  t.equal((await api.handle(post('/api/rserver/N1', { admin: 'no-inservice' }, null))).status, 401);
  t.equal((await api.handle(post('/api/rserver/N1', { admin: 'no-inservice' }, 'wrong'))).status, 401);
  const ok = await api.handle(post('/api/rserver/N1', { admin: 'no-inservice' }));
  t.equal(ok.status, 200);
  t.equal(rt.balancer.realState('FARM', 'N1'), 'OUTOFSERVICE');
  t.equal((await api.handle(post('/api/rserver/N1', { admin: 'inservice-standby' }))).status, 200);
  t.equal(rt.balancer.realState('FARM', 'N1'), 'STANDBY');

  const noToken = setup({ token: undefined });
  const refused = await noToken.api.handle(post('/api/sticky/clear', {}, null));
  t.equal(refused.status, 403);
  t.match(jsonOf(refused)['error'], /--mgmt-token-file/);

  const remote = setup({ readsNeedToken: true });
  t.equal((await remote.api.handle(get('/api/show/stats'))).status, 401);
  t.equal((await remote.api.handle(get('/api/show/stats', TOKEN))).status, 200);
  t.equal((await remote.api.handle(get('/events?token=' + TOKEN))).status, 200, 'the event stream may carry the token in the query');
  t.equal((await remote.api.handle(post('/api/sticky/clear?token=' + TOKEN, {}, null))).status, 401, 'writes never take it from the query');
});

t.test('bad requests are 4xx JSON, never a throw', async (t) => {
  const { api } = setup();
  const cases: [MgmtRequest, number][] = [
    [get('/api/show/nothing'), 404],
    [get('/api/show/serverfarm/NOPE'), 404],
    [get('/api/show/rserver/%E0%A4%A'), 400],
    [get('/api/show/sticky-database?limit=-3'), 400],
    [get('/nowhere'), 404],
    [get('/api/reload'), 405],
    [{ method: 'DELETE', url: '/api/show/stats', headers: {} }, 405],
    [post('/api/rserver/N1', '{not json'), 400],
    [post('/api/rserver/N1', '[1,2]'), 400],
    [post('/api/rserver/N1', { admin: 'sideways' }), 400],
    [post('/api/rserver/NOPE', { admin: 'inservice' }), 404],
    [post('/api/sticky/clear', { group: 7 }), 400],
    [post('/api/sticky/clear', { group: 'NOPE' }), 404],
    [post('/api/reload', {}), 400],
    [post('/api/elsewhere', {}), 404],
  ];
  for (const [req, status] of cases) {
    const r = await api.handle(req);
    t.equal(r.status, status, `${req.method} ${req.url} ${req.body ?? ''}`);
    t.type(jsonOf(r)['error'], 'string');
  }
  const reload = await api.handle(post('/api/reload', { text: 'probe http X', file: 'x.conf' }));
  t.equal(reload.status, 422, 'no compiler wired: refused, not crashed');
});

t.test('metrics: rserver state, probe latency and causes, sticky sizes, process figures', async (t) => {
  const { api, rt } = setup();
  const key = { probe: 'FAST', probeType: 'http' as const, farm: 'FARM', rserver: 'N1', address: '127.0.90.11', port: 18080, portType: 'PROBE' as const };
  rt.probeBus.publish({ type: 'probe.result', key, result: { ok: false, cause: 'L4_REFUSED', latencyMs: 3 }, health: 'INIT' });
  rt.probeBus.publish({ type: 'probe.result', key, result: { ok: true, cause: 'OK', latencyMs: 20 }, health: 'PASSED', startLagMs: 1_200 });
  const m = bodyOf(await api.handle(get('/metrics')));
  t.match(m, /acesim_probe_start_lag_seconds_bucket\{le="1"\} 0\n/, 'an attempt 1.2 s late is over the 1 s bucket');
  t.match(m, /acesim_probe_start_lag_seconds_bucket\{le="2.5"\} 1\n/);
  t.match(m, /acesim_probe_start_lag_seconds_count 1\n/, 'only results that carry a lateness are counted');
  t.match(m, /# TYPE acesim_probe_attempts_skipped_total counter\nacesim_probe_attempts_skipped_total 0\n/, 'skipped probe slots, from the engine (none here)');
  t.match(m, /acesim_rserver_state\{farm="FARM",rserver="N1",port="0",state="OPERATIONAL"\} 1/);
  t.match(m, /acesim_probe_results_total\{probe="FAST",cause="L4_REFUSED"\} 1/);
  t.match(m, /acesim_probe_latency_seconds_count\{probe="FAST",farm="FARM",rserver="N1"\} 2/);
  t.match(m, /acesim_sticky_entries\{group="STK"\} 0/);
  t.match(m, /process_cpu_user_seconds_total/);
  t.notMatch(m, /acesim_ft_group_state\{/, 'no FT series without FT');
  api.dispose();
});

t.test('secrets never leave: API routes, metrics, dashboard, running-config, logs', async (t) => {
  const { api, model } = setup({ ft: true });
  const seen: string[] = [];
  for (const topic of SHOW_TOPICS) {
    for (const fmt of ['json', 'text']) for (const d of ['0', '1']) seen.push(bodyOf(await api.handle(get(`/api/show/${topic}?format=${fmt}&detail=${d}`))));
  }
  seen.push(bodyOf(await api.handle(get('/api/show/probe/FAST'))));
  seen.push(bodyOf(await api.handle(get('/metrics'))));
  seen.push(bodyOf(await api.handle(get('/api/dashboard'))));
  seen.push(bodyOf(await api.handle(get('/'))));
  seen.push(bodyOf(await api.handle(post('/api/reload', { text: 'x' }))));
  const running = bodyOf(await api.handle(get('/api/show/running-config?format=text')));
  t.match(running, /credentials probeuser <redacted>/, 'running-config keeps the line, masks the value');
  t.match(running, /snmp-server community <redacted>/);
  seen.push(printAce(model), JSON.stringify(model));
  const lines: string[] = [];
  for (const pretty of [false, true]) {
    const log = createLogger({ level: 'info', write: (s) => lines.push(s), pretty });
    log.info({ probe: model.contexts[0]!.probes[0] }, 'probe config');
    log.info({ password: SECRETS[1], nested: { community: SECRETS[2] } }, 'plain strings under secret keys');
  }
  seen.push(...lines);
  t.ok(lines.length >= 4);
  const all = seen.join('\n');
  for (const s of SECRETS) t.notOk(all.includes(s), `${s} does not appear`);
  t.notOk(all.includes(TOKEN), 'the token does not appear');
  t.match(prettyLine('{"level":30,"time":0,"msg":"hi","a":1}'), /^00:00:00\.000 INFO {2}hi {2}a=1$/);
});

t.test('a standby FT member refuses a reload (it takes its config from the active)', async (t) => {
  const clock = new VirtualClock();
  const text = configText({ vip: '127.0.90.1', port: 18080, n1: '127.0.90.11', n2: '127.0.90.12' });
  const c = compileConfig(text, 'unit.conf');
  const created = createRuntime({ model: c.model, clock });
  if (!created.ok) throw new Error(created.message);
  const base = fakeFt();
  const ft = { ...base, groups: () => base.groups().map((g) => ({ ...g, myState: 'FSM_FT_STATE_STANDBY_HOT' as const, peerState: 'FSM_FT_STATE_ACTIVE' as const })) };
  const view = Object.assign(Object.create(created.runtime) as BalancerRuntime, { ft });
  const api = new MgmtApi({ runtime: view, model: c.model, clock, auth: { token: TOKEN, readsNeedToken: false }, compile: async (x: string, f: string) => compileConfig(x, f) });
  const r = await api.handle(post('/api/reload', { text, file: 'same.conf' }));
  t.equal(r.status, 422);
  t.match(jsonOf(r)['error'], /ft group 1 is FSM_FT_STATE_STANDBY_HOT: a standby member refuses configuration changes/);
});
