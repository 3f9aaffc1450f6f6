// `acesim lab` on bad input: positioned scenario diagnostics, clear usage
// errors, never an exception. No sockets are opened on these paths.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';
import { ROOT } from '../../unit/config/helpers.js';

function io(files: Record<string, string> = {}): CliIo & { outText: string; errText: string } {
  const o = {
    outText: '',
    errText: '',
    out: (s: string) => void (o.outText += s + '\n'),
    err: (s: string) => void (o.errText += s + '\n'),
    readFile: async (p: string) => (p in files ? files[p]! : readFile(p, 'utf8')),
  };
  return o;
}

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
