// HTTP and HTTPS probes. acesim opens the TCP connection itself (so `open` bounds
// exactly the SYN/SYN-ACK) and, for HTTPS, the TLS session, then runs the exchange on
// that socket: an undici Client for HTTPS, the lean wire client (http-wire.ts) for
// plain HTTP unless told otherwise; `receive` bounds TLS handshake + full response on
// the injected Clock. Learned hashes live here, per instance id, for the process life.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import type net from 'node:net';
import { Client } from 'undici';
import { wireExchange } from './http-wire.js';
import type { HttpReply, HttpRequestPlan } from './http-wire.js';
import { closeProbeSocket, compileRegex, Deadline, errorText, openTcp, result, statusInRanges } from './common.js';
import type { ProberContext } from './common.js';
import type { ProbeInstance, ProbeResult } from '../types.js';
import type { Probe } from '../../config/model.js';

/** Largest body read for regex/hash checks; the rest is ignored (ACE reads a bounded window too). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Which HTTP/1.1 client plain-HTTP probes use: 'wire' (http-wire.ts, the default:
 * a quarter of undici's CPU per new connection) or 'undici'. HTTPS always uses undici.
 */
export type HttpClientKind = 'wire' | 'undici';

export class HttpProber {
  /** `hash` with no value: MD5 learned from the first response, per instance. */
  private readonly learnedHashes = new Map<string, string>();
  /** The request each instance sends, built once: an instance (and its probe) never changes; a reload makes new ones. */
  private readonly plans = new WeakMap<ProbeInstance, HttpRequestPlan>();

  constructor(
    private readonly ctx: ProberContext,
    private readonly client: HttpClientKind = 'wire',
  ) {}

  learnedHash(instanceId: string): string | undefined {
    return this.learnedHashes.get(instanceId);
  }

  async probe(inst: ProbeInstance, signal?: AbortSignal): Promise<ProbeResult> {
    const { clock } = this.ctx;
    const p = inst.probe;
    const start = clock.monotonicNow();
    const opened = await openTcp(this.ctx, inst.key.address, inst.key.port, p.openMs, start, signal);
    if (!opened.ok) return opened.result;
    const tcp = opened.socket;
    const deadline = new Deadline(clock, p.receiveMs, signal);
    let socket: net.Socket = tcp;
    let client: Client | undefined;
    /** The wire client read the whole response: the FIN can go at once (closeProbeSocket). */
    let complete = false;
    try {
      const https = inst.key.probeType === 'https';
      if (https) {
        const secured = await this.handshake(tcp, p, deadline, start);
        if ('cause' in secured) return secured;
        socket = secured;
      }
      let plan = this.plans.get(inst);
      if (plan === undefined) this.plans.set(inst, (plan = requestPlan(inst)));
      let reply: HttpReply;
      if (!https && this.client === 'wire') {
        reply = await wireExchange(socket, plan, deadline);
        complete = reply.complete === true;
      } else {
        const connected = socket;
        client = new Client(`${https ? 'https' : 'http'}://${hostPart(inst.key.address)}:${inst.key.port}`, {
          // undici's connect() must not get its callback synchronously (the request then stalls).
          connect: (_opts, cb) => queueMicrotask(() => cb(null, connected)),
          // Deadlines are ours (Deadline on the injected clock), so undici's own are off.
          headersTimeout: 0,
          bodyTimeout: 0,
          pipelining: 1,
        });
        client.on('connectionError', () => {});
        reply = await undiciExchange(client, plan, deadline);
      }
      return this.verdict(inst, reply, start);
    } catch (err) {
      return this.failureOf(err, deadline, start, p.receiveMs);
    } finally {
      deadline.clear();
      if (p.connectionTermForced) closeProbeSocket(clock, socket, true);
      client?.destroy().catch(() => {});
      if (!tcp.destroyed && !p.connectionTermForced) closeProbeSocket(clock, tcp, false, complete);
    }
  }

