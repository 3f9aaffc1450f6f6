// `acesim run` refusals: usage errors, config errors (diagnostics printed), unmapped addresses.
import t from 'tap';
import { runRun } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';

function io(files: Record<string, string>): CliIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (s) => void outs.push(s), err: (s) => void errs.push(s), readFile: async (p) => { if (p in files) return files[p]!; throw Object.assign(new Error('nope'), { code: 'ENOENT' }); } };
}
const never = new AbortController().signal;

t.test('usage errors exit 2', async (t) => {
  const x = io({});
  t.equal(await runRun(x, { maps: [], portOffset: 0 }, never), 2);
  t.equal(await runRun(x, { file: 'a.conf', maps: [], portOffset: 0, transparency: 'nat' }, never), 2);
  t.match(x.errs.join('\n'), /--transparency must be one of bind-client, none, proxy-protocol/);
  t.equal(await runRun(x, { file: 'a.conf', maps: ['bogus'], portOffset: 0 }, never), 2);
  t.equal(await runRun(x, { file: 'missing.conf', maps: [], portOffset: 0 }, never), 2);
  t.equal(await main(['run'], x), 2, 'main: run needs a file');
});

t.test('a config with errors is refused with its diagnostics', async (t) => {
  const x = io({ 'bad.conf': 'serverfarm host F\n  rserver NOPE\n    inservice\n' });
  t.equal(await runRun(x, { file: 'bad.conf', maps: [], portOffset: 0 }, never), 1);
  t.match(x.errs.join('\n'), /ACE_UNDEFINED_REFERENCE|undefined|not defined/i);
});

t.test('VIP addresses this host does not own: exit 2 with a hint', async (t) => {
  const conf = `access-list ALL line 8 extended permit ip any any
class-map match-all V
  2 match virtual-address 192.0.2.1 tcp eq 8080
policy-map multi-match P
  class V
    loadbalance vip inservice
interface vlan 10
  access-group input ALL
  service-policy input P
  no shutdown
`;
  const x = io({ 'v.conf': conf });
  t.equal(await runRun(x, { file: 'v.conf', maps: [], portOffset: 0, logLevel: 'silent' }, never), 2);
  t.match(x.errs.join('\n'), /cannot listen on tcp 192\.0\.2\.1:8080 for VIP V: EADDRNOTAVAIL \(not an address of this host; try --map/);
});

t.test('warnings are printed, positioned, and the run goes on (here: to its address check)', async (t) => {
  // LINT_INSERT_HTTP_UNSENDABLE: a valid ACE line acesim cannot forward. The VIP address is not
  // this host's, so the run stops at its listeners: after the warnings were printed.
  const conf = `access-list ALL line 8 extended permit ip any any
rserver host R
  ip address 192.0.2.10
  inservice
serverfarm host F
  rserver R 80
    inservice
class-map match-all V
  2 match virtual-address 192.0.2.1 tcp eq 8080
policy-map type loadbalance http first-match L
  class class-default
    serverfarm F
    insert-http X-Price header-value "5€"
policy-map multi-match P
  class V
    loadbalance vip inservice
    loadbalance policy L
interface vlan 10
  access-group input ALL
  service-policy input P
  no shutdown
`;
  const x = io({ 'w.conf': conf });
  t.equal(await runRun(x, { file: 'w.conf', maps: [], portOffset: 0, logLevel: 'silent' }, never), 2, 'not refused for a warning');
  const errs = x.errs.join('\n');
  t.match(errs, /^w\.conf:13:\d+: warning LINT_INSERT_HTTP_UNSENDABLE: /m, 'the warning, with its position');
  t.match(errs, /cannot listen on tcp 192\.0\.2\.1:8080/, 'and the run went on past it');
  t.ok(errs.indexOf('LINT_INSERT_HTTP_UNSENDABLE') < errs.indexOf('cannot listen'), 'printed before the listeners start');
});
