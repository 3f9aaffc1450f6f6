// The data plane's balancer across hot reloads: new flows are decided by the
// current Balancer; every later call about a flow (open, close, failure,
// failaction, reselect) goes to the Balancer that decided it, so connections
// established before a reload settle their accounting where they opened it.
// Invariant: a ServerDecision is owned by exactly one Balancer, and so is every
// copy of it. No time.
import type { PersistenceRebalance } from '../config/model.js';
import type { Balancer } from '../farm/balancer.js';
import type { Decision, ExistingFlowAction, Flow, HttpRequestInfo, ServerDecision } from '../farm/types.js';
import type { BalancerPort } from '../proxy/types.js';

// The owner rides on the decision under a symbol key (a spread copy keeps it,
// which a WeakMap keyed by the object would not; proxies once kept copies and
// every pre-reload flow lost its owner). The decision holds its balancer exactly
// as long as the flow holds the decision: a replaced balancer lives as long as
// its last flow.
const OWNER: unique symbol = Symbol('acesim.balancer');
type Owned = Decision & { [OWNER]?: Balancer };

export class BalancerSwitch implements BalancerPort {
  constructor(private cur: Balancer) {}

  get current(): Balancer {
    return this.cur;
  }

  /** New flows go to `next` from now on; returns the previous balancer. */
  swap(next: Balancer): Balancer {
    const old = this.cur;
    this.cur = next;
    return old;
  }

  private of(d: Decision): Balancer {
    return (d as Owned)[OWNER] ?? this.cur;
  }

  private own(b: Balancer, d: Decision): Decision {
    if (d.kind === 'server') (d as Owned)[OWNER] = b;
    return d;
  }

  select(vipClass: string, flow: Flow, request?: HttpRequestInfo, previous?: ServerDecision, persistence?: PersistenceRebalance): Decision {
    // A connection's previous real from before a reload is not the current balancer's to continue: balanced afresh.
    const cont = previous !== undefined && this.of(previous) === this.cur ? previous : undefined;
    return this.own(this.cur, this.cur.select(vipClass, flow, request, cont, persistence));
  }

  reselect(flow: Flow, failed: ServerDecision): Decision {
    const b = this.of(failed);
    return this.own(b, b.reselect(flow, failed));
  }

  open(d: Decision): void {
    this.of(d).open(d);
  }

  close(d: Decision): void {
    this.of(d).close(d);
  }

  reportFailure(d: ServerDecision): void {
    this.of(d).reportFailure(d);
  }

  existingFlowAction(d: ServerDecision, flow: Flow): ExistingFlowAction {
    const b = this.of(d);
    const a = b.existingFlowAction(d, flow);
    if (a.kind === 'move') this.own(b, a.to);
    return a;
  }
}
