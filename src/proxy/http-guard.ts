// Requests the L7 VIP refuses although node:http parsed them: ones a node
// could read differently from the VIP (no Host in HTTP/1.1, more than one Host, a Host that is not
// a host, an absolute-form target naming another host than Host, a
// Transfer-Encoding in HTTP/1.0 — RFC 9112 §3.2, §3.2.2, §6.1) and versions
// the VIP does not speak (HTTP/0.9, HTTP/2+ in an HTTP/1 request line).
// Protocol switches (`Connection: upgrade` + `Upgrade`) are classified by
// upgradeDisposition(): tunnelled, ignored as RFC 9110 §7.8 allows, or refused.
// node:http (llhttp, strict) already rejects the framing attacks: CL with TE,
// duplicate CL, bad chunk sizes, obs-fold, bare CR/LF, spaces before colons.
// Pure over the parsed request head. No time.

export interface RequestHead {
  method?: string | undefined;
  url?: string | undefined;
  httpVersionMajor: number;
  httpVersionMinor: number;
  /** Names and values alternating, as received (IncomingMessage.rawHeaders). */
  rawHeaders: readonly string[];
}

export interface Refusal {
  status: 400 | 505;
  reason: string;
}

/** uri-host [":" port] (RFC 3986): an IP-literal, or reg-name / IPv4 characters; empty is allowed. */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** Why the request must not be forwarded, or undefined when it may be. */
export function refuseRequest(h: RequestHead): Refusal | undefined {
  if (h.httpVersionMajor === 0) return { status: 400, reason: 'HTTP/0.9 requests are not served' };
  if (h.httpVersionMajor !== 1) return { status: 505, reason: `HTTP/${h.httpVersionMajor}.${h.httpVersionMinor} in an HTTP/1 request line` };
  const hosts: string[] = [];
  let transferEncoding = false;
  let contentLength = false;
  let upgrade = false;
  let connectionUpgrade = false;
  for (let i = 0; i + 1 < h.rawHeaders.length; i += 2) {
    const name = h.rawHeaders[i]!.toLowerCase();
    if (name === 'host') hosts.push(h.rawHeaders[i + 1]!);
    else if (name === 'transfer-encoding') transferEncoding = true;
    else if (name === 'content-length') contentLength ||= !/^\s*0+\s*$/.test(h.rawHeaders[i + 1]!);
    else if (name === 'upgrade') upgrade = true;
    else if (name === 'connection') connectionUpgrade ||= hasToken(h.rawHeaders[i + 1]!, 'upgrade');
  }
  if (hosts.length > 1) return { status: 400, reason: 'more than one Host header' };
  if (hosts.length === 0 && h.httpVersionMinor >= 1) return { status: 400, reason: 'an HTTP/1.1 request without a Host header' };
  const host = hosts[0]?.trim();
  if (host !== undefined && !HOST_VALUE.test(host)) return { status: 400, reason: 'the Host header is not a host[:port]' };
  // HTTP/1.0 has no chunked framing: a node may read the body by Content-Length or to the close.
  if (transferEncoding && h.httpVersionMinor === 0) return { status: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request' };
  // node:http hands the bytes after such a head to the new protocol, a node may read them as a body: no protocol
  // needs both (WebSocket is a GET without one), so the ambiguity is refused rather than resolved either way.
  if (upgrade && connectionUpgrade && (transferEncoding || contentLength)) return { status: 400, reason: 'an Upgrade request with a body' };
  const url = h.url ?? '/';
  if (!url.startsWith('/') && url !== '*') {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return { status: 400, reason: 'the request target is neither a path nor an absolute URL' };
    }
    // The node gets the path and Host; a target naming another host would be routed by one and served by the other.
    if (host === undefined || target.host.toLowerCase() !== host.toLowerCase()) return { status: 400, reason: 'the absolute-form target names another host than the Host header' };
  }
  return undefined;
}

/** What the VIP does with a request asking to switch protocols (it passed refuseRequest). */
export type UpgradeDisposition =
  /** Forwarded with its Upgrade; a 101 from the node turns the connection into a raw tunnel. */
  | { kind: 'tunnel'; protocol: string }
  /** Served as a plain HTTP/1.1 request with the Upgrade removed, as RFC 9110 §7.8 lets a server do. */
  | { kind: 'ignore'; reason: string };

/** Comma-separated list membership, case-insensitive (Connection tokens). */
export function hasToken(list: string, token: string): boolean {
  return list.split(',').some((t) => t.trim().toLowerCase() === token);
}

/**
 * Tunnelled: a GET in HTTP/1.1 offering any protocol but HTTP/2. Ignored: HTTP/1.0
 * (RFC 9110 §7.8: the Upgrade "MUST" be ignored), other methods (WebSocket, the
 * one upgrade in use, is a GET), and `h2c`, which RFC 9113 §3.1 deprecates and
 * which would let a client talk HTTP/2 to a node past every per-request rule
 * (the known "h2c smuggling" through proxies).
 */
export function upgradeDisposition(h: RequestHead): UpgradeDisposition {
  let offered = '';
  for (let i = 0; i + 1 < h.rawHeaders.length; i += 2) if (h.rawHeaders[i]!.toLowerCase() === 'upgrade') offered += (offered ? ', ' : '') + h.rawHeaders[i + 1]!;
  const protocols = offered.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (h.httpVersionMinor === 0) return { kind: 'ignore', reason: 'Upgrade in an HTTP/1.0 request' };
  if (protocols.length === 0) return { kind: 'ignore', reason: 'an empty Upgrade header' };
  if (protocols.some((p) => /^(h2c|h2|http\/2(\.\d)?)$/i.test(p))) return { kind: 'ignore', reason: 'HTTP/2 upgrade (h2c, RFC 9113 §3.1)' };
  if (h.method !== 'GET') return { kind: 'ignore', reason: `Upgrade on ${h.method ?? 'a request'} (only GET is tunnelled)` };
  return { kind: 'tunnel', protocol: protocols.join(', ') };
}
