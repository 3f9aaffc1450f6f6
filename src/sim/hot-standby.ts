// The node-side hot-standby controller of deployments.md (telisca style), next
// to the balancer in a simulated run: the node that is not active polls the
// active node's monitor URL every heartbeat (a poll fails on refusal at once,
// on no answer after `timeout`), takes over after `failures` failed polls in a
// row plus its service start, and — with auto failback — hands back to the
// primary after `failbackSuccesses` good polls of it. The state machine is a
// pure reducer; the driver runs it on the run's clock against the simulated
// network. Timebase: virtual ms.
import type { HotStandbyController } from '../lab/scenario.js';
import type { RunContext } from './simulate.js';

export interface ControllerState {
  /** The node serving as active; undefined while the new one starts its services. */
  active: string | undefined;
  /** The node that will be active once `startingUntilMs` passes. */
  next: string | undefined;
  startingUntilMs: number;
  consecFail: number;
  consecOk: number;
}

export type ControllerInput = { kind: 'poll'; nowMs: number; ok: boolean } | { kind: 'started'; nowMs: number };
export type ControllerEffect = { kind: 'start-services'; untilMs: number } | { kind: 'active'; node: string | undefined };

export function initialControllerState(c: HotStandbyController): ControllerState {
  return { active: c.primary, next: undefined, startingUntilMs: 0, consecFail: 0, consecOk: 0 };
}

/** Whom the controller polls now: the active node (failure watch) or, for failback, the primary. */
export function pollTarget(s: ControllerState, c: HotStandbyController): string | undefined {
  if (s.active === undefined) return undefined;
  if (c.autoFailback && s.active !== c.primary) return c.primary;
  return s.active;
}

export function stepController(s: ControllerState, input: ControllerInput, c: HotStandbyController): { state: ControllerState; effects: ControllerEffect[] } {
  if (input.kind === 'started') {
    if (s.next === undefined) return { state: s, effects: [] };
    return { state: { ...s, active: s.next, next: undefined, consecFail: 0, consecOk: 0 }, effects: [{ kind: 'active', node: s.next }] };
  }
  if (s.active === undefined) return { state: s, effects: [] };
  const other = s.active === c.primary ? c.standby : c.primary;
  const failback = c.autoFailback && s.active !== c.primary;
  if (failback) {
    // Watching the primary come back: good polls in a row hand the role back.
    const consecOk = input.ok ? s.consecOk + 1 : 0;
    if (consecOk < c.failbackSuccesses) return { state: { ...s, consecOk }, effects: [] };
    return takeOver(s, c.primary, input.nowMs, c);
  }
  const consecFail = input.ok ? 0 : s.consecFail + 1;
  if (consecFail < c.failures) return { state: { ...s, consecFail }, effects: [] };
  return takeOver(s, other, input.nowMs, c);
}

function takeOver(s: ControllerState, node: string, nowMs: number, c: HotStandbyController): { state: ControllerState; effects: ControllerEffect[] } {
  const untilMs = nowMs + c.serviceStartMs;
  return {
    state: { ...s, active: undefined, next: node, startingUntilMs: untilMs, consecFail: 0, consecOk: 0 },
    effects: [{ kind: 'active', node: undefined }, { kind: 'start-services', untilMs }],
  };
}

/** When the controller's active node changed (undefined: nobody active while services start). */
export interface ControllerChange {
  atMs: number;
  active: string | undefined;
}

/** Runs the controller on a run's clock; `log` receives every change, `onChange` is told at once. */
export function attachController(run: RunContext, c: HotStandbyController, log: ControllerChange[], onChange: (atMs: number) => void): void {
  const { clock, net, plan } = run;
  let state = initialControllerState(c);
  log.push({ atMs: 0, active: state.active });
  const apply = (input: ControllerInput) => {
    const out = stepController(state, input, c);
    state = out.state;
    for (const fx of out.effects) {
      if (fx.kind === 'active') {
        log.push({ atMs: clock.monotonicNow(), active: fx.node });
        onChange(clock.monotonicNow());
      } else clock.setTimer(fx.untilMs - clock.monotonicNow(), () => apply({ kind: 'started', nowMs: clock.monotonicNow() }));
    }
  };
  const poll = () => {
    const started = clock.monotonicNow();
    const target = pollTarget(state, c);
    // The polling node must itself be up to poll; a poll of an unresponsive node ends at the timeout.
    const poller = target === c.primary ? c.standby : c.primary;
    const pollerUp = net.condition(plan.addressOf.get(poller) ?? '').kind === 'up';
    const cond = target !== undefined ? net.condition(plan.addressOf.get(target) ?? '') : undefined;
    let ok = false;
    let tookMs = 0;
    if (cond && pollerUp) {
      if (cond.kind === 'up') ok = true;
      else if (cond.kind === 'slow') ok = cond.ms < c.timeoutMs;
      else if (cond.kind === 'hang' || cond.kind === 'blackhole') tookMs = c.timeoutMs;
      if (cond.kind === 'slow') tookMs = Math.min(cond.ms, c.timeoutMs);
    }
    const finish = () => {
      if (cond && pollerUp) apply({ kind: 'poll', nowMs: clock.monotonicNow(), ok });
      const nextIn = Math.max(0, started + c.heartbeatMs - clock.monotonicNow());
      if (clock.monotonicNow() + nextIn < run.endMs) clock.setTimer(nextIn, poll);
    };
    if (tookMs > 0) clock.setTimer(tookMs, finish);
    else finish();
  };
  clock.setTimer(c.heartbeatMs, poll);
}
