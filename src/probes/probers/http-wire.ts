// One HTTP/1.1 exchange over an already-open socket, for plain-HTTP probes: writes
// the request bytes undici writes for the same request, parses the response with
// http-parser-js (status line, headers, Content-Length, chunked and close-delimited
// bodies, 1xx skipped) and settles once, bounded by the caller's Deadline (Clock ms).
// Why not an undici Client: a Client per attempt (a new TCP connection each time, as
// the ACE probes) cost ~380 µs of CPU against ~90 µs here — ACE scale needs 8,000/s.
import type net from 'node:net';
import { HTTPParser } from 'http-parser-js';
import type { Deadline } from './common.js';
import { fieldRecord } from '../../core/http-fields.js';

/** A complete (or, for bodies nobody reads, status-complete) HTTP response. */
export interface HttpReply {
  status: number;
  /** Lower-cased names; a repeated header becomes an array (undici's shape). */
  headers: Record<string, string | string[]>;
  /** The body up to the caller's limit; empty when not needed. */
  body: Buffer;
  /**
   * The whole message was read (its end seen, nothing left unread): the caller may close at
   * once with a FIN, as nothing can be pending in the receive queue. False when the body was
   * cut off at a limit, or for undici's exchanges (their socket is undici's).
   */
  complete?: boolean;
}

export interface HttpRequestPlan {
  method: 'GET' | 'HEAD';
  path: string;
  /** Lower-cased names; `host` and `connection` included. */
  headers: Record<string, string>;
  /** Regex or hash checks read the body; otherwise it is drained and dropped. */
  needBody: boolean;
  maxBodyBytes: number;
}

/** undici's limit on the response head (Node's http.maxHeaderSize default); larger is a protocol error. */
const MAX_HEADER_BYTES = 16 * 1024;

/** What undici's `dump()` reads of an unwanted body before giving up on it. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

/** A failure of the exchange; `code` is what HttpProber maps to a cause. */
export class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const BAD_PATH = /[^\u0021-\u00ff]/;

/** The request head exactly as undici's writeH1 lays it out, or the reason undici would refuse it. */
export function requestHead(plan: HttpRequestPlan): string | WireError {
  const { path } = plan;
  if (path[0] !== '/' && !path.startsWith('http://') && !path.startsWith('https://')) return new WireError('INVALID_REQUEST', 'path must be an absolute URL or start with a slash');
  if (BAD_PATH.test(path)) return new WireError('INVALID_REQUEST', 'invalid request path');
  let head = `${plan.method} ${path} HTTP/1.1\r\nhost: ${plan.headers['host'] ?? ''}\r\nconnection: close\r\n`;
  for (const [k, v] of Object.entries(plan.headers)) {
    if (k === 'host' || k === 'connection') continue;
    if (!TOKEN.test(k) || BAD_VALUE.test(v)) return new WireError('INVALID_REQUEST', `invalid ${k} header`);
    head += `${k}: ${v}\r\n`;
  }
  return `${head}\r\n`;
}

/** Request heads by plan: a plan (HttpProber keeps one per instance) always lays out the same bytes. */
const heads = new WeakMap<HttpRequestPlan, string | WireError>();

/**
 * Sends the request and resolves with the response. Rejects with a WireError
 * (`PEER_CLOSED`, `BAD_RESPONSE`, `HPE_*`, `INVALID_REQUEST`), the socket's own error, or the
 * deadline's reason; the caller tells these apart. As with undici's dump(), once the
 * status is known an unread body that fails or times out does not fail the exchange.
 */
export function wireExchange(socket: net.Socket, plan: HttpRequestPlan, deadline: Deadline): Promise<HttpReply> {
  let head = heads.get(plan);
  if (head === undefined) heads.set(plan, (head = requestHead(plan)));
  if (head instanceof WireError) return Promise.reject(head);
  return new Promise<HttpReply>((resolve, reject) => {
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser.maxHeaderSize = MAX_HEADER_BYTES;
    let settled = false;
    let reply: HttpReply | undefined;
    let final = false;
    const chunks: Buffer[] = [];
    let size = 0;

    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onError);
      deadline.offAbort(onAbort);
      // The status decides when the body is not read: a late body error is not a probe failure.
      if (reply && (!err || !plan.needBody)) {
        if (plan.needBody) reply.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        resolve(reply);
      } else {
        reject(err ?? new WireError('PEER_CLOSED', 'other side closed'));
      }
    };

    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      // An unasked-for 100 Continue is a broken server (undici's "bad response"); other
      // 1xx but 101 are interim: the real response follows on the same connection.
      if (info.statusCode === 100) {
        finish(new WireError('BAD_RESPONSE', 'bad response: 100 Continue to a request without Expect'));
        socket.destroy();
        return 1;
      }
      if (info.statusCode > 100 && info.statusCode < 200 && info.statusCode !== 101) return 0;
      // http-parser-js checks its limit only between chunks; a head that came in one chunk is measured here.
      if (headSize(info) > MAX_HEADER_BYTES) {
        finish(new WireError('HPE_HEADER_OVERFLOW', 'HTTP parse error: response head too large'));
        socket.destroy();
        return 1;
      }
      final = true;
      reply = { status: info.statusCode, headers: fieldRecord(info.headers), body: Buffer.alloc(0) };
      return plan.method === 'HEAD' ? 1 : 0;
    };
    parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
      if (!final) return;
      if (plan.needBody) {
        const take = Math.min(length, plan.maxBodyBytes - size);
        chunks.push(chunk.subarray(offset, offset + take));
        size += take;
        if (size >= plan.maxBodyBytes) finish();
      } else if ((size += length) > DRAIN_LIMIT_BYTES) {
        finish();
      }
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      if (!final) return;
      if (reply) reply.complete = true;
      finish();
    };

    const onData = (d: Buffer): void => {
      const r = parser.execute(d);
      if (r instanceof Error) finish(new WireError((r as { code?: string }).code ?? 'HPE_INVALID', `HTTP parse error: ${r.message}`));
    };
    const onEnd = (): void => {
      // A close-delimited body ends here; anything else ending here is cut short.
      const r = parser.finish();
      finish(r instanceof Error ? new WireError('PEER_CLOSED', 'other side closed') : undefined);
    };
    const onClose = (): void => finish(new WireError('PEER_CLOSED', 'other side closed'));
    const onError = (err: Error): void => finish(err);
    const onAbort = (reason: Error): void => {
      finish(reason);
      socket.destroy();
    };

    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onClose);
    socket.once('error', onError);
    deadline.onAbort(onAbort);
    if (!settled) socket.write(head, 'latin1');
  });
}

/** Bytes of a response head as sent (status line, `name: value` lines, CRLFs). */
function headSize(info: { headers: string[]; statusMessage: string }): number {
  let n = 17 + info.statusMessage.length;
  for (let i = 0; i + 1 < info.headers.length; i += 2) n += info.headers[i]!.length + info.headers[i + 1]!.length + 4;
  return n;
}
