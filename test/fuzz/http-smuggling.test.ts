// Malformed and smuggling-style HTTP at an L7 VIP, on real loopback sockets:
// each hostile request is answered by the VIP (400, or 405/505 where the
// status says more) and never reaches the node in a form the node could read
// differently. The node is a strict node:http server that records every
// request it completes, every request cut short, and every parse error; a
// parse error at the node, or a hostile request completed there, fails.
// Then fast-check sends generated request heads built from hostile pieces.
import t from 'tap';
import fc from 'fast-check';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { RealClock } from '../../src/core/real-clock.js';
import type { Decision, ServerDecision } from '../../src/farm/types.js';
import { HttpVipListener } from '../../src/proxy/http-proxy.js';
import { nodeNetPorts } from '../../src/proxy/net-ports.js';
import { NULL_LOGGER, type BalancerPort } from '../../src/proxy/types.js';
import { fuzzRuns } from './fuzz-support.js';

const VIP = '127.0.110.1';
const VIP_PORT = 29080;
const NODE = '127.0.110.11';
const NODE_PORT = 29081;
const CLIENT = '127.0.110.20';

interface NodeLog {
  /** Requests the node read to the end: method, url, raw headers, body. */
  completed: { method: string; url: string; rawHeaders: string[]; body: string }[];
  /** Requests whose body never ended (the VIP gave up on the client mid-body). */
  cut: string[];
  parseErrors: string[];
}

async function startNode(): Promise<{ log: NodeLog; close: () => Promise<void> }> {
  const log: NodeLog = { completed: [], cut: [], parseErrors: [] };
  const s = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      log.completed.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body });
      res.end('node\n');
    });
    req.on('close', () => {
      if (!req.complete) log.cut.push(req.url ?? '');
    });
  });
  s.maxHeadersCount = 0;
  s.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // A body cut short by the VIP closing the connection ends at EOF: a truncation (logged as cut), not a misreading.
    if (err.code !== 'HPE_INVALID_EOF_STATE') log.parseErrors.push(err.code ?? err.message);
    socket.destroy();
  });
  s.listen(NODE_PORT, NODE);
  await once(s, 'listening');
  return {
    log,
    close: () => {
      s.closeAllConnections();
      return new Promise<void>((r) => s.close(() => r()));
    },
  };
}

const toNode: ServerDecision = { kind: 'server', farm: 'F', rserver: 'N', address: NODE, port: NODE_PORT, stickyHit: false, viaBackupFarm: false, viaBackupRserver: false, inserts: [], insertsFirstOnly: false, realId: 0, actionId: 0, stickyGroup: -1, stickyHi: 0, stickyLo: 0 };
const balancer: BalancerPort = {
  select: (): Decision => toNode,
  reselect: (): Decision => ({ kind: 'no-server', reason: 'farm-down' }),
  open() {},
  close() {},
  reportFailure() {},
  existingFlowAction: () => ({ kind: 'keep' }),
};

/** Writes raw bytes from the client address; resolves what came back once the VIP closes or goes quiet. */
function raw(bytes: string, quietMs = 400): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: VIP, port: VIP_PORT, localAddress: CLIENT });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    };
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      out += d;
      quiet();
    });
    s.on('error', done);
    s.on('close', done);
    s.write(Buffer.from(bytes, 'latin1'));
    quiet();
  });
}

/** The node and the VIP in front of it, both closed when the test ends. */
async function startVip(t: Pick<typeof import('tap').default, 'teardown'>): Promise<{ node: { log: NodeLog }; vip: HttpVipListener }> {
  const node = await startNode();
  t.teardown(node.close);
  const vip = new HttpVipListener({ vipClass: 'V', address: VIP, port: VIP_PORT, protocol: 'tcp', acl: () => ({ permit: true, acl: 'ALL', line: 1 }) }, { clock: new RealClock(), net: nodeNetPorts, balancer, logger: NULL_LOGGER, transparency: 'none', timeouts: { tcpIdleMs: 60_000, udpIdleMs: 60_000, connectTimeoutMs: 1000 } });
  await vip.listen();
  t.teardown(() => vip.close(100));
  return { node, vip };
}

const statusOf = (reply: string): number => Number(/^HTTP\/1\.1 (\d{3}) /.exec(reply)?.[1] ?? 0);
const H = 'Host: vip\r\n';

