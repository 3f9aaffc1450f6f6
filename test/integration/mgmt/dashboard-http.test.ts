// The dashboard's HTTP cell in headless Chromium (Debian `chromium`, driven by
// playwright-core): an L7 VIP (default class to a live node, /none.* to a farm
// whose real is out of service) beside an L4 VIP. The L7 row shows its
// requests, the 5xx it answered itself and the requests it refused, and
// follows live traffic (no reload); the L4 row has no HTTP figures.
import t from 'tap';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { MgmtApi } from '../../../src/mgmt/api.js';
import { listenMgmt } from '../../../src/mgmt/server.js';
import { l7BesideL4Config } from '../../fakes/vip-configs.js';
import { rawExchange, startVipRuntime } from '../../fakes/vip-runtime.js';
import { TmsNode, waitFor } from '../proxy/tms-nodes.js';

const CHROMIUM = '/usr/bin/chromium';
const PORT = 39680;
const L4_PORT = 39681;
const MGMT_PORT = 39610;
const VIP = '127.0.192.60';
const L4_VIP = '127.0.192.61';
const N1 = '127.0.192.21';
const N2 = '127.0.192.22';
const MGMT = '127.0.192.3';
const CLIENT = '127.0.192.130';

const CONFIG = l7BesideL4Config({ vip: VIP, port: PORT, l4Vip: L4_VIP, l4Port: L4_PORT, live: N1, down: N2, vlanAddress: '127.0.192.2' });

/** Raw bytes to the L7 VIP on a fresh connection; resolves with the answer once the VIP closes it. */
const raw = (send: string): Promise<string> => rawExchange(VIP, PORT, send, CLIENT);

t.test('an L7 VIP shows its HTTP figures live on the dashboard', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (Debian package chromium; .ci/run installs it)` }, async (t) => {
  const node = new TmsNode('n1', N1);
  await node.start({ http: PORT });
  t.teardown(() => node.stop());
  const { rt, model, clock } = await startVipRuntime(t, CONFIG, { file: 'dash-http.conf', listeners: [['VIP-WEB', true], ['VIP-L4', false]], runtime: { drainMs: 200 } });
  const api = new MgmtApi({ runtime: rt, model, clock, auth: { token: undefined, readsNeedToken: false } });
  const server = await listenMgmt(api, MGMT, MGMT_PORT);
  t.teardown(async () => {
    await server.close();
    api.dispose();
  });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().find((f) => f.name === 'FW')?.reals[0]?.state === 'OPERATIONAL', 5000), 'W1 operational');

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url + '/');
  const cell = page.locator('[data-vip="VIP-WEB"] td.http');
  await cell.filter({ hasText: '0 req · 0 5xx · 0 refused' }).waitFor({ timeout: 10_000 });
  t.notOk(await cell.evaluate((e) => e.classList.contains('bad')), 'no 5xx: not marked');
  t.equal(await page.locator('[data-vip="VIP-L4"] td.http').textContent(), '–', 'the L4 VIP has no HTTP figures');

  t.match(await raw(`GET /ok HTTP/1.1\r\nHost: ${VIP}\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 200 /);
  t.match(await raw(`GET /none/x HTTP/1.1\r\nHost: ${VIP}\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 503 /);
  t.match(await raw(`GET / HTTP/1.1\r\nHost ${VIP}\r\n\r\n`), /^HTTP\/1\.1 400 /);
  const h = rt.counters().find((l) => l.info.vip === 'VIP-WEB')!.http!;
  const text = `${h.requests} req · ${h.noServer + h.badGateway} 5xx · ${h.badRequests} refused`;
  t.equal(text, '2 req · 1 5xx · 1 refused', 'what the VIP counted');
  await cell.filter({ hasText: text }).waitFor({ timeout: 10_000 });
  t.pass('the cell follows the traffic without a reload');
  t.ok(await cell.evaluate((e) => e.classList.contains('bad')), 'a 5xx marks it');
  t.match(await cell.getAttribute('title'), /503 no server 1, 502 bad gateway 0, header timeouts 0/, 'the breakdown in its title');
});
