// Probe sub-mode keywords (ace-semantics §4.2) with the per-type
// applicability of §4.3: a command the type does not take is a warning
// (the table is medium-confidence), and the value is still kept.
import { Secret } from '../../core/secret.js';
import type { Probe, ProbeType, SnmpOid } from '../model.js';
import { kw, type Keyword, type Mode } from './types.js';

const ALL: readonly ProbeType[] = ['icmp', 'tcp', 'udp', 'echo-tcp', 'echo-udp', 'finger', 'http', 'https', 'dns', 'ftp', 'imap', 'pop', 'radius', 'rtsp', 'scripted', 'sip-tcp', 'sip-udp', 'smtp', 'snmp', 'telnet', 'vm'];
const NOT_VM = ALL.filter((t) => t !== 'vm');
const TCP_BASED: readonly ProbeType[] = ['tcp', 'echo-tcp', 'finger', 'http', 'https', 'ftp', 'smtp', 'telnet', 'imap', 'pop', 'rtsp', 'sip-tcp'];
const HTTPISH: readonly ProbeType[] = ['http', 'https'];
const WITH_PORT = ALL.filter((t) => t !== 'icmp' && t !== 'vm');
const WITH_ADDRESS = ALL.filter((t) => t !== 'scripted' && t !== 'vm');
const REGEX: readonly ProbeType[] = ['tcp', 'udp', 'finger', 'http', 'https', 'telnet', 'imap', 'pop', 'sip-tcp', 'sip-udp'];
const STATUS: readonly ProbeType[] = ['http', 'https', 'ftp', 'smtp', 'rtsp', 'sip-tcp', 'sip-udp'];

function seconds(words: readonly string[], what: string, lo: number, hi: number, types: readonly ProbeType[], set: (p: Probe, ms: number) => void, description: string): Keyword<Probe, number> {
  return kw({
    words,
    syntax: `${words.join(' ')} SECONDS`,
    description,
    probeTypes: types,
    parse: (a) => {
      const n = a.int(what, lo, hi);
      a.end();
      return n * 1000;
    },
    apply: (ms, p) => {
      set(p, ms);
    },
  });
}

function count(words: readonly string[], what: string, types: readonly ProbeType[], set: (p: Probe, n: number) => void, description: string): Keyword<Probe, number> {
  return kw({
    words,
    syntax: `${words.join(' ')} N`,
    description,
    probeTypes: types,
    parse: (a) => {
      const n = a.int(what, 1, 65535);
      a.end();
      return n;
    },
    apply: (n, p) => {
      set(p, n);
    },
  });
}

