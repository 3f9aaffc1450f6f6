// Server-load-balancing sub-modes: rserver, serverfarm, the farm's rserver
// members, the predictor sub-mode, and sticky groups (ace-semantics §2, §3, §5).
import type { Args } from '../args.js';
import type { AdminState, ConnLimit, FarmMember, InbandHealth, Predictor, RateLimit, Rserver, Serverfarm, StickyGroup, StickyStatic, SourcePos, Ref } from '../model.js';
import { descriptionKeyword, ref } from './common.js';
import { kw, type ApplyCx, type Keyword, type Mode } from './types.js';


function adminKeywords<T extends { admin: AdminState }>(): Keyword<T, unknown>[] {
  return [
    kw({
      words: ['inservice'],
      syntax: 'inservice [standby]',
      description: 'In service; `standby` = used only as a backup or for existing sticky clients.',
      parse: (a) => {
        const standby = a.opt('standby');
        a.end();
        return standby;
      },
      apply: (standby: boolean, t) => {
        t.admin = standby ? 'standby' : 'inservice';
      },
    }),
    kw({
      words: ['no', 'inservice'],
      syntax: 'no inservice',
      description: 'Out of service.',
      parse: (a) => a.end(),
      apply: (_v, t) => {
        t.admin = 'outofservice';
      },
    }),
  ];
}

function weight<T extends { weight?: number }>(): Keyword<T, number> {
  return kw({
    words: ['weight'],
    syntax: 'weight 0-100',
    description: 'Relative share of new connections (default 8; 0 = none).',
    parse: (a) => {
      const n = a.int('weight', 0, 100);
      a.end();
      return n;
    },
    apply: (n, t) => {
      t.weight = n;
    },
  });
}

function connLimit<T extends { connLimit?: ConnLimit }>(): Keyword<T, ConnLimit> {
  return kw({
    words: ['conn-limit'],
    syntax: 'conn-limit max N min M',
    description: 'Stop new connections at max current connections; resume below min.',
    parse: (a) => {
      a.oneOf('keyword', ['max'] as const);
      const max = a.int('max connections', 2, 4_000_000);
      a.oneOf('keyword', ['min'] as const);
      const min = a.int('min connections', 2, 4_000_000);
      if (min > max) a.fail('ACE_CONFLICT', `conn-limit min ${min} is above max ${max}`);
      a.end();
      return { max, min };
    },
    apply: (v, t) => {
      t.connLimit = v;
    },
  });
}

function rateLimit<T extends { rateLimit: RateLimit }>(): Keyword<T, { kind: 'connection' | 'bandwidth'; n: number }> {
  return kw({
    words: ['rate-limit'],
    syntax: 'rate-limit {connection N | bandwidth N}',
    description: 'New connections per second or bytes per second (kept; not enforced yet).',
    simulated: false,
    parse: (a) => {
      const kind = a.oneOf('limit type', ['connection', 'bandwidth'] as const);
      const n = a.int('limit', 1, 4_294_967_295);
      a.end();
      return { kind, n };
    },
    apply: (v, t) => {
      t.rateLimit[v.kind] = v.n;
    },
  });
}

function probeRef<T extends { probes: Ref[] }>(): Keyword<T, Ref> {
  return kw({
    words: ['probe'],
    syntax: 'probe NAME',
    description: 'Attach a health probe; repeatable (all must pass unless fail-on-all).',
    parse: (a, cx) => {
      const r = ref(a, cx, 'probe name');
      a.end();
      return r;
    },
    apply: (r, t, cx) => {
      if (t.probes.some((p) => p.name === r.name)) cx.report('ACE_DUPLICATE_NAME', `probe ${r.name} is attached twice`, r.pos.col, r.name.length);
      else t.probes.push(r);
    },
  });
}