/** [name, request bytes (its target carries the name), expected status, requests the node may complete]. */
const CASES: [string, (u: string) => string, number, number][] = [
  ['CL and TE together (CL.TE)', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`, 400, 0],
  ['TE and CL together (TE.CL)', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n`, 400, 0],
  ['duplicate Content-Length, different', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`, 400, 0],
  ['duplicate Content-Length, same', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd`, 400, 0],
  ['Content-Length list', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: 4, 5\r\n\r\nabcde`, 400, 0],
  ['Content-Length with a sign', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: +4\r\n\r\nabcd`, 400, 0],
  ['Content-Length in hex', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: 0x4\r\n\r\nabcd`, 400, 0],
  ['Content-Length overflowing', (u) => `POST ${u} HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`, 400, 0],
  ['TE xchunked', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, 400, 0],
  ['TE chunked, identity', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, 400, 0],
  ['two TE headers', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`, 400, 0],
  ['space before the colon of TE', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, 400, 0],
  ['TE in HTTP/1.0', (u) => `POST ${u} HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 0],
  ['bad chunk size', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, 400, 0],
  ['chunk size with 0x', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`, 400, 0],
  ['chunk size overflowing', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n`, 400, 0],
  ['chunk without its CRLF', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`, 400, 0],
  ['chunks ended by bare LF', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n`, 400, 0],
  ['Content-Length in the trailer', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n`, 400, 0],
  ['obs-fold', (u) => `GET ${u} HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, 400, 0],
  ['obs-fold hiding TE', (u) => `POST ${u} HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n chunked\r\n\r\n0\r\n\r\n`, 400, 0],
  ['bare LF line ends', (u) => `GET ${u} HTTP/1.1\n${H.replace('\r', '')}\n`, 400, 0],
  ['bare LF inside the head', (u) => `GET ${u} HTTP/1.1\r\nHost: vip\nX-A: b\r\n\r\n`, 400, 0],
  ['bare CR inside the head', (u) => `GET ${u} HTTP/1.1\r\nHost: vip\rX-A: b\r\n\r\n`, 400, 0],
  ['space before a colon', (u) => `GET ${u} HTTP/1.1\r\nHost : vip\r\n\r\n`, 400, 0],
  ['space inside a header name', (u) => `GET ${u} HTTP/1.1\r\n${H}X A: b\r\n\r\n`, 400, 0],
  ['NUL in a header value', (u) => `GET ${u} HTTP/1.1\r\n${H}X-A: a\u0000b\r\n\r\n`, 400, 0],
  ['control character in a value', (u) => `GET ${u} HTTP/1.1\r\n${H}X-A: a\u0001b\r\n\r\n`, 400, 0],
  ['header block over 16 KiB', (u) => `GET ${u} HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 400, 0],
  ['invalid method token', (u) => `G(T ${u} HTTP/1.1\r\n${H}\r\n`, 400, 0],
  ['unknown method', (u) => `FOO ${u} HTTP/1.1\r\n${H}\r\n`, 400, 0],
  ['lower-case method', (u) => `get ${u} HTTP/1.1\r\n${H}\r\n`, 400, 0],
  ['HTTP/0.9', (u) => `GET ${u}\r\n\r\n`, 400, 0],
  ['HTTP/2.0 in an HTTP/1 line', (u) => `GET ${u} HTTP/2.0\r\n${H}\r\n`, 505, 0],
  ['request-line garbage', () => `\u0000\u0001\u0002\u00ff garbage\r\n\r\n`, 400, 0],
  ['space inside the target', (u) => `GET ${u} x HTTP/1.1\r\n${H}\r\n`, 400, 0],
  ['two Host headers', (u) => `GET ${u} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 400, 0],
  ['Host with userinfo', (u) => `GET ${u} HTTP/1.1\r\nHost: a@b\r\n\r\n`, 400, 0],
  ['HTTP/1.1 without Host', (u) => `GET ${u} HTTP/1.1\r\n\r\n`, 400, 0],
  ['absolute target for another host', (u) => `GET http://elsewhere${u} HTTP/1.1\r\n${H}\r\n`, 400, 0],
  ['CONNECT', () => `CONNECT ${NODE}:${NODE_PORT} HTTP/1.1\r\n${H}\r\n`, 405, 0],
  ['Upgrade with a body (Content-Length)', (u) => `POST ${u} HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\nhello`, 400, 0],
  ['Upgrade with a chunked body', (u) => `GET ${u} HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 400, 0],
  ['h2c upgrade with a body', (u) => `POST ${u} HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 4\r\n\r\nPRI `, 400, 0],
  ['a good request, then an ambiguous one pipelined', (u) => `GET ${u}/good HTTP/1.1\r\n${H}\r\nPOST ${u}/bad HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 200, 1],
  ['a good request, then garbage pipelined', (u) => `GET ${u}/good HTTP/1.1\r\n${H}\r\n\u0000garbage\r\n\r\n`, 200, 1],
];

t.test('hostile requests at the L7 VIP', async (t) => {
  const { node, vip } = await startVip(t);

  // A longer quiet window: the first request also pays for the upstream pool's start-up (on a busy machine).
  const good = await raw(`GET /c-good HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, 2000);
  t.equal(statusOf(good), 200, 'a well-formed request is served');

  for (const [i, [name, make, status, allowed]] of CASES.entries()) {
    const marker = `/c${i}`;
    const refusals = vip.http.badRequests;
    const reply = await raw(make(marker));
    t.equal(vip.http.badRequests - refusals, 1, `${name}: counted as a bad request`);
    t.equal(statusOf(reply), status, `${name}: ${status}`);
    const done = node.log.completed.filter((r) => r.url.startsWith(marker));
    t.equal(done.length, allowed, `${name}: the node completed ${allowed} request(s)`);
    if (allowed > 0) t.ok(done.every((r) => r.url === `${marker}/good`), `${name}: only the well-formed one`);
    if (allowed > 0) t.match(reply, /^HTTP\/1\.1 200 [^]*node\n[^]*HTTP\/1\.1 400 Bad Request/, `${name}: the good one answered first, then the hostile one refused`);
  }
  t.same(node.log.parseErrors, [], 'nothing the node could not parse ever reached it');
  t.ok(node.log.cut.every((u) => /^\/c\d+$/.test(u)), 'requests cut short are only the hostile ones whose body the VIP abandoned');
});

t.test('generated request heads from hostile pieces', async (t) => {
  const { node, vip } = await startVip(t);

  const eol = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r', '\r\n ');
  const header = fc.tuple(
    fc.constantFrom('Host', 'host', 'Content-Length', 'Transfer-Encoding', 'transfer-encoding', 'Connection', 'Upgrade', 'Expect', 'X-A', 'X A', 'Content-Length ', ' Host', ''),
    fc.constantFrom(':', ': ', ' :', ':\t'),
    fc.oneof(fc.constantFrom('vip', 'a@b', '0', '4', '5', '-1', '4, 5', 'chunked', 'chunked, identity', 'identity', ' chunked', 'Upgrade', 'h2c', 'websocket', 'close', '100-continue', '\u0000', ''), fc.string({ maxLength: 8 })),
    eol,
  ).map(([n, c, v, e]) => `${n}${c}${v}${e}`);
  const head = fc.tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'get', 'G T', ''),
    fc.constantFrom(' ', '  ', '\t'),
    fc.constantFrom('/', '/a b', '*', 'http://vip/', 'http://other/', '//x', '/%00', ''),
    fc.constantFrom(' HTTP/1.1', ' HTTP/1.0', ' HTTP/0.9', ' HTTP/2.0', ' HTTP/1.1 ', '', ' HTTX/1.1'),
    eol,
    fc.array(header, { maxLength: 6 }),
    eol,
    fc.constantFrom('', 'abcd', '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'GET / HTTP/1.1\r\nHost: vip\r\n\r\n'),
  ).map(([m, sp, u, v, e1, hs, e2, body]) => `${m}${sp}${u}${v}${e1}${hs.join('')}${e2}${body}`);

  let i = 0;
  await fc.assert(
    fc.asyncProperty(head, async (bytes) => {
      i++;
      const reply = await raw(bytes, 150);
      // Whatever came back is HTTP/1.1 from the VIP or the node (or nothing: a reset).
      if (reply !== '' && !reply.startsWith('HTTP/1.1 ')) throw new Error(`not an HTTP answer: ${JSON.stringify(reply.slice(0, 80))}`);
      if (node.log.parseErrors.length > 0) throw new Error(`the node could not parse what it got (${node.log.parseErrors.join(', ')}) for ${JSON.stringify(bytes)}`);
    }),
    { numRuns: fuzzRuns(150) },
  );
  t.equal(i, fuzzRuns(150), 'every generated request sent');
  t.same(node.log.parseErrors, [], 'the node parsed everything it received');
});
