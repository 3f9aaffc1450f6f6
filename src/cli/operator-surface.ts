// `acesim run`'s operator surface: the management API (show data, writes,
// /metrics, dashboard) over the running balancer, its token, and reloads by
// SIGHUP. Kept apart from run.ts so the run command only wires it in.
// The token is read here and handed to the API; it is never printed.
import type { Model } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import type { FtStatusSource } from '../ha/types.js';
import { MgmtApi, type ApiRuntime, type ReloadOutcome } from '../mgmt/api.js';
import { isLoopbackAddress } from '../mgmt/auth.js';
import { listenMgmt, parseHostPort, type MgmtServer } from '../mgmt/server.js';
import type { BalancerRuntime } from '../runtime/balancer-runtime.js';
import type { CliIo } from './io.js';
import { loadConfigFile } from './load-config.js';
import type { AddressMapping } from '../config/address-map.js';
import { DEFAULT_MGMT } from './show.js';
import { scaleModel } from '../lab/time-scale.js';

export interface SurfaceOptions {
  /** `--mgmt ADDR:PORT`, or `none`; default 127.0.0.1:4710. */
  mgmt?: string;
  mgmtTokenFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Checked before the balancer starts, so a bad flag costs nothing. */
export async function resolveSurface(io: CliIo, o: SurfaceOptions): Promise<{ ok: true; bind?: { host: string; port: number }; token?: string } | { ok: false; message: string }> {
  let token = o.env?.['ACESIM_MGMT_TOKEN'] || undefined;
  if (o.mgmtTokenFile !== undefined) {
    try {
      token = (await io.readFile(o.mgmtTokenFile)).trim();
    } catch {
      return { ok: false, message: `--mgmt-token-file ${o.mgmtTokenFile}: cannot read` };
    }
    if (token === '') return { ok: false, message: `--mgmt-token-file ${o.mgmtTokenFile}: the file is empty` };
  }
  if (o.mgmt === 'none') return { ok: true, ...(token ? { token } : {}) };
  const hp = parseHostPort(o.mgmt ?? DEFAULT_MGMT);
  if ('error' in hp) return { ok: false, message: `--mgmt: ${hp.error}` };
  if (!isLoopbackAddress(hp.host) && token === undefined) {
    return { ok: false, message: `--mgmt ${o.mgmt}: a management API off loopback needs a token (--mgmt-token-file FILE or ACESIM_MGMT_TOKEN)` };
  }
  return { ok: true, bind: hp, ...(token ? { token } : {}) };
}

export interface Surface {
  api: MgmtApi;
  server?: MgmtServer;
  /** SIGHUP: re-read the config file and reload; prints the outcome. */
  reloadFile(file: string): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

export async function startSurface(
  io: CliIo,
  resolved: { bind?: { host: string; port: number }; token?: string },
  w: {
    runtime: BalancerRuntime;
    model: Model;
    clock: Clock;
    maps: AddressMapping[];
    portOffset: number;
    ft?: FtStatusSource | undefined;
    /** `--time-scale`: a reloaded config is scaled like the one the run started with. */
    timeScale?: number;
    /** After an operator reload (an FT active pushes the config to its standby). */
    onReloaded?: (model: Model, text: string) => string[];
  },
): Promise<Surface> {
  const rt = w.runtime;
  // A view rather than the runtime itself: the FT source may live beside the runtime (FtMember).
  const view: ApiRuntime = {
    get context() {
      return rt.context;
    },
    get balancer() {
      return rt.balancer;
    },
    probes: rt.probes,
    probeBus: rt.probeBus,
    farmBus: rt.farmBus,
    counters: () => rt.counters(),
    ft: w.ft ?? (rt as { ft?: FtStatusSource }).ft,
    reload: (m) => rt.reload(m),
  };
  const api = new MgmtApi({
    runtime: view,
    model: w.model,
    clock: w.clock,
    auth: { token: resolved.token, readsNeedToken: resolved.bind !== undefined && !isLoopbackAddress(resolved.bind.host) },
    compile: async (text, file) => {
      const l = await loadConfigFile({ ...io, readFile: async () => text }, file, w.maps, w.portOffset);
      if (!l.ok) throw new Error(l.message); // unreachable: the text is in hand
      return w.timeScale !== undefined && w.timeScale !== 1 ? { ...l.compiled, model: scaleModel(l.compiled.model, w.timeScale) } : l.compiled;
    },
    ...(w.onReloaded ? { onReloaded: w.onReloaded } : {}),
  });
  let server: MgmtServer | undefined;
  if (resolved.bind) {
    try {
      server = await listenMgmt(api, resolved.bind.host, resolved.bind.port);
      io.out(`acesim run: management API ${server.url} (dashboard ${server.url}/, metrics ${server.url}/metrics)${resolved.token ? '' : '; writes disabled (no token)'}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      io.err(`acesim run: warning: management API not started on ${resolved.bind.host}:${resolved.bind.port}: ${code}${code === 'EADDRINUSE' ? ' (port in use; --mgmt ADDR:PORT or --mgmt none)' : ''}`);
    }
  }
  return {
    api,
    ...(server ? { server } : {}),
    reloadFile: async (file) => {
      let text: string;
      try {
        text = await io.readFile(file);
      } catch {
        const r: ReloadOutcome = { ok: false, error: `${file}: cannot read` };
        io.err(`acesim run: reload: ${r.error}`);
        return r;
      }
      const r = await api.reload(text, file);
      if (r.ok) io.out(`acesim run: reloaded ${file} (${r.changes.length} change(s))`);
      else {
        for (const d of r.diagnostics ?? []) io.err(`${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`);
        io.err(`acesim run: reload: ${r.error}`);
      }
      return r;
    },
    close: async () => {
      await server?.close();
      api.dispose();
    },
  };
}