function failOnAll<T extends { failOnAll: boolean }>(): Keyword<T, void> {
  return kw({
    words: ['fail-on-all'],
    syntax: 'fail-on-all',
    description: 'The real fails only when all its probes fail (OR instead of AND).',
    parse: (a) => a.end(),
    apply: (_v, t) => {
      t.failOnAll = true;
    },
  });
}

export const rserverMode: Mode = {
  name: 'rserver',
  prompt: 'config-rserver-host',
  keywords: [
    descriptionKeyword<Rserver>(),
    kw({
      words: ['ip', 'address'],
      syntax: 'ip address A.B.C.D',
      description: 'The real server’s address.',
      parse: (a) => {
        const ip = a.ip('address');
        a.end();
        return ip;
      },
      apply: (v: string, r: Rserver) => {
        r.ipAddress = v;
      },
    }),
    weight<Rserver>(),
    connLimit<Rserver>(),
    rateLimit<Rserver>(),
    probeRef<Rserver>(),
    failOnAll<Rserver>(),
    ...adminKeywords<Rserver>(),
    kw({
      words: ['webhost-redirection'],
      syntax: 'webhost-redirection URL [301|302]',
      description: 'Redirect rservers: the relocation string (kept; redirect rservers are not simulated).',
      simulated: false,
      parse: (a) => {
        const url = a.word('URL');
        let code: 301 | 302 = 302;
        if (a.remaining > 0) code = Number(a.oneOf('code', ['301', '302'] as const)) as 301 | 302;
        a.end();
        return { url, code };
      },
      apply: (v: { url: string; code: 301 | 302 }, r: Rserver) => {
        r.webhostRedirection = v;
      },
    }),
  ],
};

function parsePredictor(a: Args): Predictor {
  const k = a.word('predictor').toLowerCase();
  if (k === 'roundrobin') {
    a.end();
    return { kind: 'roundrobin' };
  }
  if (k === 'leastconns') {
    if (a.opt('slowstart')) {
      const s = a.int('slowstart duration', 1, 65535);
      a.end();
      return { kind: 'leastconns', slowstartS: s };
    }
    a.end();
    return { kind: 'leastconns' };
  }
  if (k === 'hash' && a.peekLower() === 'address') {
    a.word('address');
    let which: 'source' | 'destination' | 'both' = 'both';
    if (a.peekLower() === 'source' || a.peekLower() === 'destination') which = a.word('direction').toLowerCase() as 'source' | 'destination';
    let netmask = '255.255.255.255';
    if (a.remaining > 0) netmask = a.mask('netmask');
    a.end();
    return { kind: 'hash-address', which, netmask };
  }
  const known = ['hash', 'least-bandwidth', 'least-loaded', 'response'];
  if (!known.includes(k)) a.fail('ACE_INVALID_ARGUMENT', `unknown predictor "${k}"; ACE has roundrobin, leastconns, hash …, least-bandwidth, least-loaded, response`);
  const rest = a.restOrEmpty();
  return { kind: 'unsimulated', text: rest ? `${k} ${rest}` : k };
}

function parseInband(a: Args): InbandHealth {
  a.oneOf('keyword', ['check'] as const);
  const mode = a.oneOf('inband mode', ['count', 'log', 'remove'] as const);
  const h: InbandHealth = { mode };
  if (mode !== 'count') {
    h.threshold = a.int('failure threshold', 1, 4_294_967_295);
    while (a.remaining > 0) {
      const o = a.oneOf('option', ['reset', 'resume-service'] as const);
      if (o === 'reset') h.resetMs = a.int('reset (ms)', 100, 300_000);
      else {
        if (mode !== 'remove') a.fail('ACE_INVALID_ARGUMENT', 'resume-service applies to `remove` only');
        h.resumeServiceS = a.int('resume-service (s)', 30, 3600);
      }
    }
  }
  a.end();
  return h;
}

