// `show service-policy` for an L7 VIP: the HTTP block under the VIP's
// connection counters, with and without `detail`; none for an L4 VIP.
import t from 'tap';
import { renderServicePolicy } from '../../../src/mgmt/show-text.js';
import type { VipView } from '../../../src/mgmt/read-model.js';
import { newCounters, newHttpCounters } from '../../../src/proxy/types.js';

const vip = (name: string, http: VipView['http']): VipView => ({
  policy: 'VIPS',
  vip: name,
  address: '127.0.190.40',
  protocol: 'tcp',
  ports: 'eq 80',
  farms: ['FW'],
  stickyGroups: [],
  state: 'UP',
  counters: { ...newCounters(), flows: 8, dropped: 1 },
  ...(http ? { http } : {}),
  listeners: [],
});

t.test('an L7 VIP has an HTTP block, an L4 VIP none', async (t) => {
  const http = { ...newHttpCounters(), requests: 7, noServer: 1, badGateway: 3, badRequests: 2, headerTimeouts: 4, upgrades: 5, tunnels: 6 };
  for (const detail of [false, true]) {
    const text = renderServicePolicy([vip('VIP-WEB', http), vip('VIP-L4', undefined)], detail);
    const [web, l4] = text.split('class: VIP-L4');
    t.match(
      web,
      [
        '        dropped conns    : 1',
        '        HTTP:',
        '          requests         : 7         , 4xx refused      : 2',
        '          503 no server    : 1         , 502 bad gateway  : 3',
        '          header timeouts  : 4         , upgrades         : 5',
        '          tunnels          : 6',
      ].join('\n'),
      `detail=${detail}`,
    );
    t.notMatch(l4 ?? '', /HTTP:/, 'nothing for the L4 VIP');
  }
});
