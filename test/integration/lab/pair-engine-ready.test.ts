// When the lab's pair engine calls the pair ready: only once the active member
// has announced every planned VIP listener. The members here are stand-ins
// (real processes, run with the arguments the engine gives `acesim run`) that
// write the FT events and VIP lines on a script taken from their "config file",
// so the order and gaps that load can cause are reproduced exactly: the UDP VIP
// bound first, the TCP one 400 ms later. Taking the first line as "ready" gave
// the client fleet no HTTP VIP at all (a CI run of the netns pair lab recorded
// 0/0 HTTP requests while traps flowed).
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../../src/core/real-clock.js';
import { PairEngine } from '../../../src/lab/engine-pair.js';

// 127.0.210.x FT addresses put the engine's relay on 127.0.211.x (third octet + 1).
const FT = { primary: '127.0.210.1', secondary: '127.0.210.2' };
const PORT = 40500;

// A member: `node member.mjs run SCRIPT … --ft-member ROLE … --events FILE …`; SCRIPT holds, per role,
// steps of { wait ms, then an event for the events file or a line on stdout }. It stays up until signalled.
const MEMBER = `
import { appendFileSync, readFileSync } from 'node:fs';
const arg = (k) => process.argv[process.argv.indexOf(k) + 1];
const role = arg('--ft-member');
const steps = JSON.parse(readFileSync(process.argv[3], 'utf8'))[role];
const events = arg('--events');
setInterval(() => {}, 1000);
for (const s of steps) {
  await new Promise((r) => setTimeout(r, s.wait ?? 0));
  if (s.event) appendFileSync(events, JSON.stringify({ ...s.event, wallMs: Date.now() }) + '\\n');
  if (s.line) console.log(s.line);
}
`;

const active = { type: 'ft.group', group: 1, from: 'FSM_FT_STATE_INIT', to: 'FSM_FT_STATE_ACTIVE' };
const hot = { type: 'ft.group', group: 1, from: 'FSM_FT_STATE_STANDBY_BULK', to: 'FSM_FT_STATE_STANDBY_HOT' };
const serving = { type: 'ft.vips', group: 1, serving: true, ms: 1 };
const udpLine = 'VIP V162 udp 127.0.211.40:162 listening (policy PM, vlan 100, farm F)';

async function startWith(t: Test, script: unknown, vipCount: number) {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-pair-ready-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'member.mjs'), MEMBER);
  writeFileSync(join(dir, 'script.json'), JSON.stringify(script));
  const engine = new PairEngine({
    clock: new RealClock(),
    cli: join(dir, 'member.mjs'),
    configFile: join(dir, 'script.json'),
    maps: [],
    portOffset: 0,
    timeScale: 1,
    ftAddresses: FT,
    ftPort: PORT,
    mgmtPorts: { primary: PORT + 1, secondary: PORT + 2 },
    vipCount,
  });
  try {
    return await engine.start();
  } finally {
    await engine.stop();
  }
}

t.test('ready only when every planned VIP is up, not at the first VIP line', async (t) => {
  const started = await startWith(
    t,
    {
      primary: [{ event: active }, { line: udpLine }, { wait: 400, line: 'VIP V80 tcp 127.0.211.40:80 listening (policy PM, vlan 100, farm F)' }, { event: serving }],
      secondary: [{ wait: 100, event: hot }],
    },
    2,
  );
  t.same(started.failures, []);
  t.same(started.listeners.map((l) => `${l.protocol} ${l.port}`).sort(), ['tcp 80', 'udp 162'], 'the HTTP VIP is among the listeners the fleet is given');
});

t.test('a VIP the active member could not bind fails the start, naming it', async (t) => {
  const started = await startWith(
    t,
    {
      primary: [{ event: active }, { line: udpLine }, { wait: 100, line: 'VIP V80 tcp 127.0.211.40:80 NOT listening: EADDRNOTAVAIL' }, { event: serving }],
      secondary: [{ event: hot }],
    },
    2,
  );
  t.same(started.listeners, []);
  t.match(started.failures, [{ protocol: 'tcp', address: '127.0.211.40', port: 80, error: /primary member: EADDRNOTAVAIL/ }]);
});