export const serverfarmMode: Mode = {
  name: 'serverfarm',
  prompt: 'config-sfarm-host',
  keywords: [
    descriptionKeyword<Serverfarm>(),
    kw({
      words: ['predictor'],
      syntax: 'predictor {roundrobin | leastconns [slowstart S] | hash address [source|destination] [MASK] | hash url|cookie|header|content … | least-bandwidth … | least-loaded probe P | response …}',
      description: 'How the farm picks a real for a new connection (default roundrobin).',
      parse: (a) => parsePredictor(a),
      apply: (p: Predictor, f: Serverfarm, cx) => {
        f.predictor = p;
        if (p.kind === 'unsimulated') cx.report('ACE_UNSIMULATED', `predictor ${p.text.split(' ')[0]} is kept but not simulated; acesim balances this farm round robin`, cx.pos.col, 9);
        return { mode: 'farm-predictor', target: f };
      },
    }),
    probeRef<Serverfarm>(),
    failOnAll<Serverfarm>(),
    kw({
      words: ['failaction'],
      syntax: 'failaction {purge | reassign [across-interface]}',
      description: 'What happens to existing connections of a real that fails.',
      parse: (a) => {
        const k = a.oneOf('failaction', ['purge', 'reassign'] as const);
        const across = k === 'reassign' && a.opt('across-interface');
        a.end();
        return k === 'purge' ? 'purge' : across ? 'reassign-across-interface' : 'reassign';
      },
      apply: (v: 'purge' | 'reassign' | 'reassign-across-interface', f: Serverfarm) => {
        f.failaction = v;
      },
    }),
    kw({
      words: ['inband-health'],
      syntax: 'inband-health check {count | log N [reset MS] | remove N [reset MS] [resume-service S]}',
      description: 'Count live-traffic failures (RST, SYN timeout) and optionally remove the real.',
      parse: (a) => parseInband(a),
      apply: (v: InbandHealth, f: Serverfarm) => {
        f.inbandHealth = v;
      },
    }),
    kw({
      words: ['partial-threshold'],
      syntax: 'partial-threshold PCT back-inservice PCT',
      description: 'Declare the farm down below PCT operational reals; up again at back-inservice.',
      parse: (a) => {
        const thresholdPct = a.int('threshold percent', 0, 99);
        a.oneOf('keyword', ['back-inservice'] as const);
        const backInservicePct = a.int('back-inservice percent', 0, 99);
        if (backInservicePct < thresholdPct) a.fail('ACE_CONFLICT', `back-inservice ${backInservicePct} is below the threshold ${thresholdPct}`);
        a.end();
        return { thresholdPct, backInservicePct };
      },
      apply: (v: { thresholdPct: number; backInservicePct: number }, f: Serverfarm) => {
        f.partialThreshold = v;
      },
    }),
    kw({
      words: ['retcode'],
      syntax: 'retcode MIN MAX check {count | log N reset S | remove N reset S [resume-service S]}',
      description: 'HTTP return-code checking (kept; needs L7 balancing, not simulated yet).',
      simulated: false,
      parse: (a) => {
        const min = a.int('minimum code', 100, 599);
        const max = a.int('maximum code', 100, 599);
        if (max < min) a.fail('ACE_CONFLICT', `retcode range ${min}–${max} runs backwards`);
        a.oneOf('keyword', ['check'] as const);
        const mode = a.oneOf('mode', ['count', 'log', 'remove'] as const);
        const m: import('../model.js').RetcodeMap = { min, max, mode };
        if (mode !== 'count') {
          m.threshold = a.int('threshold', 1, 4_294_967_295);
          a.oneOf('keyword', ['reset'] as const);
          m.resetS = a.int('reset', 1, 4_294_967_295);
          if (mode === 'remove' && a.opt('resume-service')) m.resumeServiceS = a.int('resume-service', 30, 3600);
        }
        a.end();
        return m;
      },
      apply: (v: import('../model.js').RetcodeMap, f: Serverfarm) => {
        f.retcodeMaps.push(v);
      },
    }),
    kw({
      words: ['transparent'],
      syntax: 'transparent',
      description: 'No destination NAT to the real’s address (firewall and cache farms).',
      parse: (a) => a.end(),
      apply: (_v, f: Serverfarm) => {
        f.transparent = true;
      },
    }),
    kw({
      words: ['dws'],
      syntax: 'dws {local | burst}',
      description: 'Dynamic workload scaling (kept; not simulated).',
      simulated: false,
      parse: (a) => a.rest('dws mode'),
      apply: (_v, f: Serverfarm, cx) => {
        (f.unsimulatedLines ??= []).push(cx.text);
      },
    }),
    kw({
      words: ['rserver'],
      syntax: 'rserver NAME [PORT]',
      description: 'A member of the farm (opens its sub-mode: inservice, weight, backup-rserver, probe, …).',
      parse: (a, cx) => {
        const r = ref(a, cx, 'rserver name');
        let port: number | undefined;
        if (a.remaining > 0) port = a.int('port', 1, 65535);
        a.end();
        return { r, port };
      },
      apply: (v: { r: Ref; port?: number }, f: Serverfarm, cx) => {
        let m = f.members.find((x) => x.rserver.name === v.r.name && x.port === v.port);
        if (m) duplicate(cx, `rserver ${v.r.name}${v.port ? ' ' + v.port : ''} in serverfarm ${f.name}`, m.pos);
        else {
          m = { rserver: v.r, pos: cx.pos, rateLimit: {}, probes: [], failOnAll: false, admin: 'outofservice' } satisfies FarmMember;
          if (v.port !== undefined) m.port = v.port;
          f.members.push(m);
        }
        return { mode: 'farm-rserver', target: m };
      },
    }),
  ],
};

