// SimNode faults on loopback: crash refuses, recover serves again, hang holds,
// http-error answers the status, probe paths check credentials, the control
// API applies faults; every record carries the source address seen.
import t from 'tap';
import http from 'node:http';
import { RealClock } from '../../../src/core/real-clock.js';
import { listenControl } from '../../../src/lab/control-api.js';
import { SimNode } from '../../../src/lab/sim-node.js';

function get(port: number, path: string, auth?: string, timeoutMs = 1500): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.81', port, path, localAddress: '127.0.103.5', agent: false, headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    const h = setTimeout(() => {
      req.destroy();
      resolve('timeout');
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(h);
      resolve(e.code ?? 'error');
    });
    req.on('close', () => clearTimeout(h));
    req.end();
  });
}

t.test('faults and records', async (t) => {
  const probe = http.createServer();
  probe.listen(0, '127.0.0.81');
  await new Promise((r) => probe.once('listening', r));
  const port = (probe.address() as { port: number }).port;
  probe.close();
  const node = new SimNode({ name: 'n1', address: '127.0.0.81', clock: new RealClock(), httpPorts: [port], credentials: [{ username: 'u', password: 'p' }] });
  await node.start();
  const ctl = await listenControl(node, 0);
  t.teardown(async () => {
    await ctl.close();
    await node.stop();
  });
  t.equal(await get(port, '/tms/client'), 200);
  t.equal(await get(port, '/tms'), 401, 'probe path without credentials');
  t.equal(await get(port, '/tms', 'u:p'), 200);
  t.equal(node.records[0]!.source, '127.0.103.5');
  await node.apply({ kind: 'crash' });
  t.equal(await get(port, '/tms/client'), 'ECONNREFUSED');
  await node.apply({ kind: 'up' });
  t.equal(await get(port, '/tms/client'), 200);
  await node.apply({ kind: 'hang' });
  t.equal(await get(port, '/tms/client', undefined, 300), 'timeout');
  await node.apply({ kind: 'http-error', status: 503 });
  t.equal(await get(port, '/tms', 'u:p'), 503);
  await node.apply({ kind: 'blackhole' });
  t.equal(await get(port, '/tms', 'u:p', 300), 'timeout');
  const res = await fetch(`http://127.0.0.1:${ctl.port}/fault`, { method: 'POST', body: JSON.stringify({ fault: 'recover' }) });
  t.equal(res.status, 200);
  t.equal(await get(port, '/tms/client'), 200);
  const bad = await fetch(`http://127.0.0.1:${ctl.port}/fault`, { method: 'POST', body: '{"fault":"melt"}' });
  t.equal(bad.status, 400);
});
