// The HAProxy translation, line by line against ace-semantics: timing
// (inter/downinter/fall/rise, connect/check timeouts), status ranges,
// credentials as an environment reference (never the secret), sticky
// ip-netmask, ACL rules, L7 mode, backup farms, and positioned warnings.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { compileConfig } from '../../../src/config/compile.js';
import { exportHaproxy } from '../../../src/export/haproxy.js';
import { statusRangesRegex } from '../../../src/export/status-regex.js';
import { maskBits } from '../../../src/export/export-common.js';

const CONF = `access-list IN line 8 extended deny tcp host 10.9.9.9 any
access-list IN line 9 extended permit tcp 10.1.0.0 255.255.0.0 any eq www
access-list IN line 10 extended permit icmp any any
probe http WEB
  interval 5
  faildetect 2
  passdetect interval 30
  passdetect count 4
  open 2
  receive 3
  credentials admin s3cret-pass
  request method head url /health
  expect status 200 204
  expect status 301 302
probe tcp T
rserver host A
  ip address 10.0.0.1
  weight 20
  inservice
rserver host B
  ip address 10.0.0.2
  inservice
rserver host C
  ip address 10.0.0.3
serverfarm host SF
  predictor leastconns
  probe WEB
  rserver A 8080
    inservice
  rserver B 8080
    inservice standby
  rserver C 8080
    inservice
serverfarm host SORRY
  probe T
  rserver C 80
    inservice
sticky ip-netmask 255.255.255.0 address source STK
  timeout 30
  serverfarm SF backup SORRY
class-map match-all WEB-VIP
  2 match virtual-address 10.0.0.100 tcp eq www
class-map type http loadbalance match-any IMAGES
  2 match http url .*gif
policy-map type loadbalance first-match LB
  class IMAGES
    serverfarm SORRY
  class class-default
    sticky-serverfarm STK
    insert-http X-Client header-value "%is"
policy-map multi-match P
  class WEB-VIP
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 10
  access-group input IN
  service-policy input P
  no shutdown
`;

const out = exportHaproxy(compileConfig(CONF, 'x.conf').model, { source: 'x.conf' });
const text = out.text;

t.test('probe timing follows ACE §4.5', async (t) => {
  t.match(text, /server A 10\.0\.0\.1:8080 weight 20 check inter 5s downinter 30s fall 2 rise 4/);
  t.notMatch(text, /fastinter/, 'fastinter stays at inter: the ACE has no fast retry');
  t.match(text, /timeout connect 2s\n\s+timeout check 3s/);
  t.match(text, /http-check send meth HEAD uri \/health ver HTTP\/1\.0/);
  t.match(text, /http-check expect rstatus \^\(20\[0-4\]\|301\|302\)\$|http-check expect rstatus \^\(200\|201\|202\|203\|204\|301\|302\)\$/);
});

t.test('admin states and weights', async (t) => {
  t.match(text, /server B 10\.0\.0\.2:8080 weight 8 backup/);
  t.match(text, /server C 10\.0\.0\.3:8080 weight 8 disabled/, 'global rserver not in service → disabled');
  t.match(text, /balance leastconn/);
});

t.test('credentials are an environment reference, never the secret', async (t) => {
  t.notMatch(text, /s3cret/);
  t.notMatch(JSON.stringify(out.diagnostics), /s3cret/);
  t.match(text, /hdr Authorization "\$\{ACESIM_PROBE_WEB_AUTH\}"/);
  t.same(out.env.map((e) => e.name), ['ACESIM_PROBE_WEB_AUTH']);
  const d = out.diagnostics.find((x) => x.code === 'EXPORT_SECRET_REFERENCE');
  t.equal(d?.line, 4);
});

t.test('sticky ip-netmask, backup farm, L7 policy, ACL', async (t) => {
  t.match(text, /stick-table type ip size \S+ expire 1800s\n\s+stick on src,ipmask\(24\)/);
  t.match(text, /use_backend be_SORRY__http if \{ nbsrv\(be_SF__STK__http\) eq 0 \}/);
  t.match(text, /mode http/);
  t.match(text, /acl c_IMAGES_1 url_reg "\.\*gif"/);
  t.match(text, /use_backend be_SORRY__http if c_IMAGES_1/);
  t.match(text, /default_backend be_SF__STK__http/);
  t.match(text, /http-request set-header X-Client "%\[src\]"/);
  t.match(text, /tcp-request connection reject if \{ src 10\.9\.9\.9 \}\n\s+tcp-request connection accept if \{ src 10\.1\.0\.0\/16 \} \{ dst_port 80 \}\n\s+tcp-request connection reject\n/);
  t.notMatch(text, /icmp/, 'icmp entries never match a TCP connection');
  // HTTP persistence: a keep-alive connection's requests stay on one server, as on the ACE; mode tcp has no requests.
  const backends = text.split(/\n(?=backend )/).filter((b) => b.startsWith('backend '));
  t.ok(backends.some((b) => /mode http/.test(b)), 'there are mode http backends');
  for (const b of backends) t.equal(/option prefer-last-server/.test(b), /mode http/.test(b), `${b.split('\n')[0]}: prefer-last-server exactly when mode http`);
});