  private handshake(tcp: net.Socket, p: Probe, deadline: Deadline, start: number): Promise<tls.TLSSocket | ProbeResult> {
    const { clock } = this.ctx;
    const versions = tlsVersions(p.sslVersion, this.ctx.options.sslAllMaxVersion);
    if (typeof versions === 'string') return Promise.resolve(result(clock, start, false, 'TLS_ERROR', versions));
    return new Promise((resolve) => {
      let settled = false;
      const done = (v: tls.TLSSocket | ProbeResult): void => {
        if (settled) return;
        settled = true;
        resolve(v);
      };
      // The ACE accepts any server certificate (self-signed included); it checks health, not identity.
      const s = tls.connect({
        socket: tcp,
        rejectUnauthorized: false,
        minVersion: versions.min,
        maxVersion: versions.max,
        // TLS 1.0/1.1 need OpenSSL security level 0 on current Node builds.
        ...(versions.min === 'TLSv1' || versions.min === 'TLSv1.1' ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
      });
      s.once('secureConnect', () => done(s));
      s.once('error', (err) => done(result(clock, start, false, err && (err as { code?: string }).code === 'ECONNRESET' ? 'L4_RESET' : 'TLS_ERROR', `SSL handshake failed: ${errorText(err)}`)));
      s.on('error', () => {});
      deadline.signal.addEventListener('abort', () => {
        s.destroy();
        done(deadline.expired ? result(clock, start, false, 'L7_RECEIVE_TIMEOUT', 'no TLS handshake reply within receive timeout') : result(clock, start, false, 'INTERNAL_ERROR', 'aborted'));
      });
    });
  }

  /** Status, regex (with offset) and hash checks on a received reply, in the ACE's order. */
  private verdict(inst: ProbeInstance, reply: HttpReply, start: number): ProbeResult {
    const { clock, options } = this.ctx;
    const p = inst.probe;
    const { status, body } = reply;
    if (p.expectStatus.length > 0) {
      if (!statusInRanges(status, p.expectStatus)) return result(clock, start, false, 'L7_BAD_STATUS', `received invalid status code ${status}`, status);
    } else if (options.httpRequiresExpectStatus) {
      return result(clock, start, false, 'L7_BAD_STATUS', `status ${status} with no expect status configured`, status);
    }
    if (p.expectRegex) {
      const re = compileRegex(p.expectRegex.regex);
      if (typeof re === 'string') return result(clock, start, false, 'INTERNAL_ERROR', re, status);
      const head = options.httpRegexBodyOnly ? '' : `HTTP/1.1 ${status}\r\n${Object.entries(reply.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`;
      const text = (head + body.toString('latin1')).slice(p.expectRegex.offset ?? 0);
      if (!re.test(text)) return result(clock, start, false, 'L7_REGEX_MISMATCH', 'regex not found', status);
    }
    if (p.hash) {
      const md5 = createHash('md5').update(body).digest('hex');
      const expected = p.hash.md5 ?? this.learnedHashes.get(inst.id);
      if (expected === undefined) this.learnedHashes.set(inst.id, md5);
      else if (expected.toLowerCase() !== md5) return result(clock, start, false, 'L7_HASH_MISMATCH', `hash mismatch: got ${md5}`, status);
    }
    return result(clock, start, true, 'OK', undefined, status);
  }

  private failureOf(err: unknown, deadline: Deadline, start: number, receiveMs: number): ProbeResult {
    const { clock } = this.ctx;
    if (deadline.expired) return result(clock, start, false, 'L7_RECEIVE_TIMEOUT', `no complete reply within ${receiveMs} ms`);
    if (deadline.signal.aborted) return result(clock, start, false, 'INTERNAL_ERROR', 'aborted');
    const e = err as { code?: string };
    // UND_ERR_SOCKET is undici's "other side closed" or "bad response"; PEER_CLOSED and BAD_RESPONSE the wire client's.
    if (e?.code === 'ECONNRESET' || e?.code === 'EPIPE' || e?.code === 'UND_ERR_SOCKET' || e?.code === 'PEER_CLOSED' || e?.code === 'BAD_RESPONSE') return result(clock, start, false, 'L4_RESET', errorText(err));
    return result(clock, start, false, 'L7_PROTOCOL_ERROR', errorText(err));
  }
}

/** What to send and whether the body matters (regex or hash on a GET). */
function requestPlan(inst: ProbeInstance): HttpRequestPlan {
  const p = inst.probe;
  const method = p.request.method.toUpperCase() === 'HEAD' ? 'HEAD' : 'GET';
  return { method, path: p.request.url || '/', headers: requestHeaders(inst), needBody: (p.expectRegex !== undefined || p.hash !== undefined) && method !== 'HEAD', maxBodyBytes: MAX_BODY_BYTES };
}

/** The same exchange through an undici Client (HTTPS, and plain HTTP with `httpClient: 'undici'`). */
async function undiciExchange(client: Client, plan: HttpRequestPlan, deadline: Deadline): Promise<HttpReply> {
  const res = await client.request({ path: plan.path, method: plan.method, headers: plan.headers, signal: deadline.signal });
  let body = Buffer.alloc(0);
  if (plan.needBody) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      if (size + b.length > plan.maxBodyBytes) {
        chunks.push(b.subarray(0, plan.maxBodyBytes - size));
        size = plan.maxBodyBytes;
        break;
      }
      chunks.push(b);
      size += b.length;
    }
    body = Buffer.concat(chunks);
  } else {
    await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
  }
  return { status: res.statusCode, headers: res.headers as Record<string, string | string[]>, body };
}

function hostPart(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Request headers as the ACE sends them (§4.2): Host = address (+ :port), basic credentials, configured headers. */
export function requestHeaders(inst: ProbeInstance): Record<string, string> {
  const p = inst.probe;
  const h: Record<string, string> = {};
  const configuredHost = p.headers.find((x) => x.name.toLowerCase() === 'host');
  h['host'] = configuredHost ? configuredHost.value : p.appendPortHosttag ? `${hostPart(inst.key.address)}:${inst.key.port}` : hostPart(inst.key.address);
  h['connection'] = 'close';
  for (const x of p.headers) {
    const k = x.name.toLowerCase();
    if (k === 'host') continue;
    if (k === 'connection' && x.value.toLowerCase() !== 'close' && x.value.toLowerCase() !== 'keep-alive') continue;
    h[k] = x.value;
  }
  if (p.credentials) {
    // The only place the password is revealed: into the request, never into results or logs.
    const token = Buffer.from(`${p.credentials.username}:${p.credentials.password?.reveal() ?? ''}`, 'utf8').toString('base64');
    h['authorization'] = `Basic ${token}`;
  }
  return h;
}

/** `ssl version` → Node's TLS bounds; a string is an unsupported-version message. */
export function tlsVersions(sslVersion: string | undefined, allMax: 'TLSv1.2' | 'TLSv1.3'): { min: tls.SecureVersion; max: tls.SecureVersion } | string {
  switch ((sslVersion ?? 'all').toLowerCase()) {
    case 'all':
      return { min: 'TLSv1', max: allMax };
    case 'tlsv1':
      return { min: 'TLSv1', max: 'TLSv1' };
    case 'tlsv1_1':
      return { min: 'TLSv1.1', max: 'TLSv1.1' };
    case 'tlsv1_2':
      return { min: 'TLSv1.2', max: 'TLSv1.2' };
    case 'sslv3':
      return 'SSLv3 is not available in Node.js/OpenSSL 3; probe cannot run';
    default:
      return `unknown ssl version ${sslVersion}`;
  }
}
