// `acesim show …` and the operator commands (`rserver`, `clear sticky
// database`, `ft switchover`, `reload`): thin clients of a running balancer's
// management API. They print what the API returns (ACE-like text, or JSON with
// --json) and map HTTP errors to exit codes; the token is sent, never printed.
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

export const DEFAULT_MGMT = '127.0.0.1:4710';

export interface MgmtClientOptions {
  /** URL or ADDRESS:PORT of the API (default ACESIM_MGMT_URL, else 127.0.0.1:4710). */
  mgmt?: string;
  tokenFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

async function request(io: CliIo, cmd: string, o: MgmtClientOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string } | number> {
  const env = o.env ?? {};
  const raw = o.mgmt ?? env['ACESIM_MGMT_URL'] ?? DEFAULT_MGMT;
  const base = /^https?:\/\//.test(raw) ? raw.replace(/\/+$/, '') : `http://${raw}`;
  let token = env['ACESIM_MGMT_TOKEN'];
  if (o.tokenFile !== undefined) {
    try {
      token = (await io.readFile(o.tokenFile)).trim();
    } catch {
      io.err(`acesim ${cmd}: cannot read the token file ${o.tokenFile}`);
      return EXIT_USAGE;
    }
  }
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    io.err(`acesim ${cmd}: cannot reach the management API at ${base} (${cause}); is \`acesim run\` up? Use --mgmt ADDRESS:PORT`);
    return EXIT_USAGE;
  }
}

/** Prints an error body as one line; 4xx from a bad name or state is a finding, auth a usage problem. */
function failed(io: CliIo, cmd: string, r: { status: number; text: string }): number {
  let msg = r.text.trim();
  try {
    const j = JSON.parse(r.text) as { error?: string; message?: string; diagnostics?: { file: string; line: number; col: number; severity: string; code: string; message: string }[] };
    msg = j.error ?? j.message ?? msg;
    for (const d of j.diagnostics ?? []) io.err(`${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`);
  } catch {
    // not JSON: print as is
  }
  io.err(`acesim ${cmd}: ${msg}`);
  return r.status === 401 || r.status === 403 || r.status === 405 ? EXIT_USAGE : EXIT_FINDINGS;
}

const TOPICS: Record<string, string> = { probe: 'probe', rserver: 'rserver', serverfarm: 'serverfarm', 'service-policy': 'service-policy', stats: 'stats', 'running-config': 'running-config' };

/** `acesim show TOPIC [NAME] [detail]`; `words` are the positionals after `show`. */
export async function runShow(io: CliIo, words: string[], o: MgmtClientOptions & { json?: boolean }): Promise<number> {
  const w = [...words];
  const detail = w[w.length - 1] === 'detail';
  if (detail) w.pop();
  let topic: string | undefined;
  let name: string | undefined;
  const head = w.shift();
  if (head === 'sticky' && w[0] === 'database') {
    w.shift();
    topic = 'sticky-database';
    const g = w[0] as string | undefined; // (w[0] was narrowed before the shift)
    if (g === 'group' || g === 'sticky-group') w.shift();
  } else if (head === 'ft' && w[0] === 'group') {
    w.shift();
    topic = 'ft-group';
  } else if (head !== undefined) topic = TOPICS[head];
  name = w.shift();
  if (topic === undefined || w.length > 0) {
    io.err('acesim show: expected probe|rserver|serverfarm|sticky database|service-policy|ft group|stats|running-config [NAME] [detail] (see `acesim help show`)');
    return EXIT_USAGE;
  }
  if (topic === 'ft-group' && name === 'detail') name = undefined;
  const q = new URLSearchParams();
  if (detail) q.set('detail', '1');
  if (!o.json) q.set('format', 'text');
  const path = `/api/show/${topic}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}?${q}`;
  const r = await request(io, 'show', o, 'GET', path);
  if (typeof r === 'number') return r;
  if (r.status !== 200) return failed(io, 'show', r);
  io.out(r.text.trimEnd());
  return EXIT_OK;
}

