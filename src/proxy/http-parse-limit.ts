// The ACE's HTTP parse length on an L7 VIP (`set header-maxparse-length`, default
// 2048 bytes): how long a request's line and header fields are as the ACE counts
// them, and the part of a longer request it saw (what `length-exceed continue`
// load-balances on). Pure over the parsed request; the listener decides what to do.
import type { IncomingMessage } from 'node:http';
import type { HttpRequestInfo } from '../farm/types.js';

/** `METHOD SP target SP HTTP/1.1 CRLF`: the request line's bytes around the method and target. */
const LINE_EXTRA = 1 + 1 + 'HTTP/1.1'.length + 2;

/**
 * The bytes of a request's line and header fields on the wire, CRLFs and the empty line included. node:http
 * decodes the target and field values as latin1, so a string's length is its byte count; whitespace the
 * client put around a value is not kept by the parser, so a padded field counts as it would unpadded.
 */
export function headerBytes(req: IncomingMessage): number {
  let n = (req.method?.length ?? 0) + (req.url?.length ?? 0) + LINE_EXTRA + 2;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) n += raw[i]!.length + 2 + raw[i + 1]!.length + 2;
  return n;
}

/**
 * What the ACE parsed of a request longer than `bytes`: the target cut where the limit falls in the request
 * line, and the header fields that end within the limit (a field cut in the middle is not seen). Several
 * fields of one name are joined as node:http joins them (`; ` for Cookie, `, ` otherwise).
 */
export function parsedPart(req: IncomingMessage, bytes: number): HttpRequestInfo {
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  const room = bytes - method.length - 1;
  const url = target.length + LINE_EXTRA - 1 <= room ? target : target.slice(0, Math.max(0, room));
  const headers: Record<string, string> = {};
  let used = method.length + target.length + LINE_EXTRA;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    used += name.length + 2 + value.length + 2;
    if (used > bytes) break;
    const k = name.toLowerCase();
    const had = headers[k];
    headers[k] = had === undefined ? value : `${had}${k === 'cookie' ? '; ' : ', '}${value}`;
  }
  return { method, url, headers };
}
