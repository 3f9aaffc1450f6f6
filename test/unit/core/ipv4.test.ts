// parseIpv4 (the hot-path parser) against a plain reference implementation.
import t from 'tap';
import fc from 'fast-check';
import { formatIpv4, parseIpv4 } from '../../../src/core/ipv4.js';

/** Reference: split on dots, four groups of 1–3 decimal digits, each ≤ 255. */
function reference(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let acc = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return -1;
    acc = acc * 256 + Number(p);
  }
  return acc;
}

t.test('every uint32 round-trips through formatIpv4', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n));
  t.equal(parseIpv4('172.16.0.1'), 0xac100001, 'a value above 2^31 stays unsigned');
  t.equal(parseIpv4('010.001.000.009'), (10 << 24) + (1 << 16) + 9, 'leading zeros are decimal');
});

t.test('agrees with the reference on arbitrary digit/dot strings', async (t) => {
  const ch = fc.constantFrom('0', '1', '2', '5', '9', '.', '.', 'a', ' ', ':', '-');
  fc.assert(fc.property(fc.array(ch, { maxLength: 18 }).map((a) => a.join('')), (s) => parseIpv4(s) === reference(s)), { numRuns: 20_000 });
  const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('', '0000', '00', '256', '999'));
  fc.assert(fc.property(fc.array(octet, { minLength: 3, maxLength: 5 }).map((a) => a.join('.')), (s) => parseIpv4(s) === reference(s)), { numRuns: 20_000 });
  for (const bad of ['1.2.3.4.', '.1.2.3', '1.2.3.4 ', '1.2.3.1000', '1.2.3.256', '']) t.equal(parseIpv4(bad), -1, JSON.stringify(bad));
});
