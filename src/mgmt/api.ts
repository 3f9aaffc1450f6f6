// The management API as a request → response function, apart from any
// socket (server.ts listens; tests call handle()). Routes: show data and text,
// operator writes (rserver admin, clear sticky, FT switchover, reload),
// Prometheus /metrics, the dashboard page and its event stream.
// Invariants: handle() never throws; bad input is a 4xx JSON error; the token
// and the config's secrets never appear in a response.
import type { AdminState, Model } from '../config/model.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { printAce } from '../config/print-ace.js';
import type { Clock } from '../core/clock.js';
import type { ProbeEngine } from '../probes/probe-engine.js';
import type { ReloadApplied } from '../runtime/reload.js';
import { authorize, presentedToken, type AuthPolicy } from './auth.js';
import { dashboardHtml } from './dashboard-html.js';
import { LiveHub } from './live.js';
import { createMetrics, type Metrics } from './metrics.js';
import * as view from './read-model.js';
import type { MgmtRuntime } from './read-model.js';
import * as text from './show-text.js';

export interface MgmtRequest {
  method: string;
  /** Path and query, e.g. `/api/show/serverfarm/FARM?detail=1`. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body?: string;
  /** The peer's address (server.ts sets it; injected requests may leave it out). */
  remoteAddress?: string | undefined;
}

export type MgmtResponse = { status: number; contentType: string; body: string } | { status: 200; events: true };

export type ReloadOutcome =
  | { ok: true; changes: string[]; failures: string[]; warnings: number }
  | { ok: false; error: string; diagnostics?: PublicDiagnostic[] };

/** A diagnostic as the API returns it (no source excerpt: the line could hold a secret). */
export type PublicDiagnostic = Pick<Diagnostic, 'severity' | 'code' | 'message' | 'file' | 'line' | 'col'> & { hint?: string };

export interface ApiRuntime extends MgmtRuntime {
  readonly probes: Pick<ProbeEngine, 'snapshot' | 'startLag' | 'disable' | 'enable'>;
  reload?(model: Model): Promise<{ ok: true; applied: ReloadApplied } | { ok: false; message: string }>;
}

export interface MgmtDeps {
  runtime: ApiRuntime;
  /** The whole model the runtime was started from (for running-config). */
  model: Model;
  clock: Clock;
  auth: AuthPolicy;
  /** Compiles config text the way `acesim run` did (same maps and offset). Without it, reload is refused. */
  compile?: (text: string, file: string) => Promise<{ model: Model; diagnostics: Diagnostic[] }>;
  /** After a reload by the operator: an FT active pushes the text to its standby; returns lines for the operator. */
  onReloaded?: (model: Model, text: string) => string[];
}

export const SHOW_TOPICS = ['probe', 'rserver', 'serverfarm', 'sticky-database', 'service-policy', 'ft-group', 'stats', 'running-config'] as const;
export type ShowTopic = (typeof SHOW_TOPICS)[number];

const ADMIN: Record<string, AdminState> = { inservice: 'inservice', 'no-inservice': 'outofservice', outofservice: 'outofservice', standby: 'standby', 'inservice-standby': 'standby' };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: object = {},
  ) {
    super(message);
  }
}

const json = (status: number, data: unknown): MgmtResponse => ({ status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(data, null, 2) + '\n' });
const plain = (body: string): MgmtResponse => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: body.endsWith('\n') ? body : body + '\n' });

export class MgmtApi {
  readonly live: LiveHub;
  readonly metrics: Metrics;
  private model: Model;
  /** Probe instances the operator stopped with `no inservice` (only those are restarted by `inservice`). */
  private readonly operatorDisabled = new Set<string>();

  /** The whole model in force (the one `show running-config` prints). */
  get runningModel(): Model {
    return this.model;
  }

  constructor(private readonly deps: MgmtDeps) {
    this.model = deps.model;
    this.live = new LiveHub(() => deps.runtime, deps.clock);
    this.metrics = createMetrics(() => deps.runtime);
  }