export const probeMode: Mode = {
  name: 'probe',
  prompt: 'config-probe-TYPE',
  keywords: [
    kw({
      words: ['description'],
      syntax: 'description TEXT',
      description: 'Free text (≤240 characters).',
      probeTypes: ALL,
      parse: (a) => {
        const s = a.rest('description');
        if (s.length > 240) a.fail('ACE_OUT_OF_RANGE', `description is ${s.length} characters; ACE takes at most 240`);
        return s;
      },
      apply: (v: string, p: Probe) => {
        p.description = v;
      },
    }),
    seconds(['interval'], 'interval', 2, 65535, ALL, (p, ms) => (p.intervalMs = ms), 'Seconds between probes while the server passes (default 15).'),
    count(['faildetect'], 'faildetect count', NOT_VM, (p, n) => (p.faildetect = n), 'Consecutive failures that mark the server failed (default 3).'),
    seconds(['passdetect', 'interval'], 'passdetect interval', 2, 65535, NOT_VM, (p, ms) => (p.passdetectIntervalMs = ms), 'Seconds between probes while the server is failed (default 60).'),
    count(['passdetect', 'count'], 'passdetect count', NOT_VM, (p, n) => (p.passdetectCount = n), 'Consecutive successes that mark a failed server passed (default 3).'),
    seconds(['receive'], 'receive timeout', 1, 65535, NOT_VM, (p, ms) => (p.receiveMs = ms), 'Seconds to wait for the reply (default 10).'),
    seconds(['open'], 'open timeout', 1, 65535, TCP_BASED, (p, ms) => (p.openMs = ms), 'Seconds to wait for the TCP connection (default 1).'),
    kw({
      words: ['port'],
      syntax: 'port N',
      description: 'Destination port; without it the port is inherited (farm rserver port, VIP port, type default).',
      probeTypes: WITH_PORT,
      parse: (a) => {
        const n = a.int('port', 1, 65535);
        a.end();
        return n;
      },
      apply: (n: number, p: Probe) => {
        p.port = n;
      },
    }),
    kw({
      words: ['ip', 'address'],
      syntax: 'ip address A.B.C.D [routed]',
      description: 'Probe this address instead of the real server’s.',
      probeTypes: WITH_ADDRESS,
      parse: (a) => {
        const address = a.ip('address');
        const routed = a.opt('routed');
        a.end();
        return { address, routed };
      },
      apply: (v: { address: string; routed: boolean }, p: Probe) => {
        p.ipAddress = v;
      },
    }),
    kw({
      words: ['connection', 'term'],
      syntax: 'connection term forced',
      description: 'Close the probe connection with RST instead of FIN.',
      probeTypes: TCP_BASED,
      parse: (a) => {
        a.oneOf('termination', ['forced'] as const);
        a.end();
      },
      apply: (_v, p: Probe) => {
        p.connectionTermForced = true;
      },
    }),
    kw({
      words: ['expect', 'status'],
      syntax: 'expect status MIN MAX',
      description: 'Accepted status range; repeatable (ranges are OR-ed).',
      probeTypes: STATUS,
      parse: (a) => {
        const min = a.int('minimum status', 0, 999);
        const max = a.int('maximum status', 0, 999);
        if (max < min) a.fail('ACE_CONFLICT', `expect status range ${min}–${max} runs backwards`);
        a.end();
        return { min, max };
      },
      apply: (v: { min: number; max: number }, p: Probe) => {
        if (!p.expectStatus.some((r) => r.min === v.min && r.max === v.max)) p.expectStatus.push(v);
      },
    }),
    kw({
      words: ['expect', 'regex'],
      syntax: 'expect regex "STRING" [offset N]',
      description: 'The reply must contain a match of the regex (from offset).',
      probeTypes: REGEX,
      parse: (a) => {
        const parts: string[] = [];
        let offset: number | undefined;
        while (a.remaining > 0) {
          if (a.peekLower() === 'offset' && a.remaining === 2) {
            a.word('offset');
            offset = a.int('offset', 1, 4000);
          } else parts.push(a.word('regex'));
        }
        if (parts.length === 0) a.fail('ACE_MISSING_ARGUMENT', 'missing regex');
        const regex = parts.join(' ');
        try {
          new RegExp(regex);
        } catch {
          a.fail('ACE_INVALID_ARGUMENT', `"${regex}" is not a valid regular expression`);
        }
        return offset === undefined ? { regex } : { regex, offset };
      },
      apply: (v: { regex: string; offset?: number }, p: Probe) => {
        p.expectRegex = v;
      },
    }),
    kw({
      words: ['expect', 'address'],
      syntax: 'expect address A.B.C.D',
      description: 'An address the DNS answer must contain; repeatable.',
      probeTypes: ['dns'],
      parse: (a) => {
        const ip = a.ip('address');
        a.end();
        return ip;
      },
      apply: (v: string, p: Probe) => {
        p.expectAddresses.push(v);
      },
    }),
    kw({
      words: ['send-data'],
      syntax: 'send-data TEXT',
      description: 'Payload sent by tcp/udp/echo/finger probes.',
      probeTypes: ['tcp', 'udp', 'echo-tcp', 'echo-udp', 'finger'],
      parse: (a) => a.rest('data'),
      apply: (v: string, p: Probe) => {
        p.sendData = v;
      },
    }),
    kw({
      words: ['request', 'method'],
      syntax: 'request method {get|head} [url PATH]',
      description: 'HTTP method and URL (default GET /).',
      probeTypes: ['http', 'https', 'rtsp'],
      parse: (a) => {
        const method = a.oneOf('method', ['get', 'head', 'options', 'describe'] as const);
        let url = '/';
        if (a.opt('url')) url = a.word('url');
        a.end();
        return { method, url };
      },
      apply: (v: { method: string; url: string }, p: Probe) => {
        p.request = v;
      },
    }),
    kw({
      words: ['request', 'command'],
      syntax: 'request command COMMAND',
      description: 'Command sent by imap/pop/ftp probes.',
      probeTypes: ['imap', 'pop', 'ftp'],
      parse: (a) => a.rest('command'),
      apply: (v: string, p: Probe) => {
        p.requestCommand = v;
      },
    }),
    kw({
      words: ['header'],
      syntax: 'header NAME header-value "VALUE"',
      description: 'A request header; repeatable.',
      probeTypes: ['http', 'https', 'rtsp'],
      parse: (a) => {
        const name = a.word('header name');
        a.oneOf('keyword', ['header-value'] as const);
        const value = a.rest('header value');
        return { name, value };
      },
      apply: (v: { name: string; value: string }, p: Probe) => {
        p.headers = p.headers.filter((h) => h.name.toLowerCase() !== v.name.toLowerCase());
        p.headers.push(v);
      },
    }),
    kw({
      words: ['credentials'],
      syntax: 'credentials USER [PASSWORD] | credentials mailbox NAME | credentials USER PASSWORD secret SHARED',
      description: 'HTTP basic (or mail/RADIUS) credentials; the password is a secret and never printed.',
      probeTypes: ['http', 'https', 'ftp', 'imap', 'pop', 'radius'],
      parse: (a) => {
        if (a.peekLower() === 'mailbox' && a.remaining === 2) {
          a.word('mailbox');
          return { mailbox: a.word('mailbox name') };
        }
        const username = a.word('user name');
        if (username.length > 64) a.fail('ACE_OUT_OF_RANGE', 'user name is longer than 64 characters');
        let password: Secret | undefined;
        let secret: Secret | undefined;
        if (a.remaining > 0 && a.peekLower() !== 'secret') {
          const pw = a.word('password');
          if (pw.length > 64) a.fail('ACE_OUT_OF_RANGE', 'password is longer than 64 characters');
          password = new Secret(pw);
        }
        if (a.opt('secret')) secret = new Secret(a.word('shared secret'));
        a.end();
        return { username, password, secret };
      },
      apply: (v: { mailbox?: string; username?: string; password?: Secret; secret?: Secret }, p: Probe) => {
        if (v.mailbox !== undefined) {
          p.mailbox = v.mailbox;
          return;
        }
        p.credentials = v.password ? { username: v.username!, password: v.password } : { username: v.username! };
        if (v.secret) p.radiusSecret = v.secret;
      },
    }),
    kw({
      words: ['hash'],
      syntax: 'hash [MD5-HEX]',
      description: 'Compare the MD5 of the reply body; without a value the first reply’s hash is learned.',
      probeTypes: HTTPISH,
      parse: (a) => {
        let md5: string | undefined;
        if (a.remaining > 0) {
          md5 = a.word('MD5 hash');
          if (!/^[0-9a-fA-F]{32}$/.test(md5)) a.fail('ACE_INVALID_ARGUMENT', `"${md5}" is not a 32-digit hex MD5 hash`);
        }
        a.end();
        return md5;
      },
      apply: (md5: string | undefined, p: Probe) => {
        p.hash = md5 === undefined ? {} : { md5: md5.toLowerCase() };
      },
    }),
    kw({
      words: ['append-port-hosttag'],
      syntax: 'append-port-hosttag',
      description: 'Add :PORT to the Host header.',
      probeTypes: HTTPISH,
      parse: (a) => a.end(),
      apply: (_v, p: Probe) => {
        p.appendPortHosttag = true;
      },
    }),
    kw({
      words: ['ssl', 'version'],
      syntax: 'ssl version {all|sslv3|tlsv1|tlsv1_1|tlsv1_2}',
      description: 'TLS versions offered (default all).',
      probeTypes: ['https'],
      parse: (a) => {
        const v = a.oneOf('SSL version', ['all', 'sslv3', 'tlsv1', 'tlsv1_1', 'tlsv1_2'] as const);
        a.end();
        return v;
      },
      apply: (v: string, p: Probe) => {
        p.sslVersion = v;
      },
    }),
    kw({
      words: ['ssl', 'cipher'],
      syntax: 'ssl cipher CIPHER',
      description: 'Cipher suite offered (default RSA_ANY).',
      probeTypes: ['https'],
      parse: (a) => {
        const v = a.word('cipher');
        a.end();
        return v;
      },
      apply: (v: string, p: Probe) => {
        p.sslCipher = v;
      },
    }),
    kw({
      words: ['domain'],
      syntax: 'domain NAME',
      description: 'The name a DNS probe resolves.',
      probeTypes: ['dns'],
      parse: (a) => {
        const v = a.word('domain');
        a.end();
        return v;
      },
      apply: (v: string, p: Probe) => {
        p.domain = v;
      },
    }),
    kw({
      words: ['community'],
      syntax: 'community STRING',
      description: 'SNMP community (secret; never printed).',
      probeTypes: ['snmp'],
      parse: (a) => {
        const v = new Secret(a.word('community'));
        a.end();
        return v;
      },
      apply: (v: Secret, p: Probe) => {
        p.community = v;
      },
    }),
    kw({
      words: ['version'],
      syntax: 'version {1|2c}',
      description: 'SNMP version of an SNMP probe.',
      probeTypes: ['snmp'],
      parse: (a) => {
        const v = a.oneOf('SNMP version', ['1', '2c'] as const);
        a.end();
        return v;
      },
      apply: (v: '1' | '2c', p: Probe) => {
        p.snmpVersion = v;
      },
    }),
    kw({
      words: ['oid'],
      syntax: 'oid OID',
      description: 'An SNMP OID to read; opens a sub-mode (threshold, type absolute max, weight).',
      probeTypes: ['snmp'],
      parse: (a) => {
        const v = a.word('OID');
        if (!/^\.?\d+(\.\d+)*$/.test(v)) a.fail('ACE_INVALID_ARGUMENT', `"${v}" is not a numeric OID`);
        a.end();
        return v.replace(/^\./, '');
      },
      apply: (oid: string, p: Probe) => {
        let o = p.oids.find((x) => x.oid === oid);
        if (!o) p.oids.push((o = { oid }));
        return { mode: 'probe-oid', target: o };
      },
    }),
    kw({
      words: ['nas', 'ip', 'address'],
      syntax: 'nas ip address A.B.C.D',
      description: 'NAS address of a RADIUS probe.',
      probeTypes: ['radius'],
      parse: (a) => {
        const v = a.ip('address');
        a.end();
        return v;
      },
      apply: (v: string, p: Probe) => {
        p.nasIpAddress = v;
      },
    }),
    kw({
      words: ['script'],
      syntax: 'script NAME [ARGS…]',
      description: 'The TCL script of a scripted probe (not run by acesim).',
      probeTypes: ['scripted'],
      parse: (a) => {
        const name = a.word('script name');
        const args: string[] = [];
        while (a.remaining > 0) args.push(a.word('argument'));
        return { name, args };
      },
      apply: (v: { name: string; args: string[] }, p: Probe) => {
        p.script = v;
      },
    }),
    kw({
      words: ['rport', 'enable'],
      syntax: 'rport enable',
      description: 'SIP rport (RFC 3581) for SIP UDP probes.',
      probeTypes: ['sip-udp'],
      parse: (a) => a.end(),
      apply: (_v, p: Probe) => {
        p.rportEnable = true;
      },
    }),
  ],
};

export const probeOidMode: Mode = {
  name: 'probe-oid',
  prompt: 'config-probe-snmp-oid',
  keywords: [
    kw({
      words: ['threshold'],
      syntax: 'threshold N',
      description: 'Load threshold for this OID.',
      parse: (a) => {
        const n = a.int('threshold', 0, 4294967295);
        a.end();
        return n;
      },
      apply: (n: number, o: SnmpOid) => {
        o.threshold = n;
      },
    }),
    kw({
      words: ['type', 'absolute', 'max'],
      syntax: 'type absolute max N',
      description: 'The OID value is absolute with this maximum.',
      parse: (a) => {
        const n = a.int('maximum', 1, 4294967295);
        a.end();
        return n;
      },
      apply: (n: number, o: SnmpOid) => {
        o.typeAbsoluteMax = n;
      },
    }),
    kw({
      words: ['weight'],
      syntax: 'weight N',
      description: 'Weight of this OID in the load figure.',
      parse: (a) => {
        const n = a.int('weight', 0, 16000);
        a.end();
        return n;
      },
      apply: (n: number, o: SnmpOid) => {
        o.weight = n;
      },
    }),
  ],
};
