// Requests the L7 VIP refuses although node:http parsed them: ones a node
// could read differently from the VIP (no Host in HTTP/1.1, more than one Host, a Host that is not
// a host, an absolute-form target naming another host than Host, a
// Transfer-Encoding in HTTP/1.0 — RFC 9112 §3.2, §3.2.2, §6.1) and versions
// the VIP does not speak (HTTP/0.9, HTTP/2+ in an HTTP/1 request line).
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
  for (let i = 0; i + 1 < h.rawHeaders.length; i += 2) {
    const name = h.rawHeaders[i]!.toLowerCase();
    if (name === 'host') hosts.push(h.rawHeaders[i + 1]!);
    else if (name === 'transfer-encoding') transferEncoding = true;
  }
  if (hosts.length > 1) return { status: 400, reason: 'more than one Host header' };
  if (hosts.length === 0 && h.httpVersionMinor >= 1) return { status: 400, reason: 'an HTTP/1.1 request without a Host header' };
  const host = hosts[0]?.trim();
  if (host !== undefined && !HOST_VALUE.test(host)) return { status: 400, reason: 'the Host header is not a host[:port]' };
  // HTTP/1.0 has no chunked framing: a node may read the body by Content-Length or to the close.
  if (transferEncoding && h.httpVersionMinor === 0) return { status: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request' };
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
