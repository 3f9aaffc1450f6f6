// SNMP probe (§4.1/§4.2): a GET of the configured OIDs (sysUpTime.0 when none) with
// the probe's community and version; the reply must come within `receive` on the
// injected Clock. The community is revealed only into the session, never into results.
import snmp from 'net-snmp';
import { Deadline, errorText, result } from './common.js';
import type { TypeProber } from './common.js';
import type { ProbeResult } from '../types.js';

export const SYS_UPTIME_OID = '1.3.6.1.2.1.1.3.0';

export const probeSnmp: TypeProber = (ctx, inst, signal) => {
  const { clock, options } = ctx;
  const p = inst.probe;
  const start = clock.monotonicNow();
  const oids = p.oids.length > 0 ? p.oids.map((o) => o.oid) : [SYS_UPTIME_OID];
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const session = snmp.createSession(inst.key.address, p.community?.reveal() ?? 'public', {
      port: inst.key.port,
      version: p.snmpVersion === '2c' ? snmp.Version2c : snmp.Version1,
      retries: 0,
      // Our Deadline decides; the library's own timer is only a backstop.
      timeout: p.receiveMs + 1_000,
      transport: inst.key.address.includes(':') ? 'udp6' : 'udp4',
    });
    const deadline = new Deadline(clock, p.receiveMs, signal);
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      deadline.clear();
      try {
        session.close();
      } catch {
        // already closed
      }
      resolve(r);
    };
    session.on('error', (err: unknown) => {
      const code = (err as { code?: string }).code;
      finish(result(clock, start, false, code === 'ECONNREFUSED' ? 'ICMP_UNREACHABLE' : 'L7_SNMP_ERROR', errorText(err)));
    });
    deadline.signal.addEventListener('abort', () =>
      finish(deadline.expired ? result(clock, start, false, 'L7_RECEIVE_TIMEOUT', `no SNMP reply within ${p.receiveMs} ms`) : result(clock, start, false, 'INTERNAL_ERROR', 'aborted')),
    );
    session.get(oids, (error, varbinds) => {
      if (error) {
        const code = (error as { code?: string }).code;
        if (error instanceof snmp.RequestTimedOutError) return finish(result(clock, start, false, 'L7_RECEIVE_TIMEOUT', 'SNMP request timed out'));
        if (code === 'ECONNREFUSED') return finish(result(clock, start, false, 'ICMP_UNREACHABLE', errorText(error)));
        return finish(result(clock, start, false, 'L7_SNMP_ERROR', errorText(error)));
      }
      for (const [i, vb] of (varbinds ?? []).entries()) {
        if (snmp.isVarbindError(vb)) return finish(result(clock, start, false, 'L7_SNMP_ERROR', `${vb.oid}: ${snmp.varbindError(vb)}`));
        const cfg = p.oids[i];
        if (cfg?.threshold !== undefined && options.snmpThresholdExceededFails) {
          const v = Number(vb.value);
          if (Number.isFinite(v) && v > cfg.threshold) return finish(result(clock, start, false, 'L7_SNMP_ERROR', `${vb.oid} value ${v} above threshold ${cfg.threshold}`));
        }
      }
      finish(result(clock, start, true, 'OK'));
    });
  });
};