/** `acesim rserver NAME inservice | no inservice | inservice standby`. */
export async function runRserverCommand(io: CliIo, words: string[], o: MgmtClientOptions): Promise<number> {
  const [name, ...rest] = words;
  const spec = rest.join(' ');
  const admin = spec === 'inservice' ? 'inservice' : spec === 'no inservice' ? 'no-inservice' : spec === 'inservice standby' ? 'inservice-standby' : undefined;
  if (name === undefined || admin === undefined) {
    io.err('acesim rserver: expected NAME inservice | no inservice | inservice standby');
    return EXIT_USAGE;
  }
  const r = await request(io, 'rserver', o, 'POST', `/api/rserver/${encodeURIComponent(name)}`, { admin });
  if (typeof r === 'number') return r;
  if (r.status !== 200) return failed(io, 'rserver', r);
  const j = JSON.parse(r.text) as { rserver?: { state?: string } };
  io.out(`rserver ${name}: ${spec} (state ${j.rserver?.state ?? '?'})`);
  return EXIT_OK;
}

/** `acesim clear sticky database [all | GROUP | group GROUP]`. */
export async function runClearSticky(io: CliIo, words: string[], o: MgmtClientOptions): Promise<number> {
  const w = [...words];
  if (w[0] !== 'sticky' || w[1] !== 'database') {
    io.err('acesim clear: expected `clear sticky database [GROUP]`');
    return EXIT_USAGE;
  }
  w.splice(0, 2);
  const first = (): string | undefined => w[0];
  if (first() === 'group' || first() === 'sticky-group') w.shift();
  if (first() === 'all') w.shift();
  if (w.length > 1) {
    io.err('acesim clear sticky database: at most one group');
    return EXIT_USAGE;
  }
  const r = await request(io, 'clear', o, 'POST', '/api/sticky/clear', w[0] !== undefined ? { group: w[0] } : {});
  if (typeof r === 'number') return r;
  if (r.status !== 200) return failed(io, 'clear', r);
  const j = JSON.parse(r.text) as { cleared: number };
  io.out(`cleared ${j.cleared} sticky entr${j.cleared === 1 ? 'y' : 'ies'}${w[0] !== undefined ? ` of group ${w[0]}` : ''}`);
  return EXIT_OK;
}

/** `acesim ft switchover [GROUP]`. */
export async function runFtSwitchover(io: CliIo, words: string[], o: MgmtClientOptions): Promise<number> {
  if (words[0] !== 'switchover' || words.length > 2 || (words[1] !== undefined && !/^\d+$/.test(words[1]))) {
    io.err('acesim ft: expected `ft switchover [GROUP-ID]`');
    return EXIT_USAGE;
  }
  const r = await request(io, 'ft switchover', o, 'POST', '/api/ft/switchover', words[1] !== undefined ? { group: Number(words[1]) } : {});
  if (typeof r === 'number') return r;
  if (r.status !== 200) return failed(io, 'ft switchover', r);
  io.out((JSON.parse(r.text) as { message: string }).message);
  return EXIT_OK;
}

/** `acesim reload CONFIG`: sends the file's text; the balancer compiles it with its own --map/--port-offset. */
export async function runReloadCommand(io: CliIo, file: string | undefined, o: MgmtClientOptions): Promise<number> {
  if (file === undefined) {
    io.err('acesim reload: give the config file to load');
    return EXIT_USAGE;
  }
  let text: string;
  try {
    text = await io.readFile(file);
  } catch {
    io.err(`acesim reload: ${file}: cannot read`);
    return EXIT_USAGE;
  }
  const r = await request(io, 'reload', o, 'POST', '/api/reload', { file, text });
  if (typeof r === 'number') return r;
  if (r.status !== 200) return failed(io, 'reload', r);
  const j = JSON.parse(r.text) as { changes: string[]; failures: string[]; warnings: number };
  for (const c of j.changes) io.out(`reload: ${c}`);
  for (const f of j.failures) io.err(`acesim reload: NOT listening: ${f}`);
  io.out(`acesim reload: ${file} applied (${j.changes.length} change(s), ${j.warnings} warning(s))`);
  return j.failures.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
