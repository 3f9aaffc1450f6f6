// Help text for every command (mirrored in the README's CLI reference).

export const HELP = `acesim — run Cisco ACE configs in a lab: probes, failover, stickiness, client addresses.

Usage: acesim COMMAND [options]

Commands:
  check FILE…            Compile ACE (or YAML) configs: diagnostics and a model summary.
  export FILE --to FMT   Print the normalized running-config (ace) or the model (yaml, json).
  probe FILE --once|--watch  Run the config's probes against the real servers, as the ACE would.
  run FILE               Be the VIP: forward HTTP, HTTPS and UDP (SNMP traps) to the healthy node.
  simulate [FILE] --scenario S  The same engine in virtual time: failover-timing distributions.
  start                  The default job (what \`npm start\` runs).
  help [COMMAND]         This text, or one command's options.

Address maps (check, export): --map FROM/LEN=TO/LEN (repeatable), --port-offset N.
Exit codes: 0 ok, 1 errors in the input, 2 usage or I/O errors.
`;

const COMMANDS: Record<string, string> = {
  check: `acesim check FILE… [--format text|json] [--no-summary] [--map FROM/LEN=TO/LEN]… [--port-offset N]
       acesim check --explain WORD   (the syntax and meaning of every ACE keyword starting with WORD)

  Compiles each file (ACE running-config text, or the YAML model) and prints every
  diagnostic as FILE:LINE:COL: severity CODE: message, the source line with a caret,
  and a hint; then a model summary and a count. --format json prints
  { "files": [ { "file", "diagnostics": [ … ], "summary": { "errors", "warnings" }, "model" } ], "model" }.
  Exit 0 with no errors (warnings allowed), 1 with errors, 2 for usage or I/O errors.`,
  export: `acesim export FILE --to ace|yaml|json [--show-secrets] [--map …] [--port-offset N]

  --to ace prints the normalized running-config (canonical order and indentation,
  defaults omitted); yaml and json print the model. Secrets (probe credentials,
  passwords, SNMP communities) are printed as <redacted> unless --show-secrets.
  Checking the exported ACE text yields the same model.`,
  probe: `acesim probe FILE (--once | --watch) [--probe NAME] [--rserver NAME] [--format text|json]
             [--duration S] [--map …] [--port-offset N]

  Plans every probe instance (probe × farm member × port, with the ACE's port precedence)
  and probes the real servers. --once runs one attempt per instance and prints its verdict
  (PASSED/FAILED), the ACE's failure string, status and latency; exit 0 when every
  in-service instance passes, 1 otherwise. --watch runs the probe state machines in real
  time, prints ACE syslog lines (%ACE-3-2510xx per failed attempt, %ACE-4-4420xx per state
  change; SNMP traps go to the config's snmp-server hosts), and on Ctrl-C (or after
  --duration) prints \`show probe NAME detail\` for each probe.
  JSON: { "instances": [ { "probe", "farm", "rserver", "address", "port", "state", "cause", "latencyMs", "lastStatus" } ] }.`,
  run: `acesim run FILE [--map FROM/LEN=TO/LEN]… [--port-offset N] [--transparency bind-client|none|proxy-protocol]
           [--log-level L] [--context NAME]

  Listens on every in-service VIP (a multi-match class with \`loadbalance vip inservice\` in a
  service-policy of an interface that is not shut down), applies the interface's \`access-group
  input\` ACL to new flows, runs the probes, and forwards each new TCP connection or UDP flow to the
  node the server farm and sticky table choose. bind-client transparency (the default when every VIP
  is on loopback) makes the node see the client's own address; see docs/transparency.md.
  Prints one line per VIP listener and per rserver state, runs until SIGINT/SIGTERM, then drains.
  Exit 1 when the config has errors, 2 for usage errors or a listener that cannot bind.`,
  simulate: `acesim simulate [CONFIG] --scenario FILE [--runs N] [--seed S] [--format text|json]

  Runs the scenario's timeline on the real probe engine, balancer and sticky tables in virtual time
  (no sockets), N times with the fault at a random phase of the probe cycles, and prints min, p50,
  p90, p99 and max of detection, failover, recovery and failback, the windows the config predicts,
  and the requests and traps lost at the scenario's traffic rates. CONFIG defaults to the
  scenario's \`config:\`. Same seed, same answer.`,
  start: `acesim start

  Runs the default job on the embedded reference TMS config (examples/tms-ace.conf).`,
};

export function helpFor(command: string): string {
  return COMMANDS[command] ?? `acesim: no help for "${command}"\n\n${HELP}`;
}
