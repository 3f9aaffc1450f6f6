// Probe fixtures for tests: the reference config's probes (tms-ace.conf) built with
// defaultProbe() + overrides (tests must not depend on the parser), and a one-line
// way to make a ProbeInstance for an address/port.
import { defaultProbe } from '../../src/config/defaults.js';
import type { Probe, ProbeType, SourcePos } from '../../src/config/model.js';
import { Secret } from '../../src/core/secret.js';
import { instanceId } from '../../src/probes/types.js';
import type { PortType, ProbeInstance, ProbeInstanceKey } from '../../src/probes/types.js';

export const POS: SourcePos = { file: 'test.conf', line: 1, col: 1 };

export function probe(name: string, type: ProbeType, over: Partial<Probe> = {}): Probe {
  return { ...defaultProbe(name, type, POS), ...over };
}

const creds = (): Probe['credentials'] => ({ username: 'tms-service', password: new Secret('my_password') });

/** The probes of tms-ace.conf, field for field. */
export const REF = {
  'PROBE-HTTP-80': (): Probe =>
    probe('PROBE-HTTP-80', 'http', { port: 80, intervalMs: 10_000, passdetectIntervalMs: 45_000, receiveMs: 2_000, openMs: 2_000, request: { method: 'get', url: '/tms' }, expectStatus: [{ min: 200, max: 499 }] }),
  'CITIES-PROBE-TCP-443': (): Probe =>
    probe('CITIES-PROBE-TCP-443', 'https', { port: 443, intervalMs: 10_000, passdetectIntervalMs: 45_000, receiveMs: 20_000, openMs: 20_000, sslVersion: 'all', expectStatus: [{ min: 200, max: 400 }], appendPortHosttag: true }),
  'BOOKING-PROBE-TMS': (): Probe =>
    probe('BOOKING-PROBE-TMS', 'https', { port: 443, intervalMs: 10_000, passdetectIntervalMs: 10_000, sslVersion: 'all', credentials: creds(), request: { method: 'get', url: '/tms/booking' }, expectStatus: [{ min: 200, max: 400 }] }),
  'TMS-Monitoring-443': (): Probe =>
    probe('TMS-Monitoring-443', 'https', { port: 443, sslVersion: 'all', credentials: creds(), request: { method: 'get', url: '/tms' }, expectStatus: [{ min: 200, max: 400 }] }),
  'TMS-WEBSERVICES-443': (): Probe =>
    probe('TMS-WEBSERVICES-443', 'https', { port: 443, intervalMs: 10_000, sslVersion: 'all', credentials: creds(), request: { method: 'get', url: '/TMS/external/booking/bookingservice.asmx' }, expectStatus: [{ min: 200, max: 400 }] }),
};

export function instanceFor(p: Probe, address: string, port: number, opts: { rserver?: string; farm?: string; portType?: PortType } = {}): ProbeInstance {
  const key: ProbeInstanceKey = { probe: p.name, probeType: p.type, rserver: opts.rserver ?? 'RS1', address, port, portType: opts.portType ?? 'PROBE' };
  if (opts.farm) key.farm = opts.farm;
  const member = opts.farm ? { farm: opts.farm, rserver: key.rserver } : { rserver: key.rserver };
  return { id: instanceId(key), key, probe: p, members: [member], enabled: true, admin: 'inservice' };
}