t.test('untranslated constructs are positioned warnings', async (t) => {
  for (const d of out.diagnostics) {
    t.ok(d.line > 0 && d.col > 0, `${d.code} at ${d.line}:${d.col}`);
    t.equal(d.file, 'x.conf');
  }
  t.ok(out.diagnostics.some((d) => d.code === 'EXPORT_APPROXIMATE' && d.line === 4 && /recovery/.test(d.message)), 'passdetect cadence difference is warned on the probe');
});

t.test('the reference TMS config: UDP VIPs warned, one check per farm', async (t) => {
  const ref = compileConfig(readFileSync('examples/tms-ace.conf', 'utf8'), 'tms-ace.conf').model;
  const r = exportHaproxy(ref);
  t.equal(r.frontends.length, 2, 'two TCP VIPs (80, 443)');
  t.equal(r.diagnostics.filter((d) => d.code === 'EXPORT_UNTRANSLATED' && /UDP/.test(d.message)).length, 2);
  t.notMatch(r.text, /my_password/);
  t.match(r.text, /check check-ssl verify none inter 10s downinter 10s fall 3 rise 3/);
  t.notMatch(r.text, /prefer-last-server/, 'mode tcp backends only: no requests to keep on one server');
});

t.test('status ranges as a regex', async (t) => {
  t.equal(statusRangesRegex([{ min: 200, max: 400 }]), '^(2[0-9][0-9]|3[0-9][0-9]|400)$');
  t.equal(statusRangesRegex([{ min: 200, max: 299 }]), '^(2[0-9][0-9])$');
  t.equal(statusRangesRegex([{ min: 0, max: 50 }]), undefined);
  const re = new RegExp(statusRangesRegex([{ min: 201, max: 345 }, { min: 500, max: 500 }])!);
  for (let c = 100; c < 600; c++) t.equal(re.test(String(c)), (c >= 201 && c <= 345) || c === 500, String(c));
});

t.test('masks', async (t) => {
  t.equal(maskBits('255.255.255.0'), 24);
  t.equal(maskBits('255.255.255.255'), 32);
  t.equal(maskBits('0.0.0.0'), 0);
  t.equal(maskBits('255.0.255.0'), undefined);
});