function duplicate(cx: ApplyCx, what: string, first: SourcePos): void {
  cx.report('ACE_DUPLICATE_NAME', `${what} is already listed at line ${first.line}; merged`, cx.pos.col, 7);
}

export const farmPredictorMode: Mode = {
  name: 'farm-predictor',
  prompt: 'config-sfarm-host-predictor',
  keywords: [
    kw({
      words: ['autoadjust'],
      syntax: 'autoadjust {maxload | average | off}',
      description: 'least-loaded predictor tuning (kept; not simulated).',
      simulated: false,
      parse: (a) => a.rest('mode'),
      apply: (_v, f: Serverfarm, cx) => {
        (f.unsimulatedLines ??= []).push(cx.text);
      },
    }),
    kw({
      words: ['weight', 'connection'],
      syntax: 'weight connection',
      description: 'least-loaded predictor tuning (kept; not simulated).',
      simulated: false,
      parse: (a) => a.end(),
      apply: (_v, f: Serverfarm, cx) => {
        (f.unsimulatedLines ??= []).push(cx.text);
      },
    }),
  ],
};

export const farmRserverMode: Mode = {
  name: 'farm-rserver',
  prompt: 'config-sfarm-host-rs',
  keywords: [
    descriptionKeyword<FarmMember>(),
    weight<FarmMember>(),
    connLimit<FarmMember>(),
    rateLimit<FarmMember>(),
    probeRef<FarmMember>(),
    failOnAll<FarmMember>(),
    ...adminKeywords<FarmMember>(),
    kw({
      words: ['backup-rserver'],
      syntax: 'backup-rserver NAME [PORT]',
      description: 'Takes this member’s traffic while it is unusable (usually an `inservice standby` member).',
      parse: (a, cx) => {
        const r = ref(a, cx, 'rserver name');
        let port: number | undefined;
        if (a.remaining > 0) port = a.int('port', 1, 65535);
        a.end();
        return port === undefined ? { rserver: r } : { rserver: r, port };
      },
      apply: (v: { rserver: Ref; port?: number }, m: FarmMember) => {
        m.backup = v;
      },
    }),
    kw({
      words: ['cookie-string'],
      syntax: 'cookie-string STRING',
      description: 'Value used by cookie insert / hash (kept; not simulated).',
      simulated: false,
      parse: (a) => a.rest('cookie string'),
      apply: (v: string, m: FarmMember) => {
        m.cookieString = v;
      },
    }),
  ],
};

