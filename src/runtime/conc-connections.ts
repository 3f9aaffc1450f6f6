// The concurrent-connection limit of a running context from the Admin
// context's resource classes (`limit-resource conc-connections` or `all`,
// ace-semantics §6.7): a percentage of the device's connection capacity, and
// its application to the live budget at a reload. No time, no I/O.
import type { Model } from '../config/model.js';

/**
 * Concurrent connections of one ACE 4710 appliance: the datasheet figure as we
 * recall it (1 million); unconfirmed [U-L]. Only matters for small percentages.
 */
export const ACE_4710_CONC_CONNECTIONS = 1_000_000;

/**
 * The limit for context `name`, or undefined when no resource class bounds it.
 * A context not listed under `context NAME … member RC` belongs to class `default`.
 * The effective ceiling is the maximum (`equal-to-min` → the minimum; `unlimited`
 * → the whole device): a lone context may use what the others leave free.
 */
export function concConnectionLimit(model: Model, name: string, device = ACE_4710_CONC_CONNECTIONS): number | undefined {
  const member = model.contextDefs.find((c) => c.name === name)?.member?.name ?? 'default';
  const rc = model.resourceClasses.find((r) => r.name === member);
  if (!rc) return undefined;
  const row = rc.limits.find((l) => l.resource === 'conc-connections') ?? rc.limits.find((l) => l.resource === 'all');
  if (!row) return undefined;
  const pct = row.maximum === 'unlimited' ? 100 : row.maximum === 'equal-to-min' ? row.minimumPct : row.maximum;
  if (pct >= 100) return undefined;
  return Math.max(0, Math.floor((pct / 100) * device));
}

/** Sets a reloaded context's limit on the live budget; the operator's line when it changed. */
export function applyConcConnections(budget: { limit: number; active: number; setLimit(n: number): void }, limit: number): string | undefined {
  const old = budget.limit;
  if (old === limit) return undefined;
  budget.setLimit(limit);
  const show = (n: number): string => (n === Infinity ? 'unlimited' : String(n));
  const over = budget.active > limit ? `; ${budget.active - limit} over it: new connections wait until enough end` : '';
  return `conc-connections: ${show(old)} -> ${show(limit)} (${budget.active} connection(s) open stay counted${over})`;
}