/** An L7 VIP (class IMG, then class-default, to one farm) taking HTTP parameter map HP, written by `params`. */
const paramConf = (params: string[], img = ['2 match http url .*\\.png']) => `access-list ALL line 8 extended permit ip any any
${params.join('\n')}
probe tcp T
rserver host A
  ip address 10.0.0.1
  inservice
serverfarm host SF
  probe T
  rserver A 80
    inservice
class-map type http loadbalance match-any IMG
${img.map((m) => `  ${m}`).join('\n')}
class-map match-all V
  2 match virtual-address 10.0.0.70 tcp eq 80
policy-map type loadbalance http first-match LB
  class IMG
    serverfarm SF
  class class-default
    serverfarm SF
policy-map multi-match VIPS
  class V
    loadbalance vip inservice
    loadbalance policy LB
    appl-parameter http advanced-options HP
interface vlan 100
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

t.test('HTTP persistence rebalance per VIP: strict balances each request, disabled is approximate, kept map lines are listed', async (t) => {
  const conf = (params: string[]) => paramConf(params);
  const strict = exportHaproxy(compileConfig(conf(['parameter-map type http HP', '  persistence-rebalance strict', '  server-conn reuse']), 's.conf').model);
  t.match(strict.text, /backend be_SF__http__strict\n {2}mode http\n {2}balance roundrobin\n(?! {2}option prefer-last-server)/, 'a strict VIP gets a backend that balances each request');
  t.notMatch(strict.text, /prefer-last-server/);
  const kept = strict.diagnostics.filter((d) => /server-conn/.test(d.message));
  t.match(kept, [{ code: 'EXPORT_UNTRANSLATED', line: 4, message: /parameter-map HP: "server-conn reuse" has no HAProxy equivalent/ }], 'the map\'s other lines are listed');
  t.equal(kept.length, 1, 'once');

  const off = exportHaproxy(compileConfig(conf(['parameter-map type http HP', '  no persistence-rebalance']), 'd.conf').model);
  t.match(off.text, /backend be_SF__http\n {2}mode http\n {2}balance roundrobin\n {2}option prefer-last-server\n/);
  t.match(off.diagnostics.find((d) => /persistence-rebalance/.test(d.message)), { code: 'EXPORT_APPROXIMATE', line: 25, col: 42, message: /no persistence-rebalance keeps a keep-alive connection on its first request's real/ }, 'pointed at the appl-parameter line');

  const on = exportHaproxy(compileConfig(conf(['parameter-map type http HP', '  persistence-rebalance']), 'e.conf').model);
  t.match(on.text, /option prefer-last-server/);
  t.notMatch(JSON.stringify(on.diagnostics), /persistence|parameter-map/, 'plain persistence rebalance translates without a warning');
});

t.test('case-insensitive in the VIP\'s HTTP parameter map: the class ACLs match with -i', async (t) => {
  const conf = (params: string[]) => paramConf(params, ['2 match http url .*\\.png', '3 match http header X-Kind header-value "image"', '4 match http cookie Kind cookie-value "img"']);
  const ci = exportHaproxy(compileConfig(conf(['parameter-map type http HP', '  case-insensitive']), 'c.conf').model);
  t.match(ci.text, /acl c_IMG_1 url_reg -i "\.\*/);
  t.match(ci.text, /acl c_IMG_2 req\.hdr\(X-Kind\) -m reg -i "image"/);
  t.match(ci.text, /acl c_IMG_3 req\.cook\(Kind\) -m reg -i "img"/);
  t.match(ci.diagnostics.find((d) => /case-insensitive/.test(d.message)), { code: 'EXPORT_APPROXIMATE', line: 15, message: /cookie's value in any case, but its name \(Kind\) as written/ });
  t.notMatch(JSON.stringify(ci.diagnostics), /no HAProxy equivalent/, 'case-insensitive itself is translated');
  const cs = exportHaproxy(compileConfig(conf(['parameter-map type http HP', '  persistence-rebalance']), 's.conf').model);
  t.notMatch(cs.text, / -i /, 'case-sensitive by default');
});

t.test('the HTTP parse length on an http frontend: reject past it, counted as the ACE counts', async (t) => {
  const rule = (bytes: number) => new RegExp(`http-request set-var\\(txn\\.ace_head_len\\) method,length,add\\(12\\)\\n {2}http-request set-var\\(txn\\.ace_url_len\\) url,length\\n {2}http-request set-var\\(txn\\.ace_head_len\\) var\\(txn\\.ace_head_len\\),add\\(txn\\.ace_url_len\\)\\n {2}http-request reject if \\{ req\\.hdrs,length,add\\(txn\\.ace_head_len\\) gt ${bytes} \\}\\n`);
  const plain = exportHaproxy(compileConfig(paramConf(['parameter-map type http HP', '  persistence-rebalance']), 'p.conf').model);
  t.match(plain.text, rule(2048), 'the default, 2048 bytes');
  t.match(plain.diagnostics.filter((d) => /parse length/.test(d.message)), [{ code: 'EXPORT_APPROXIMATE', line: 25, message: /HAProxy does not see its close or keep-alive tokens/ }], 'the Connection field HAProxy does not count, said once');

  const raised = exportHaproxy(compileConfig(paramConf(['parameter-map type http HP', '  set header-maxparse-length 4096']), 'r.conf').model);
  t.match(raised.text, rule(4096));
  t.notMatch(JSON.stringify(raised.diagnostics), /bufsize/, 'within HAProxy\'s buffer');

  const big = exportHaproxy(compileConfig(paramConf(['parameter-map type http HP', '  set header-maxparse-length 20000']), 'b.conf').model);
  t.match(big.text, rule(20000));
  t.match(big.diagnostics.find((d) => /bufsize/.test(d.message)), { code: 'EXPORT_APPROXIMATE', line: 25, message: /set header-maxparse-length 20000: HAProxy answers 400 to a request whose head exceeds its buffer/ });

  const cont = exportHaproxy(compileConfig(paramConf(['parameter-map type http HP', '  length-exceed continue']), 'c.conf').model);
  t.notMatch(cont.text, /ace_head_len|http-request reject/, 'continue: nothing to reject');
  t.match(cont.diagnostics.find((d) => /length-exceed/.test(d.message)), { code: 'EXPORT_APPROXIMATE', line: 25, message: /length-exceed continue balances a request longer than 2048 bytes on the part the ACE parsed/ });
});

t.test('the parse length only on http frontends, and its note once per export', async (t) => {
  const two = paramConf(['parameter-map type http HP'])
    .replace('class-map match-all V\n', 'class-map match-all L4\n  2 match virtual-address 10.0.0.71 tcp eq 80\nclass-map match-all W\n  2 match virtual-address 10.0.0.72 tcp eq 80\nclass-map match-all V\n')
    .replace('policy-map multi-match VIPS\n', 'policy-map type loadbalance first-match LB4\n  class class-default\n    serverfarm SF\npolicy-map multi-match VIPS\n  class L4\n    loadbalance vip inservice\n    loadbalance policy LB4\n  class W\n    loadbalance vip inservice\n    loadbalance policy LB\n');
  const r = exportHaproxy(compileConfig(two, 't.conf').model);
  const frontends = r.text.split('\n\n').filter((s) => s.startsWith('frontend'));
  t.same(
    frontends.map((f) => [f.split('\n')[0], /mode http/.test(f), /ace_head_len/.test(f)]),
    [
      ['frontend fe_L4', false, false],
      ['frontend fe_W', true, true],
      ['frontend fe_V', true, true],
    ],
    'both http frontends reject past the parse length; the tcp one does not',
  );
  t.equal(r.diagnostics.filter((d) => /Connection field/.test(d.message)).length, 1, 'the Connection-field note once');
});
