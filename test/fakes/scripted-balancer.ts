// A BalancerPort whose decisions a test scripts: `first` answers select(),
// `second` every reselect() after a failed connect. It logs each open, close,
// failure report and reselect in order (so a test can check the accounting is
// exactly once per attempt), keeps the request info select() was given, and
// answers existingFlowAction() with `flowAction` (a failaction test changes it).
import { RealClock } from '../../src/core/real-clock.js';
import type { Decision, ExistingFlowAction, Flow, HttpRequestInfo, ServerDecision } from '../../src/farm/types.js';
import { nodeNetPorts } from '../../src/proxy/net-ports.js';
import { NULL_LOGGER, type BalancerPort, type ProxyDeps, type VipBinding } from '../../src/proxy/types.js';

/** A server decision for farm F, as the balancer makes it (no sticky, no backup). */
export const serverDecision = (address: string, port: number, rserver = address): ServerDecision => ({
  kind: 'server', farm: 'F', rserver, address, port, stickyHit: false, viaBackupFarm: false, viaBackupRserver: false, inserts: [], insertsFirstOnly: false, realId: 0, actionId: 0, stickyGroup: -1, stickyHi: 0, stickyLo: 0,
});

export class ScriptedBalancer implements BalancerPort {
  log: string[] = [];
  readonly requests: (HttpRequestInfo | undefined)[] = [];
  flowAction: ExistingFlowAction = { kind: 'keep' };
  constructor(
    public first: () => Decision,
    public second: () => Decision = () => ({ kind: 'no-server', reason: 'farm-down' }),
  ) {}
  open = (d: Decision): void => void this.log.push(`open ${d.kind === 'server' ? d.rserver : d.kind}`);
  close = (d: Decision): void => void this.log.push(`close ${d.kind === 'server' ? d.rserver : d.kind}`);
  reportFailure = (d: ServerDecision): void => void this.log.push(`fail ${d.rserver}`);
  select = (_v: string, _f: Flow, r?: HttpRequestInfo): Decision => {
    this.requests.push(r);
    return this.first();
  };
  reselect = (_f: Flow, d: ServerDecision): Decision => {
    this.log.push(`reselect after ${d.rserver}`);
    return this.second();
  };
  existingFlowAction = (): ExistingFlowAction => this.flowAction;
}

/** An ACL that permits everything. */
export const permitAll: VipBinding['acl'] = () => ({ permit: true, acl: 'ALL', line: 1 });

/** A proxy's ports on real sockets: bind-client transparency, 60 s idle timeouts, 1 s connect timeout. */
export const proxyDeps = (balancer: BalancerPort): ProxyDeps => ({ clock: new RealClock(), net: nodeNetPorts, balancer, logger: NULL_LOGGER, transparency: 'bind-client', timeouts: { tcpIdleMs: 60_000, udpIdleMs: 60_000, connectTimeoutMs: 1000 } });
