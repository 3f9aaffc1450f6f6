// `acesim lab` on bad input: positioned scenario diagnostics, clear usage
// errors, never an exception. No sockets are opened on these paths.
import t from 'tap';
import { resolve } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { ROOT } from '../../unit/config/helpers.js';
import { labIo } from './small-lab.js';

const io = labIo;

t.test('a scenario with mistakes: FILE:LINE:COL diagnostics, exit 1', async (t) => {
  const x = io({ 'bad.yaml': 'name: bad\nnodes:\n  tms01: { rserver: TMS01 }\ntimeline:\n  - at: 20s\n    crash: tms03\ntrafic: {}\n' });
  const code = await main(['lab', '--scenario', 'bad.yaml'], x);
  t.equal(code, 1);
  t.match(x.errText, /bad\.yaml:6:12: error SCENARIO_UNKNOWN_NODE/);
  t.match(x.errText, /bad\.yaml:7:1: error SCENARIO_SCHEMA/);
  t.match(x.errText, /did you mean `traffic`/);
});

t.test('YAML syntax errors are positioned too', async (t) => {
  const x = io({ 'syn.yaml': 'name: [unclosed\n' });
  t.equal(await main(['lab', '--scenario', 'syn.yaml'], x), 1);
  t.match(x.errText, /syn\.yaml:\d+:\d+: error YAML_SYNTAX/);
});

t.test('usage errors exit 2', async (t) => {
  const x = io();
  t.equal(await main(['lab'], x), 2);
  t.match(x.errText, /--scenario/);
  const y = io();
  t.equal(await main(['lab', '--scenario', resolve(ROOT, 'examples/scenarios/node-crash.yaml'), '--runs', '0'], y), 2);
  const z = io();
  t.equal(await main(['lab', '--scenario', 'missing.yaml'], z), 2);
  t.match(z.errText, /missing\.yaml: cannot read: no such file/);
  const w = io();
  t.equal(await main(['lab', '--scenario', resolve(ROOT, 'examples/scenarios/node-crash.yaml'), '--format', 'xml'], w), 2);
});

t.test('a config path that does not exist is reported against the scenario', async (t) => {
  const x = io({ 'noconf.yaml': 'name: x\nconfig: nowhere.conf\nnodes:\n  a: { rserver: A }\n' });
  t.equal(await main(['lab', '--scenario', 'noconf.yaml'], x), 2);
  t.match(x.errText, /nowhere\.conf: cannot read: no such file/);
});

t.test('a node naming an rserver the config lacks', async (t) => {
  const x = io({ 'rs.yaml': 'name: x\nmap: ["10.0.0.0/8=127.0.0.0/8"]\nportOffset: 24000\nnodes:\n  a: { rserver: TMS09 }\n' });
  t.equal(await main(['lab', resolve(ROOT, 'examples/tms-ace.conf'), '--scenario', 'rs.yaml'], x), 1);
  t.match(x.errText, /rs\.yaml:5:3: node a: the config has no rserver "TMS09"/);
});

t.test('time-scale guard: a scenario timeScale above the hard limit is refused at its position', async (t) => {
  const sc = 'name: x\nmap: ["10.0.0.0/8=127.0.0.0/8"]\nportOffset: 24000\ntimeScale: 50\nnodes:\n  a: { rserver: TMS01 }\n';
  const x = io({ 'fast.yaml': sc });
  t.equal(await main(['lab', resolve(ROOT, 'examples/tms-ace.conf'), '--scenario', 'fast.yaml'], x), 1);
  t.match(x.errText, /fast\.yaml:4:12: error SCENARIO_TIME_SCALE_LIMIT: timeScale 50 makes .* 20 ms of real time.*maximum safe scale is 10 \(hard limit 40\)/);
});

t.test('time-scale guard: --time-scale above the hard limit is a usage error; --force-time-scale passes the guard', async (t) => {
  const sc = 'name: x\nmap: ["10.0.0.0/8=127.0.0.0/8"]\nportOffset: 24000\nnodes:\n  a: { rserver: TMS09 }\n';
  const x = io({ 'f.yaml': sc });
  t.equal(await main(['lab', resolve(ROOT, 'examples/tms-ace.conf'), '--scenario', 'f.yaml', '--time-scale', '100'], x), 2);
  t.match(x.errText, /error SCENARIO_TIME_SCALE_LIMIT: --time-scale 100 makes/);
  // Forced: the guard only warns, and the run gets as far as the scenario's own mistake (no sockets opened).
  const y = io({ 'f.yaml': sc });
  t.equal(await main(['lab', resolve(ROOT, 'examples/tms-ace.conf'), '--scenario', 'f.yaml', '--time-scale', '100', '--force-time-scale'], y), 1);
  t.match(y.errText, /warning SCENARIO_TIME_SCALE_LIMIT: --time-scale 100/);
  t.match(y.errText, /the config has no rserver "TMS09"/);
  // Between the floors: a warning, and the run goes on (here to the same mistake).
  const z = io({ 'f.yaml': sc });
  t.equal(await main(['lab', resolve(ROOT, 'examples/tms-ace.conf'), '--scenario', 'f.yaml', '--time-scale', '20'], z), 1);
  t.match(z.errText, /warning SCENARIO_TIME_SCALE: --time-scale 20 makes .* 50 ms of real time, under the 100 ms safe floor/);
});

t.test('a fault on a real node is refused with a positioned diagnostic', async (t) => {
  const x = io({ 'r.yaml': 'name: x\nnodes:\n  a: { rserver: TMS01, address: "127.0.0.9:80" }\ntimeline:\n  - at: 5s\n    hang: a\n' });
  t.equal(await main(['lab', resolve(ROOT, 'examples/tms-ace.conf'), '--scenario', 'r.yaml'], x), 1);
  t.match(x.errText, /r\.yaml:6:11: error SCENARIO_REAL_NODE_FAULT: timeline\[0\]: a is a real node/);
});