  async handle(req: MgmtRequest): Promise<MgmtResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      if (err instanceof HttpError) return json(err.status, { error: err.message, ...err.extra });
      return json(500, { error: 'internal error while handling the request' });
    }
  }

  private async route(req: MgmtRequest): Promise<MgmtResponse> {
    let url: URL;
    try {
      url = new URL(req.url, 'http://mgmt.invalid');
    } catch {
      throw new HttpError(400, 'malformed request URL');
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const parts = path.split('/').filter((p) => p !== '').map((p) => safeDecode(p));
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') throw new HttpError(405, `method ${req.method} is not allowed`);
    const auth = authorize(this.deps.auth, write, presentedToken(header(req, 'authorization'), url.searchParams, !write), { remoteAddress: req.remoteAddress, host: header(req, 'host') });
    if (!auth.ok) throw new HttpError(auth.status, auth.error);

    if (!write) {
      if (path === '/' || path === '/dashboard') return { status: 200, contentType: 'text/html; charset=utf-8', body: dashboardHtml() };
      if (path === '/events') return { status: 200, events: true };
      if (path === '/metrics') return { status: 200, contentType: this.metrics.contentType, body: await this.metrics.render() };
      if (path === '/api/dashboard') return json(200, this.live.state());
      if (parts[0] === 'api' && parts[1] === 'show') return this.show(parts[2], parts[3], url.searchParams);
      if (path === '/api') return json(200, { show: SHOW_TOPICS.map((t) => `/api/show/${t}[/NAME]`), write: ['/api/rserver/NAME', '/api/sticky/clear', '/api/ft/switchover', '/api/reload'], other: ['/metrics', '/', '/events'] });
      if (isWriteRoute(path)) throw new HttpError(405, `${path} takes POST`);
      throw new HttpError(404, `no route ${path}`);
    }
    const body = parseBody(req.body);
    if (parts[0] === 'api' && parts[1] === 'rserver' && parts[2] !== undefined && parts.length === 3) return this.rserverAdmin(parts[2], body);
    if (path === '/api/sticky/clear') return this.clearSticky(body);
    if (path === '/api/ft/switchover') return this.switchover(body);
    if (path === '/api/reload') {
      const file = optString(body, 'file') ?? 'reload.conf';
      const configText = optString(body, 'text');
      if (configText === undefined) throw new HttpError(400, 'reload needs {"text": "<config>", "file": "NAME"}');
      const r = await this.reload(configText, file);
      return json(r.ok ? 200 : 422, r);
    }
    throw new HttpError(404, `no route POST ${path}`);
  }

  private show(topic: string | undefined, name: string | undefined, q: URLSearchParams): MgmtResponse {
    const detail = q.get('detail') === '1' || q.get('detail') === 'true';
    const asText = q.get('format') === 'text';
    const rt = this.deps.runtime;
    const out = (data: unknown, render: () => string): MgmtResponse => (asText ? plain(render()) : json(200, data));
    switch (topic) {
      case 'probe': {
        const d = view.probes(rt, name);
        if (name !== undefined && d.probes.length === 0) throw new HttpError(404, `no probe named ${name}`);
        return out(d, () => text.renderProbes(d));
      }
      case 'rserver': {
        const d = view.rservers(rt, name);
        if (name !== undefined && d.length === 0) throw new HttpError(404, `no rserver named ${name}`);
        return out({ rservers: d }, () => text.renderRservers(d, detail));
      }
      case 'serverfarm': {
        const d = view.farms(rt, name);
        if (name !== undefined && d.length === 0) throw new HttpError(404, `no serverfarm named ${name}`);
        return out({ serverfarms: d }, () => text.renderServerfarms(d, detail));
      }
      case 'sticky-database': {
        const limit = boundedInt(q.get('limit'), 1000, 1, 100_000);
        const d = view.sticky(rt, name, limit);
        if (name !== undefined && d.length === 0) throw new HttpError(404, `no sticky group named ${name}`);
        return out({ groups: d }, () => text.renderSticky(d, detail));
      }
      case 'service-policy': {
        const d = view.vips(rt, name);
        if (name !== undefined && d.length === 0) throw new HttpError(404, `no service-policy named ${name} applies a VIP`);
        return out({ vips: d }, () => text.renderServicePolicy(d, detail));
      }
      case 'ft-group': {
        const id = name === undefined ? undefined : Number(name);
        if (id !== undefined && !Number.isInteger(id)) throw new HttpError(400, `FT group must be a number, got "${name}"`);
        const d = view.ft(rt, id);
        return out(d, () => text.renderFtGroups(d));
      }
      case 'stats': {
        const d = view.stats(rt);
        return out(d, () => text.renderStats(d));
      }
      case 'running-config': {
        const t = printAce(view.runningModel(this.model, rt));
        return out({ text: t }, () => t);
      }
      default:
        throw new HttpError(404, `show ${topic ?? ''}: unknown; one of ${SHOW_TOPICS.join(', ')}`);
    }
  }

  private rserverAdmin(name: string, body: Record<string, unknown>): MgmtResponse {
    const rt = this.deps.runtime;
    const want = optString(body, 'admin');
    const admin = want === undefined ? undefined : ADMIN[want];
    if (admin === undefined) throw new HttpError(400, `rserver: "admin" must be one of inservice, no-inservice, inservice-standby`);
    if (rt.balancer.snapshotRservers(name).length === 0) throw new HttpError(404, `no rserver named ${name}`);
    rt.balancer.setRserverAdmin(name, admin);
    // Probes follow the global admin state: an out-of-service real is not probed (§2.1).
    for (const i of rt.probes.snapshot().instances) {
      if (i.key.rserver !== name) continue;
      if (admin === 'outofservice' && i.health !== 'DISABLED') {
        rt.probes.disable(i.id);
        this.operatorDisabled.add(i.id);
      } else if (admin !== 'outofservice' && this.operatorDisabled.delete(i.id)) rt.probes.enable(i.id);
    }
    const label = admin === 'outofservice' ? 'no inservice' : admin === 'standby' ? 'inservice standby' : 'inservice';
    this.live.noteNow('operator', `rserver ${name}: ${label}`);
    return json(200, { ok: true, rserver: view.rservers(rt, name)[0] });
  }

  private clearSticky(body: Record<string, unknown>): MgmtResponse {
    const rt = this.deps.runtime;
    const group = optString(body, 'group');
    if (group !== undefined && rt.balancer.store.groupId(group) === undefined) throw new HttpError(404, `no sticky group named ${group}`);
    const cleared = rt.balancer.clearSticky(group);
    this.live.noteNow('operator', `clear sticky database ${group ? `group ${group}` : 'all'}: ${cleared} entries`);
    return json(200, { ok: true, cleared });
  }

  private switchover(body: Record<string, unknown>): MgmtResponse {
    const ft = this.deps.runtime.ft;
    if (!ft) throw new HttpError(409, 'FT not configured: there is no FT group to switch over');
    const g = body['group'];
    if (g !== undefined && !(typeof g === 'number' && Number.isInteger(g))) throw new HttpError(400, '"group" must be an integer FT group id');
    const r = ft.switchover(g as number | undefined);
    this.live.noteNow('operator', `ft switchover${g !== undefined ? ` ${g}` : ''}: ${r.message}`);
    return json(r.ok ? 200 : 409, r);
  }

  /** Checks then applies new config text (`acesim reload`, SIGHUP). With errors nothing changes. */
  async reload(configText: string, file: string, opts: { fromActive?: boolean } = {}): Promise<ReloadOutcome> {
    const compile = this.deps.compile;
    const rt = this.deps.runtime;
    if (!compile || !rt.reload) return { ok: false, error: 'this balancer cannot reload (no compiler wired)' };
    // A standby takes its configuration from the active (ace-semantics §7.4): it refuses changes.
    // The config the active pushes over the FT channel is the one exception (ft auto-sync).
    const standby = opts.fromActive ? undefined : rt.ft?.groups().find((g) => g.myState.startsWith('FSM_FT_STATE_STANDBY'));
    if (standby) {
      this.live.noteNow('reload', `reload of ${file} refused: ft group ${standby.id} is ${standby.myState}`);
      return { ok: false, error: `ft group ${standby.id} is ${standby.myState}: a standby member refuses configuration changes; reload the active member (and then load the same file here)` };
    }
    const c = await compile(configText, file);
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      this.live.noteNow('reload', `reload of ${file} refused: ${errors.length} error(s)`);
      return { ok: false, error: `${file} has ${errors.length} error(s); nothing changed`, diagnostics: errors.map(publicDiagnostic) };
    }
    const r = await rt.reload(c.model);
    if (!r.ok) return { ok: false, error: r.message };
    this.model = c.model;
    this.live.noteNow('reload', `reloaded ${file}: ${r.applied.changes.length} change(s)`);
    const ftLines = opts.fromActive ? [] : (this.deps.onReloaded?.(c.model, configText) ?? []);
    return { ok: true, changes: [...r.applied.changes, ...ftLines], failures: r.applied.failures, warnings: c.diagnostics.filter((d) => d.severity === 'warning').length };
  }

  dispose(): void {
    this.live.dispose();
    this.metrics.dispose();
  }
}

function publicDiagnostic(d: Diagnostic): PublicDiagnostic {
  return { severity: d.severity, code: d.code, message: d.message, file: d.file, line: d.line, col: d.col, ...(d.hint ? { hint: d.hint } : {}) };
}

function header(req: MgmtRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

function isWriteRoute(path: string): boolean {
  return path === '/api/reload' || path === '/api/sticky/clear' || path === '/api/ft/switchover' || /^\/api\/rserver\/[^/]+$/.test(path);
}

function parseBody(body: string | undefined): Record<string, unknown> {
  if (body === undefined || body.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (e) {
    throw new HttpError(400, `request body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

function optString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `"${key}" must be a string`);
  return v;
}

function boundedInt(v: string | null, dflt: number, min: number, max: number): number {
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `limit must be an integer ${min}–${max}`);
  return n;
}
