// Who may do what on the management API: reads are open on a loopback bind,
// from a loopback peer, to a loopback Host (a DNS-rebinding page names its own
// host), and need the token otherwise; every write needs the token. The token is
// compared in constant time and never echoed. No time involved.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export interface AuthPolicy {
  /** Undefined: no token configured, so writes are refused. */
  token: string | undefined;
  /** True when the API listens on a non-loopback address. */
  readsNeedToken: boolean;
}

export type AuthVerdict = { ok: true } | { ok: false; status: 401 | 403; error: string };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function matches(token: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(token), digest(given));
}

/** The bearer token of a request: `Authorization: Bearer T`, or `?token=T` for the page and its event stream (a browser cannot set headers there). */
export function presentedToken(authorization: string | undefined, query: URLSearchParams, allowQuery: boolean): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (m) return m[1];
  return allowQuery ? (query.get('token') ?? undefined) : undefined;
}

/** Where a request came from: the peer's address and the Host it asked for (both absent for injected requests). */
export interface RequestOrigin {
  remoteAddress?: string | undefined;
  host?: string | undefined;
}

/** The host part of a Host header value (`name`, `name:port`, `[v6]:port`). */
function hostName(host: string): string {
  const h = host.trim();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1 || undefined);
  const colon = h.indexOf(':');
  return colon >= 0 && colon === h.lastIndexOf(':') ? h.slice(0, colon) : h;
}

/** True when the request neither came from nor was addressed to anything but loopback. */
export function fromLoopback(o: RequestOrigin): boolean {
  if (o.remoteAddress !== undefined && !isLoopbackAddress(o.remoteAddress)) return false;
  if (o.host !== undefined && !isLoopbackAddress(hostName(o.host))) return false;
  return true;
}

export function authorize(policy: AuthPolicy, write: boolean, given: string | undefined, origin: RequestOrigin = {}): AuthVerdict {
  if (write && policy.token === undefined) {
    return { ok: false, status: 403, error: 'writes need a management token: start `acesim run` with --mgmt-token-file FILE or ACESIM_MGMT_TOKEN' };
  }
  if (!write && !policy.readsNeedToken && fromLoopback(origin)) return { ok: true };
  if (policy.token !== undefined && matches(policy.token, given)) return { ok: true };
  return { ok: false, status: 401, error: given === undefined ? 'a bearer token is required (Authorization: Bearer …)' : 'the token does not match' };
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}
