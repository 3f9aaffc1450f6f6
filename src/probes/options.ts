// Switches for ACE probe behaviours the reference marks unconfirmed ([U-*]).
// Each default is the reference's documented recommendation; every switch is
// listed in docs/ace-compatibility.md ("## Probes") with its section.

export interface ProbeOptions {
  /**
   * HTTP/HTTPS probe with no `expect status` fails every attempt (field experience)
   * instead of passing on any valid response (Device Manager text). §4.5 [U-M].
   */
  httpRequiresExpectStatus: boolean;
  /** A real whose probe instance is still INIT counts as OPERATIONAL (ACE is optimistic at start). §4.5 [U-M]. */
  initCountsAsOperational: boolean;
  /**
   * INIT → PASSED needs only one success (false, reference pseudocode) or `passdetect count`
   * consecutive successes (true). §10 open question.
   */
  initPassRequiresPassdetectCount: boolean;
  /**
   * Which health picks the next delay after a result: 'before-result' (reference pseudocode:
   * the attempt that turns a real FAILED is followed by one more `interval` wait, the attempt
   * that recovers it by one more `passdetect interval` wait) or 'after-result'. §4.5 [U-H].
   */
  nextDelayFrom: 'before-result' | 'after-result';
  /**
   * What the interval counts from (§4.5 "start to start"): the attempt's scheduled start
   * ('scheduled-start') or the moment acesim actually began it ('actual-start', the reference
   * pseudocode's literal `lastStart`). They differ only when acesim runs late: then the second
   * lets that lateness move the instance's schedule for good, and instances begun late together
   * stay bunched together. [U-M]
   */
  intervalFrom: 'scheduled-start' | 'actual-start';
  /** Probe types acesim does not simulate (radius, rtsp, scripted, sip, vm) pass (true) or fail. */
  unsimulatedProbesPass: boolean;
  /** `ssl version all` upper bound: the ACE 4710 speaks at most TLS 1.2. §4.2 [U-M]. */
  sslAllMaxVersion: 'TLSv1.2' | 'TLSv1.3';
  /** An SNMP OID value above its `threshold` fails the attempt (the ACE may show MAXLOAD instead). §4.2 [U-L]. */
  snmpThresholdExceededFails: boolean;
  /** DNS probe with no `domain` queries this name. §4.2 [U-L]. */
  dnsDefaultDomain: string;
  /** `expect regex` on HTTP probes is searched in the body only (true) or in status line + headers + body. [U-M]. */
  httpRegexBodyOnly: boolean;
}

export const DEFAULT_PROBE_OPTIONS: Readonly<ProbeOptions> = Object.freeze({
  httpRequiresExpectStatus: true,
  initCountsAsOperational: true,
  initPassRequiresPassdetectCount: false,
  nextDelayFrom: 'before-result',
  intervalFrom: 'scheduled-start',
  unsimulatedProbesPass: true,
  sslAllMaxVersion: 'TLSv1.2',
  snmpThresholdExceededFails: true,
  dnsDefaultDomain: 'www.cisco.com',
  httpRegexBodyOnly: true,
});

export function probeOptions(overrides?: Partial<ProbeOptions>): ProbeOptions {
  return { ...DEFAULT_PROBE_OPTIONS, ...overrides };
}
