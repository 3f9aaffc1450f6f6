// The real-socket Prober: dispatches each attempt to its per-type prober. All
// deadlines run on the injected Clock (RealClock in production). Types acesim does
// not simulate answer NOT_SIMULATED (pass or fail per options.unsimulatedProbesPass).
import type { Clock } from '../../core/clock.js';
import type { ProbeType } from '../../config/model.js';
import { probeOptions } from '../options.js';
import type { ProbeOptions } from '../options.js';
import type { ProbeInstance, ProbeResult, Prober } from '../types.js';
import { isSimulatedProbeType } from '../unsimulated.js';
import { result } from './common.js';
import type { ProberContext, TypeProber } from './common.js';
import { makeBannerProber } from './banner.js';
import { probeDns } from './dns.js';
import { HttpProber } from './http.js';
import type { HttpClientKind } from './http.js';
import { makeIcmpProber, systemPingRunner } from './icmp.js';
import type { PingRunner } from './icmp.js';
import { probeSnmp } from './snmp.js';
import { probeTcp } from './tcp.js';
import { probeEchoUdp, probeUdp } from './udp.js';

export interface NodeProberDeps {
  clock: Clock;
  options?: Partial<ProbeOptions>;
  /** ICMP runner; default runs the system `ping`. */
  pingRunner?: PingRunner;
  /** Plain-HTTP client (see HttpClientKind); default 'wire'. */
  httpClient?: HttpClientKind;
}

export class NodeProber implements Prober {
  readonly http: HttpProber;
  private readonly ctx: ProberContext;
  private readonly table: Partial<Record<ProbeType, TypeProber>>;

  constructor(deps: NodeProberDeps) {
    this.ctx = { clock: deps.clock, options: probeOptions(deps.options) };
    this.http = new HttpProber(this.ctx, deps.httpClient);
    const http: TypeProber = (_ctx, inst, signal) => this.http.probe(inst, signal);
    this.table = {
      tcp: probeTcp,
      udp: probeUdp,
      'echo-udp': probeEchoUdp,
      'echo-tcp': makeBannerProber('echo-tcp'),
      http,
      https: http,
      icmp: makeIcmpProber(deps.pingRunner ?? systemPingRunner),
      snmp: probeSnmp,
      dns: probeDns,
      smtp: makeBannerProber('smtp'),
      ftp: makeBannerProber('ftp'),
      pop: makeBannerProber('pop'),
      imap: makeBannerProber('imap'),
      telnet: makeBannerProber('telnet'),
      finger: makeBannerProber('finger'),
    };
  }

  async probe(inst: ProbeInstance, signal?: AbortSignal): Promise<ProbeResult> {
    const { clock, options } = this.ctx;
    const fn = isSimulatedProbeType(inst.key.probeType) ? this.table[inst.key.probeType] : undefined;
    if (!fn) return result(clock, clock.monotonicNow(), options.unsimulatedProbesPass, 'NOT_SIMULATED', `probe type ${inst.key.probeType} is not simulated`);
    try {
      return await fn(this.ctx, inst, signal);
    } catch (err) {
      // Probers return causes for network problems; anything thrown is a bug, reported not raised.
      return result(clock, clock.monotonicNow(), false, 'INTERNAL_ERROR', String(err));
    }
  }
}
