// The data plane's balancer across hot reloads: new flows are decided by the
// current Balancer; every later call about a flow (open, close, failure,
// failaction, reselect) goes to the Balancer that decided it, so connections
// established before a reload settle their accounting where they opened it.
// Invariant: a ServerDecision is owned by exactly one Balancer. No time.
import type { Balancer } from '../farm/balancer.js';
import type { Decision, ExistingFlowAction, Flow, HttpRequestInfo, ServerDecision } from '../farm/types.js';
import type { BalancerPort } from '../proxy/types.js';

export class BalancerSwitch implements BalancerPort {
  // Decisions are fresh objects per flow: a WeakMap forgets them with the flow.
  private readonly owner = new WeakMap<Decision, Balancer>();

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
    return this.owner.get(d) ?? this.cur;
  }

  private own(b: Balancer, d: Decision): Decision {
    if (d.kind === 'server') this.owner.set(d, b);
    return d;
  }

  select(vipClass: string, flow: Flow, request?: HttpRequestInfo): Decision {
    return this.own(this.cur, this.cur.select(vipClass, flow, request));
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
