// The live dashboard in headless Chromium (Debian `chromium`, driven by
// playwright-core): a balancer in front of two loopback HTTP nodes, the page
// open, one node killed; the DOM must show it PROBE-FAILED (from the event
// stream, no reload) and the timeline must say so; then a screenshot.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { MgmtApi } from '../../../src/mgmt/api.js';
import { listenMgmt } from '../../../src/mgmt/server.js';
import { createRuntime } from '../../../src/runtime/balancer-runtime.js';
import { TmsNode } from '../proxy/tms-nodes.js';
import { configText } from '../../unit/mgmt/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const PORT = 22000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.92.1';
const N1 = '127.0.92.11';
const N2 = '127.0.92.12';

t.test('a node failure shows up live on the dashboard', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (Debian package chromium; .ci/run installs it)` }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-dash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nodes = [new TmsNode('n1', N1), new TmsNode('n2', N2)];
  for (const n of nodes) await n.start({ http: PORT });
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));

  const clock = new RealClock();
  const c = compileConfig(configText({ vip: VIP, port: PORT, n1: N1, n2: N2 }), 'dash.conf');
  const created = createRuntime({ model: c.model, clock, drainMs: 200 });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  t.same((await rt.start()).failures, []);
  t.teardown(() => rt.stop());
  const api = new MgmtApi({ runtime: rt, model: c.model, clock, auth: { token: undefined, readsNeedToken: false } });
  const server = await listenMgmt(api, '127.0.0.1', 0);
  t.teardown(async () => {
    await server.close();
    api.dispose();
  });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url + '/');
  const n1State = page.locator('[data-real="FARM/N1"] .state');
  await n1State.filter({ hasText: 'OPERATIONAL' }).waitFor({ timeout: 15_000 });
  t.equal(await page.locator('[data-vip="VIP-WEB"] .state').textContent(), 'INSERVICE');
  t.equal(await page.locator('[data-group="STK"] td').first().textContent(), 'STK');
  // Probe history squares appear as probes conclude (interval 2 s).
  await page.locator('[data-real="FARM/N2"] .hist span').first().waitFor({ timeout: 15_000 });

  await nodes[0]!.stop();
  await n1State.filter({ hasText: 'PROBE-FAILED' }).waitFor({ timeout: 20_000 });
  t.equal(await n1State.textContent(), 'PROBE-FAILED', 'N1 shows PROBE-FAILED');
  t.equal(await page.locator('[data-real="FARM/N2"] .state').textContent(), 'OPERATIONAL', 'N2 stays up');
  await page.locator('#timeline li', { hasText: 'OPERATIONAL -> PROBE-FAILED' }).first().waitFor({ timeout: 5_000 });
  t.pass('the timeline recorded the transition');
  t.ok((await page.locator('[data-real="FARM/N1"] .hist span.fail').count()) >= 1, 'a failed probe in N1 history');

  const shot = join(dir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = readFileSync(shot);
  t.ok(png.length > 2000, `screenshot has ${png.length} bytes`);
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
});
