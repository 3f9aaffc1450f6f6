// One ACE probe as a HAProxy health check: the backend's check rules
// (`option httpchk` + `http-check send/expect`, `tcp-check`, timeouts) and the
// per-server timing. Timing follows ace-semantics §4.5: a passing real is
// probed every `interval` — also after a first failure, the ACE has no fast
// retry — so `inter` = interval and `fastinter` is left at inter; a failed
// real is probed every `passdetect interval` → `downinter`; faildetect →
// `fall`, passdetect count → `rise`. HAProxy also uses fastinter while a DOWN
// server collects its rise successes, which the ACE does at passdetect
// interval: that difference is stated as an EXPORT_APPROXIMATE warning.
import type { Probe } from '../config/model.js';
import { dq, haDuration, safeName, type ExportDiagnostics } from './export-common.js';
import { statusRangesRegex } from './status-regex.js';

export interface HaproxyCheck {
  /** Lines for the backend section (check type, request, expectations, timeouts). */
  backend: string[];
  /** `check …` keywords for a server line, given the port the instance probes. */
  server: (checkPort: number | undefined, serverPort: number | undefined) => string;
  env: { name: string; holds: string }[];
}

/** The environment variable that carries a probe's Authorization header value. */
export const authEnvName = (probe: string): string => `ACESIM_PROBE_${safeName(probe).toUpperCase().replace(/[^A-Z0-9]/g, '_')}_AUTH`;

const TCP_CONNECT_ONLY = new Set(['tcp', 'echo-tcp', 'finger', 'ftp', 'imap', 'pop', 'telnet', 'rtsp', 'sip-tcp']);
/** Probe types a HAProxy check can stand for (the rest are UDP, ICMP or scripted). */
export const HAPROXY_CHECKABLE: ReadonlySet<string> = new Set([...TCP_CONNECT_ONLY, 'http', 'https', 'smtp']);

