// Compiles class-maps into matcher closures once, at build time, so the
// per-flow policy walk does no regex compilation or name lookups. Matches
// acesim does not simulate (access-list, protocol, unsimulated) never match.
// Invariant: matchers are pure functions of the flow and request.
import type { ClassMap, ClassMatch, PortSpec, VipProtocol } from '../config/model.js';
import { parseMask } from '../sticky/ip.js';
import { parseIpv4 } from '../core/ipv4.js';
import type { Flow, HttpRequestInfo } from './types.js';

export type Matcher = (flow: Flow, src: number, dst: number, req: HttpRequestInfo | undefined) => boolean;

const NEVER: Matcher = () => false;

export function portMatches(spec: PortSpec, port: number): boolean {
  switch (spec.kind) {
    case 'any':
      return true;
    case 'eq':
      return spec.port === 0 || spec.port === port; // `eq 0` means any [U-M]
    case 'neq':
      return port !== spec.port;
    case 'lt':
      return port < spec.port;
    case 'gt':
      return port > spec.port;
    case 'range':
      return port >= spec.from && port <= spec.to;
  }
}

function protocolMatches(p: VipProtocol, flow: Flow): boolean {
  if (p === 'any') return true;
  if (p === 'tcp') return flow.protocol === 'tcp' || flow.protocol === 6;
  if (p === 'udp') return flow.protocol === 'udp' || flow.protocol === 17;
  return flow.protocol === p || (p === 6 && flow.protocol === 'tcp') || (p === 17 && flow.protocol === 'udp');
}

/** ACE regexes are matched against the whole field (e.g. `.*gif`); an invalid one never matches. */
function fullRegex(src: string, flags = ''): RegExp | undefined {
  try {
    return new RegExp(`^(?:${src})$`, flags);
  } catch {
    return undefined;
  }
}

function header(req: HttpRequestInfo, name: string): string | undefined {
  const h = req.headers;
  if (!h) return undefined;
  const want = name.toLowerCase();
  for (const k of Object.keys(h)) if (k.toLowerCase() === want) return h[k];
  return undefined;
}

function cookie(req: HttpRequestInfo, name: string, anyCase: boolean): string | undefined {
  const c = header(req, 'cookie');
  if (!c) return undefined;
  const want = anyCase ? name.toLowerCase() : name;
  for (const part of c.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if ((anyCase ? k.toLowerCase() : k) === want) return part.slice(i + 1).trim();
  }
  return undefined;
}

export interface MatchOptions {
  /** The VIP's HTTP parameter map says `case-insensitive`: URLs, header values and cookie names and values match in any case. */
  caseInsensitive?: boolean;
}

function compileMatch(m: ClassMatch, classMaps: ReadonlyMap<string, ClassMap>, opts: MatchOptions, depth: number): Matcher {
  const flags = opts.caseInsensitive ? 'i' : '';
  switch (m.kind) {
    case 'any':
      return () => true;
    case 'virtual-address': {
      const mask = parseMask(m.mask);
      const addr = (parseIpv4(m.address) & mask) >>> 0;
      return (flow, _src, dst) => ((dst & mask) >>> 0) === addr && protocolMatches(m.protocol, flow) && portMatches(m.ports, flow.vipPort);
    }
    case 'source-address': {
      const mask = parseMask(m.mask);
      const addr = (parseIpv4(m.address) & mask) >>> 0;
      return (_f, src) => ((src & mask) >>> 0) === addr;
    }
    case 'destination-address': {
      const mask = parseMask(m.mask);
      const addr = (parseIpv4(m.address) & mask) >>> 0;
      return (_f, _s, dst) => ((dst & mask) >>> 0) === addr;
    }
    case 'port':
      return (flow) => protocolMatches(m.protocol, flow) && portMatches(m.ports, flow.vipPort);
    case 'http-url': {
      const re = fullRegex(m.regex, flags);
      if (!re) return NEVER;
      const method = m.method?.toUpperCase();
      return (_f, _s, _d, req) => req !== undefined && re.test(req.url) && (method === undefined || (req.method ?? 'GET').toUpperCase() === method);
    }
    case 'http-header': {
      const re = fullRegex(m.value, flags);
      if (!re) return NEVER;
      return (_f, _s, _d, req) => {
        const v = req && header(req, m.name);
        return v !== undefined && re.test(v);
      };
    }
    case 'http-cookie': {
      const re = fullRegex(m.value, flags);
      if (!re) return NEVER;
      const anyCase = opts.caseInsensitive === true;
      return (_f, _s, _d, req) => {
        const v = req && cookie(req, m.name, anyCase);
        return v !== undefined && re.test(v);
      };
    }
    case 'class-map': {
      const other = classMaps.get(m.classMap.name);
      return other && depth < 8 ? compileClassMap(other, classMaps, opts, depth + 1) : NEVER;
    }
    case 'access-list':
    case 'protocol':
    case 'unsimulated':
      return NEVER;
  }
}

export function compileClassMap(cm: ClassMap, classMaps: ReadonlyMap<string, ClassMap>, opts: MatchOptions = {}, depth = 0): Matcher {
  const parts = cm.matches.map((m) => compileMatch(m, classMaps, opts, depth));
  if (parts.length === 0) return NEVER;
  if (cm.matchMode === 'all') return (f, s, d, r) => parts.every((p) => p(f, s, d, r));
  return (f, s, d, r) => parts.some((p) => p(f, s, d, r));
}