export const stickyMode: Mode = {
  name: 'sticky',
  prompt: 'config-sticky-ip',
  keywords: [
    kw({
      words: ['timeout'],
      syntax: 'timeout MINUTES | timeout activeconns',
      description: 'Idle minutes an entry lives after its last connection ends (default 1440); `activeconns` lets it expire under open connections.',
      parse: (a) => {
        if (a.opt('activeconns')) {
          a.end();
          return 'activeconns' as const;
        }
        const n = a.int('timeout (minutes)', 1, 65535);
        a.end();
        return n;
      },
      apply: (v: number | 'activeconns', g: StickyGroup) => {
        if (v === 'activeconns') g.timeoutActiveconns = true;
        else g.timeoutMs = v * 60_000;
      },
    }),
    kw({
      words: ['replicate', 'sticky'],
      syntax: 'replicate sticky',
      description: 'Replicate this group’s entries to the FT standby.',
      parse: (a) => a.end(),
      apply: (_v, g: StickyGroup) => {
        g.replicate = true;
      },
    }),
    kw({
      words: ['serverfarm'],
      syntax: 'serverfarm NAME [backup NAME [sticky] [aggregate-state]]',
      description: 'The farm new (unstuck) clients are balanced to, and an optional backup farm.',
      parse: (a, cx) => {
        const primary = ref(a, cx, 'serverfarm name');
        let backup: Ref | undefined;
        let backupSticky = false;
        let aggregateState = false;
        if (a.opt('backup')) {
          backup = ref(a, cx, 'backup serverfarm name');
          while (a.remaining > 0) {
            const o = a.oneOf('option', ['sticky', 'aggregate-state'] as const);
            if (o === 'sticky') backupSticky = true;
            else aggregateState = true;
          }
        }
        a.end();
        return { primary, backup, backupSticky, aggregateState };
      },
      apply: (v: { primary: Ref; backup?: Ref; backupSticky: boolean; aggregateState: boolean }, g: StickyGroup) => {
        const sf: NonNullable<StickyGroup['serverfarm']> = { primary: v.primary, backupSticky: v.backupSticky, aggregateState: v.aggregateState };
        if (v.backup) sf.backup = v.backup;
        g.serverfarm = sf;
      },
    }),
    kw({
      words: ['static'],
      syntax: 'static client source IP [destination IP] rserver NAME [PORT] | static {cookie-value|header-value|…} "V" rserver NAME [PORT]',
      description: 'A permanent sticky entry.',
      parse: (a, cx) => {
        const s: Partial<StickyStatic> = { pos: cx.pos };
        if (a.opt('client')) {
          const dir = a.oneOf('direction', ['source', 'destination'] as const);
          const ip = a.ip('client address');
          if (dir === 'source') s.clientSource = ip;
          else s.destination = ip;
          if (dir === 'source' && a.opt('destination')) s.destination = a.ip('destination address');
        } else {
          a.word('static kind');
          s.value = a.word('value');
        }
        a.oneOf('keyword', ['rserver'] as const);
        s.rserver = ref(a, cx, 'rserver name');
        if (a.remaining > 0) s.port = a.int('port', 1, 65535);
        a.end();
        return s as StickyStatic;
      },
      apply: (v: StickyStatic, g: StickyGroup) => {
        g.statics.push(v);
      },
    }),
    ...(['cookie', 'header', 'content', 'layer4-payload', 'response'] as const).map((w) =>
      kw({
        words: [w],
        syntax: `${w} …`,
        description: 'Key extraction of non-IP sticky groups (kept; not simulated).',
        simulated: false,
        parse: (a) => a.restOrEmpty(),
        apply: (_v, g: StickyGroup, cx) => {
          g.extraLines.push(cx.text);
        },
      }),
    ),
  ],
};
