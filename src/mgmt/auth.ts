// Who may do what on the management API: reads are open on a loopback bind
// and need the token elsewhere; every write needs the token. The token is
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

export function authorize(policy: AuthPolicy, write: boolean, given: string | undefined): AuthVerdict {
  if (write && policy.token === undefined) {
    return { ok: false, status: 403, error: 'writes need a management token: start `acesim run` with --mgmt-token-file FILE or ACESIM_MGMT_TOKEN' };
  }
  if (!write && !policy.readsNeedToken) return { ok: true };
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
