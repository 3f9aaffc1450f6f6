// Secrets never leave acesim: one config holding a probe credential, a user
// password and two SNMP communities, run through the built CLI as a user
// would — `check` (text and JSON), every `export` target, `acesim run` with
// --mgmt-token-file (its stdout/stderr and JSON logs, its --events file, every
// show topic through the API as JSON and through `acesim show` as text,
// /metrics and the dashboard), and a short `acesim lab` (text, JSON, HTML
// report) — then every byte collected is searched for each secret, the token,
// and the probe credential as it travels on the wire (HTTP Basic, base64).
// Spawns dist/src/cli/main.js: run `npx tsc -p tsconfig.json` first.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SHOW_TOPICS } from '../../src/mgmt/api.js';
import { ROOT } from '../unit/config/helpers.js';
import { configText, SECRETS } from '../unit/mgmt/fixtures.js';

const CLI = resolve(ROOT, 'dist/src/cli/main.js');
const TOKEN = 'Mgmt-T0ken-Xyz';
const VIP = '127.0.110.5';
const PORT = 29110;
const MGMT = `${VIP}:29111`;
/** The probe's credentials as an HTTP probe sends them (`credentials probeuser …` in fixtures.ts). */
const BASIC = Buffer.from(`probeuser:${SECRETS[0]}`).toString('base64');
const NEEDLES = [...SECRETS, TOKEN, BASIC];

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutMs = 60_000): Promise<Out> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, ACESIM_MGMT_TOKEN: '' } }, (err, stdout, stderr) => {
      resolvePromise({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

t.test('no secret in any output', { skip: existsSync(CLI) ? false : 'dist not built (npx tsc -p tsconfig.json)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-redaction-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'secrets.conf');
  writeFileSync(conf, configText({ vip: VIP, port: PORT, n1: '127.0.110.15', n2: '127.0.110.16' }));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, TOKEN + '\n');
  /** Everything acesim printed or wrote, by where it came from. */
  const seen: [string, string][] = [];
  const keep = (where: string, o: Out) => seen.push([`${where} (stdout)`, o.stdout], [`${where} (stderr)`, o.stderr]);

  for (const format of ['text', 'json']) keep(`check --format ${format}`, await cli(['check', conf, '--format', format]));
  // The needles are right: asked for them, acesim does print the secrets.
  const shown = await cli(['export', conf, '--to', 'ace', '--show-secrets']);
  t.ok(SECRETS.every((s) => shown.stdout.includes(s)), 'export --show-secrets prints every secret (so the search below can find them)');
  for (const to of ['ace', 'yaml', 'json', 'haproxy', 'keepalived']) {
    const o = await cli(['export', conf, '--to', to]);
    t.equal(o.code, 0, `export --to ${to} succeeds`);
    keep(`export --to ${to}`, o);
  }

  await t.test('acesim run: logs, events, API, show, metrics, dashboard', async (t) => {
    const events = join(dir, 'events.jsonl');
    const run = spawn(process.execPath, [CLI, 'run', conf, '--mgmt', MGMT, '--mgmt-token-file', tokenFile, '--events', events, '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = run.pid!;
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => run.once('exit', (c) => r(c)));
    t.teardown(() => {
      if (run.exitCode === null && run.signalCode === null) process.kill(pid, 'SIGKILL');
    });
    for (let i = 0; i < 200 && !stdout.includes('management API'); i++) await new Promise((r) => setTimeout(r, 50));
    t.match(stdout, /management API http:\/\/127\.0\.110\.5:29111/, 'the API is up');
    // Let the probes run a few times (they fail: nothing listens), so the logs have something to say.
    await new Promise((r) => setTimeout(r, 2500));
    const url = `http://${MGMT}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const topic of SHOW_TOPICS) {
      for (const q of ['', '?detail=1', '?format=json']) {
        const r = await fetch(`${url}/api/show/${topic}${q}`, { headers: auth });
        seen.push([`GET /api/show/${topic}${q} (${r.status})`, await r.text()]);
      }
      const words = topic === 'sticky-database' ? ['sticky', 'database'] : topic === 'ft-group' ? ['ft', 'group'] : topic === 'running-config' ? ['running-config'] : [topic];
      keep(`show ${words.join(' ')}`, await cli(['show', ...words, '--mgmt', url]));
    }
    for (const path of ['/metrics', '/', '/api/show/probe/FAST?detail=1', '/api/show/serverfarm/FARM?detail=1', '/api/nothing']) {
      const r = await fetch(`${url}${path}`, { headers: auth });
      seen.push([`GET ${path} (${r.status})`, await r.text()]);
    }
    const denied = await fetch(`${url}/api/sticky/clear`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong' } });
    seen.push(['POST with a wrong token', await denied.text()]);
    const reload = await fetch(`${url}/api/reload`, { method: 'POST', body: JSON.stringify({ config: readFileSync(conf, 'utf8') + '\nprobe http BROKEN\n  credentials u\n' }), headers: auth });
    seen.push([`POST /api/reload of a broken config (${reload.status})`, await reload.text()]);
    process.kill(pid, 'SIGTERM');
    t.equal(await exited, 0, 'run stops on SIGTERM');
    seen.push(['run (stdout)', stdout], ['run (stderr)', stderr], ['run --events file', existsSync(events) ? readFileSync(events, 'utf8') : '']);
    t.match(stdout + stderr, /"msg":"probe state change"|probe/, 'the run logged its probes');
    t.ok(seen.at(-1)![1].length > 0, 'the events file was written');
  });

  await t.test('acesim lab: text, JSON, HTML report', async (t) => {
    const scenario = join(dir, 'lab.yaml');
    writeFileSync(scenario, ['name: redaction', 'timeScale: 2', 'duration: 8s', 'nodes:', '  n1: { rserver: N1 }', '  n2: { rserver: N2 }', 'traffic:', '  clients: 4', '  clientRange: 127.0.110.64/28', '  http: { perClientPerSecond: 1 }', '  https: { perClientPerSecond: 0 }', '  traps: { perClientPerSecond: 0 }', 'timeline:', '  - at: 2s', '    crash: n1', '  - at: 5s', '    recover: n1', ''].join('\n'));
    const report = join(dir, 'report');
    for (const format of ['text', 'json']) {
      const o = await cli(['lab', conf, '--scenario', scenario, '--format', format, '--report', report], 120_000);
      t.not(o.stdout, '', `lab --format ${format} printed a result`);
      keep(`lab --format ${format}`, o);
    }
    const files = existsSync(report) ? readdirSync(report) : [];
    t.ok(files.some((f) => f.endsWith('.html')), 'an HTML report was written');
    for (const f of files) seen.push([`lab report ${f}`, readFileSync(join(report, f), 'utf8')]);
  });

  t.ok(seen.length > 60, `${seen.length} outputs collected`);
  for (const needle of NEEDLES) {
    const leaks = seen.filter(([, text]) => text.includes(needle)).map(([where]) => where);
    t.same(leaks, [], `"${needle}" appears nowhere`);
  }
  t.ok(seen.some(([, text]) => text.includes('<redacted>')), 'secrets show as <redacted> where the config has them');
});