export function haproxyCheck(p: Probe, diags: ExportDiagnostics): HaproxyCheck | undefined {
  const backend: string[] = [`# health check from probe ${p.type} ${p.name}`];
  const env: HaproxyCheck['env'] = [];
  let ssl = false;
  if (p.type === 'http' || p.type === 'https') {
    ssl = p.type === 'https';
    backend.push('option httpchk');
    const hdrs: string[] = [];
    for (const h of p.headers) hdrs.push(`hdr ${h.name} ${dq(h.value)}`);
    if (p.credentials) {
      const name = authEnvName(p.name);
      hdrs.push(`hdr Authorization "\${${name}}"`);
      env.push({ name, holds: `Basic base64(${p.credentials.username}:<password of probe ${p.name}>)` });
      diags.add('EXPORT_SECRET_REFERENCE', p.pos, `probe ${p.name}: the credentials become the header Authorization "\${${name}}"; set ${name} to "Basic " + base64 of ${p.credentials.username}:PASSWORD before starting HAProxy`);
    }
    // ACE sends HTTP/1.1 with each real's own address as Host; a HAProxy check has one request for
    // every server, so without a configured Host it speaks HTTP/1.0, which needs none.
    const host = p.headers.some((h) => h.name.toLowerCase() === 'host');
    if (!host) diags.approximate(p.pos, `probe ${p.name}: HAProxy cannot send each real's own address as Host; the check is HTTP/1.0 without Host`, 'add `header Host header-value "NAME"` to the probe if the application needs one');
    if (p.appendPortHosttag) diags.approximate(p.pos, `probe ${p.name}: append-port-hosttag has no HAProxy equivalent (no per-server Host); left out`);
    backend.push(`http-check send meth ${p.request.method.toUpperCase()} uri ${p.request.url} ver HTTP/1.${host ? 1 : 0}${hdrs.length ? ' ' + hdrs.join(' ') : ''}`);
    if (p.expectStatus.length > 0) {
      const only = p.expectStatus.length === 1 && p.expectStatus[0]!.min === p.expectStatus[0]!.max ? p.expectStatus[0]!.min : undefined;
      const re = statusRangesRegex(p.expectStatus);
      if (only !== undefined) backend.push(`http-check expect status ${only}`);
      else if (re !== undefined) backend.push(`http-check expect rstatus ${re}`);
    } else {
      diags.approximate(p.pos, `probe ${p.name}: no expect status; HAProxy passes any 2xx/3xx, acesim (by default) fails every response`, 'add `expect status MIN MAX` to the probe');
    }
    if (p.expectRegex) {
      if (p.expectStatus.length > 0) diags.untranslated(p.pos, `probe ${p.name}: expect regex together with expect status needs two expectations; HAProxy keeps the status one, the regex is left out`);
      else backend.push(`http-check expect rstring ${dq(p.expectRegex.regex)}`);
    }
    if (p.hash) diags.untranslated(p.pos, `probe ${p.name}: hash (MD5 of the body) has no HAProxy equivalent; left out`);
    if (ssl && (p.sslVersion ?? 'all') !== 'all') diags.approximate(p.pos, `probe ${p.name}: ssl version ${p.sslVersion} is not pinned; HAProxy negotiates its own TLS range`);
  } else if (p.type === 'smtp') {
    backend.push('option smtpchk');
  } else if (TCP_CONNECT_ONLY.has(p.type)) {
    if (p.sendData !== undefined || p.expectRegex) {
      backend.push('option tcp-check', 'tcp-check connect');
      if (p.sendData !== undefined) backend.push(`tcp-check send ${dq(p.sendData)}`);
      if (p.expectRegex) backend.push(`tcp-check expect rstring ${dq(p.expectRegex.regex)}`);
    }
    if (p.type !== 'tcp') diags.approximate(p.pos, `probe ${p.type} ${p.name}: HAProxy has no ${p.type} check; exported as a TCP connect check`);
  } else {
    diags.untranslated(p.pos, `probe ${p.type} ${p.name}: HAProxy health checks are TCP only; no check is exported for it`, p.type === 'udp' || p.type === 'icmp' || p.type === 'dns' || p.type === 'snmp' ? 'use `--to keepalived` for UDP VIPs' : undefined);
    return undefined;
  }
  if (p.connectionTermForced) diags.untranslated(p.pos, `probe ${p.name}: connection term forced (close with RST) has no HAProxy equivalent; left out`);
  if (p.ipAddress?.routed) diags.approximate(p.pos, `probe ${p.name}: ip address routed: HAProxy routes every check; the address is kept`);
  // `timeout connect` bounds the check's connect (min with inter); `timeout check` the read after it.
  backend.push(`timeout connect ${haDuration(p.openMs)}`, `timeout check ${haDuration(p.receiveMs)}`);
  if (p.passdetectCount > 1 && p.passdetectIntervalMs !== p.intervalMs) {
    diags.approximate(
      p.pos,
      `probe ${p.name}: after the first passing probe of a failed real HAProxy checks every inter (${p.intervalMs / 1000} s), the ACE every passdetect interval (${p.passdetectIntervalMs / 1000} s): recovery is up to ${((p.passdetectCount - 1) * Math.abs(p.passdetectIntervalMs - p.intervalMs)) / 1000} s ${p.passdetectIntervalMs > p.intervalMs ? 'sooner' : 'later'}`,
      'fastinter would fix recovery but slow detection, which matters more; see docs/export.md',
    );
  }
  const addr = p.ipAddress ? ` addr ${p.ipAddress.address}` : '';
  return {
    backend,
    env,
    server: (checkPort, serverPort) =>
      `check${ssl ? ' check-ssl verify none' : ''}${addr}${checkPort !== undefined && checkPort !== serverPort ? ` port ${checkPort}` : ''} inter ${haDuration(p.intervalMs)} downinter ${haDuration(p.passdetectIntervalMs)} fall ${p.faildetect} rise ${p.passdetectCount}`,
  };
}
