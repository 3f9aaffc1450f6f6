// Lab test helpers: a small, fast config (two rservers on their own loopback
// addresses behind one HTTP VIP, probe every 2 s, 2 failures to fail, 2 s
// passdetect; optionally an HTTPS VIP at 443 + offset with an https probe, so
// the no-openssl path has something to leave out) and the CliIo the CLI tests use.
import { readFile } from 'node:fs/promises';
import type { CliIo } from '../../../src/cli/io.js';

export const OFFSET = 28000;

/** A probe every 2 s, failed after 2 misses, passed after 2 s passdetect; open and receive 1 s. */
const probe = (type: 'http' | 'https', name: string, port: number): string => `probe ${type} ${name}
  port ${port}
  interval 2
  faildetect 2
  passdetect interval 2
  open 1
  receive 1
  request method get url /tms
  expect status 200 499
`;

export function smallConfig(o: { vip: string; a: string; b: string; port: number; https?: boolean }): string {
  const https = o.https
    ? `${probe('https', 'HTTPS-PROBE', 443)}serverfarm host SF443
  probe HTTPS-PROBE
  rserver A
    inservice
  rserver B
    inservice
class-map match-all VIP443
  match virtual-address ${o.vip} tcp eq 443
policy-map type loadbalance first-match LB443
  class class-default
    serverfarm SF443
`
    : '';
  return `access-list ALL line 8 extended permit ip any any
${probe('http', 'HTTP-PROBE', o.port)}rserver host A
  ip address ${o.a}
  inservice
rserver host B
  ip address ${o.b}
  inservice
serverfarm host SF
  probe HTTP-PROBE
  rserver A ${o.port}
    inservice
  rserver B ${o.port}
    inservice
${https}class-map match-all VIP
  match virtual-address ${o.vip} tcp eq ${o.port}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm SF
policy-map multi-match POL
  class VIP
    loadbalance vip inservice
    loadbalance policy LB
${o.https ? '  class VIP443\n    loadbalance vip inservice\n    loadbalance policy LB443\n' : ''}interface vlan 10
  ip address 127.0.0.1 255.0.0.0
  access-group input ALL
  service-policy input POL
  no shutdown
`;
}

/** A CliIo collecting output, reading the given in-memory files before the disk. */
export function labIo(files: Record<string, string> = {}): CliIo & { outText: string; errText: string } {
  const o = {
    outText: '',
    errText: '',
    out: (s: string) => void (o.outText += s + '\n'),
    err: (s: string) => void (o.errText += s + '\n'),
    readFile: async (p: string) => (p in files ? files[p]! : readFile(p, 'utf8')),
  };
  return o;
}
