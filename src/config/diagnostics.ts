// Diagnostics for user input: a closed set of stable codes, each documented
// one row in docs/diagnostics.md (a test keeps the two in step). Config and
// scenario loading return { value, diagnostics } and never throw.

export type Severity = 'error' | 'warning' | 'note';

/** Every diagnostic code, its default severity and a one-line summary (the docs table mirrors this). */
export const DIAGNOSTIC_CODES = {
  ACE_UNKNOWN_KEYWORD: { severity: 'error', summary: 'A command that no ACE mode at this point accepts; a "did you mean" hint comes from the mode keyword table.' },
  ACE_ORPHAN_COMMAND: { severity: 'error', summary: 'A sub-mode command (e.g. `inservice`) outside any block that accepts it.' },
  ACE_MISSING_ARGUMENT: { severity: 'error', summary: 'A command lacks a required argument.' },
  ACE_INVALID_ARGUMENT: { severity: 'error', summary: 'An argument is not of the expected form (name, number, address, keyword).' },
  ACE_OUT_OF_RANGE: { severity: 'error', summary: 'A numeric argument is outside the range ACE accepts.' },
  ACE_EXTRA_ARGUMENT: { severity: 'error', summary: 'Words left over after a complete command (often lines run together or a name with spaces).' },
  ACE_UNTERMINATED_QUOTE: { severity: 'error', summary: 'A double-quoted string is not closed on its line.' },
  ACE_DUPLICATE_NAME: { severity: 'error', summary: 'An object is defined twice, or with a different type; the definitions are merged so nothing is lost.' },
  ACE_UNDEFINED_REFERENCE: { severity: 'error', summary: 'A reference to an object (probe, rserver, serverfarm, sticky group, class-map, policy-map, ACL, context) that is not defined.' },
  ACE_WRONG_KIND: { severity: 'error', summary: 'A reference names an object of the wrong kind (e.g. a management policy used as a load-balance policy).' },
  ACE_CONFLICT: { severity: 'error', summary: 'Values that contradict each other (min above max, a match-all class with two VIP lines, a port range backwards).' },
  ACE_EXEC_NOISE: { severity: 'note', summary: 'An exec command or console noise (`exit`, `end`, `show …`, `copy …`, prompts) skipped.' },
  ACE_UNSIMULATED: { severity: 'warning', summary: 'Valid ACE that acesim keeps in the model but does not simulate.' },
  ACE_PROBE_TYPE_MISMATCH: { severity: 'warning', summary: 'A probe command the probe type does not take on an ACE (ace-semantics §4.3).' },
  ACE_CONTEXT_SWITCH: { severity: 'note', summary: '`changeto CONTEXT` starts another context; the commands that follow belong to it.' },
  ACE_EMPTY_CONFIG: { severity: 'warning', summary: 'The file holds no configuration commands.' },
  ACE_LINE_NUMBER: { severity: 'warning', summary: 'A match or ACL line number is outside 1–1024 or repeated.' },
  YAML_SYNTAX: { severity: 'error', summary: 'The YAML file is not well-formed YAML.' },
  YAML_SCHEMA: { severity: 'error', summary: 'A YAML model field is missing, unknown or of the wrong type.' },
  SCENARIO_SCHEMA: { severity: 'error', summary: 'A scenario field is missing, unknown or of the wrong type.' },
  SCENARIO_BAD_DURATION: { severity: 'error', summary: 'A scenario duration is not of the form 20s, 1.5s, 500ms, 2m or a number of seconds.' },
  SCENARIO_UNKNOWN_NODE: { severity: 'error', summary: 'A timeline entry names a node the scenario does not define.' },
  SCENARIO_TIMELINE: { severity: 'warning', summary: 'Timeline entries out of time order, or after the end of the run.' },
  SCENARIO_REAL_NODE_FAULT: { severity: 'error', summary: 'A timeline fault on a real node (`address:`): acesim injects faults only into the nodes it simulates.' },
  SCENARIO_TIME_SCALE: { severity: 'warning', summary: 'The time scale shrinks a probe timeout or interval below the safe floor: the loaded machine may fail healthy nodes.' },
  SCENARIO_TIME_SCALE_LIMIT: { severity: 'error', summary: 'The time scale shrinks a probe timeout or interval below the hard floor; refused unless --force-time-scale.' },
  LINT_SNMP_OVER_TCP: { severity: 'warning', summary: 'SNMP ports 161/162 matched as TCP; SNMP and traps are UDP, so the VIP never sees them.' },
  LINT_PROBE_TIMEOUT_EXCEEDS_INTERVAL: { severity: 'warning', summary: 'A probe whose open + receive is at least its interval: attempts overlap the schedule and detection slows.' },
  LINT_FARM_WITHOUT_PROBE: { severity: 'warning', summary: 'A server farm (and its reals) has no probe: a dead node keeps getting traffic.' },
  LINT_VIP_NOT_INSERVICE: { severity: 'warning', summary: 'A multi-match VIP class without `loadbalance vip inservice`: the VIP is out of service.' },
  LINT_VIP_WITHOUT_POLICY: { severity: 'warning', summary: 'A VIP class with no `loadbalance policy`: nothing to balance to.' },
  LINT_STICKY_SHORTER_THAN_FAILOVER: { severity: 'warning', summary: 'A sticky timeout shorter than the time the probes need to detect a failure.' },
  LINT_BACKUP_WITHOUT_STICKY: { severity: 'warning', summary: 'A sticky group with a backup farm but no `sticky` on it: clients moved to the backup bounce back on recovery.' },
  LINT_HTTP_PROBE_NO_EXPECT: { severity: 'warning', summary: 'An HTTP/HTTPS probe without `expect status`: ACE behaviour differs by release (acesim fails it by default).' },
  LINT_NO_ACCESS_GROUP: { severity: 'warning', summary: 'An interface with VIP service-policies but no `access-group input`: ACE denies traffic by default.' },
  LINT_INTERFACE_SHUTDOWN: { severity: 'warning', summary: 'An interface carrying VIP service-policies is shut down (no `no shutdown`).' },
  LINT_RSERVER_NOT_INSERVICE: { severity: 'warning', summary: 'A farm member is in service but its global rserver is not: it never gets traffic.' },
  LINT_UNUSED: { severity: 'note', summary: 'An object defined but used by nothing (probe, serverfarm, sticky group, class-map, policy-map, ACL, HTTP parameter map).' },
  LINT_DUPLICATE_VIP: { severity: 'warning', summary: 'Two in-service VIP classes match the same address, protocol and port.' },
  LINT_NAT_NOT_SIMULATED: { severity: 'warning', summary: '`nat dynamic` on a VIP class: the ACE source-NATs clients into the pool; acesim does not translate source addresses (the nodes see the client, or the transparency mode\'s address).' },
  LINT_INSERT_HTTP_UNSENDABLE: { severity: 'warning', summary: 'An `insert-http` header name that is not an HTTP token, or a value with a character node:http cannot send (outside Latin-1, CR, LF, NUL, other controls): valid ACE, but acesim\'s L7 VIP cannot forward the requests it applies to.' },
  EXPORT_UNTRANSLATED: { severity: 'warning', summary: '`acesim export --to haproxy|keepalived`: a construct the target has no equivalent for; it is left out of the output (named in a comment there too).' },
  EXPORT_APPROXIMATE: { severity: 'warning', summary: '`acesim export --to haproxy|keepalived`: a construct translated to the nearest target feature, which behaves differently in the way the message states.' },
  EXPORT_SECRET_REFERENCE: { severity: 'note', summary: '`acesim export --to haproxy`: a probe credential exported as an environment-variable reference (`"${ACESIM_PROBE_<NAME>_AUTH}"`), never in clear; set the variable before starting HAProxy.' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  file: string;
  /** 1-based; 0 when the diagnostic is about the whole file. */
  line: number;
  /** 1-based. */
  col: number;
  /** Width of the underlined span, in characters (>= 1). */
  length?: number;
  hint?: string;
}

export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export function countBySeverity(diags: readonly Diagnostic[]): { errors: number; warnings: number; notes: number } {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const d of diags) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else notes++;
  }
  return { errors, warnings, notes };
}

/** Sorts by file, line, column (stable for equal positions). */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.file.localeCompare(b.d.file) || a.d.line - b.d.line || a.d.col - b.d.col || a.i - b.i)
    .map((x) => x.d);
}
