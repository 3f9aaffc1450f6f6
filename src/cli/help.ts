// Help text for every command (mirrored in the README's CLI reference).

export const HELP = `acesim — run Cisco ACE configs in a lab: probes, failover, stickiness, client addresses.

Usage: acesim COMMAND [options]

Commands:
  check FILE…            Compile ACE (or YAML) configs: diagnostics and a model summary.
  export FILE --to FMT   Print the normalized running-config (ace), the model (yaml, json), or a haproxy/keepalived config.
  probe FILE --once|--watch  Run the config's probes against the real servers, as the ACE would.
  run FILE               Be the VIP: forward HTTP, HTTPS and UDP (SNMP traps) to the healthy node.
  simulate [FILE] --scenario S  The same engine in virtual time: failover-timing distributions.
  lab [CONFIG] --scenario FILE  Run a failover experiment: simulated nodes, clients, faults; measure.
  node --address A --http P …   One simulated TMS node with a fault control API.
  start                  The default job (what \`npm start\` runs): the reference crash experiment.
  show TOPIC [NAME] [detail]    ACE-style show tables from a running \`acesim run\` (management API).
  rserver NAME inservice|no inservice|inservice standby   Change a real server's admin state live.
  clear sticky database [GROUP] Empty the sticky table (or one group) of a running balancer.
  ft switchover [GROUP]  Ask the FT pair to switch over.
  reload CONFIG          Hot reload: check CONFIG, apply it without dropping connections.
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
  export: `acesim export FILE --to ace|yaml|json|haproxy|keepalived [--out FILE] [--show-secrets]
              [--transparency usesrc-clientip] [--map …] [--port-offset N]

  --to ace prints the normalized running-config (canonical order and indentation,
  defaults omitted); yaml and json print the model. Secrets (probe credentials,
  passwords, SNMP communities) are printed as <redacted> unless --show-secrets.
  Checking the exported ACE text yields the same model.
  --to haproxy writes a haproxy.cfg for HAProxy 2.6 (TCP VIPs, ACLs, farms, probe timing, sticky
  ip-netmask; --transparency usesrc-clientip adds usesrc clientip, which needs TPROXY); --to keepalived
  a keepalived.conf (the FT pair as VRRP, UDP VIPs as LVS). What has no exact equivalent is an EXPORT_*
  warning on stderr at its line in the ACE file; probe credentials become "\${ACESIM_PROBE_<NAME>_AUTH}"
  environment references, never clear text. --out FILE writes the file. See docs/export.md.`,
  probe: `acesim probe FILE (--once | --watch) [--probe NAME] [--rserver NAME] [--format text|json]
             [--duration S] [--map …] [--port-offset N] [--probe-threads N|auto]

  Plans every probe instance (probe × farm member × port, with the ACE's port precedence)
  and probes the real servers. --once runs one attempt per instance and prints its verdict
  (PASSED/FAILED), the ACE's failure string, status and latency; exit 0 when every
  in-service instance passes, 1 otherwise. --watch runs the probe state machines in real
  time, prints ACE syslog lines (%ACE-3-2510xx per failed attempt, %ACE-4-4420xx per state
  change; SNMP traps go to the config's snmp-server hosts), and on Ctrl-C (or after
  --duration) prints \`show probe NAME detail\` for each probe. --probe-threads N runs the attempts'
  socket work on N worker threads (0: on the engine's thread); auto (default) uses one per core
  from 1,000 instances on, the main thread below that.
  JSON: { "instances": [ { "probe", "farm", "rserver", "address", "port", "state", "cause", "latencyMs", "lastStatus" } ] }.`,
  run: `acesim run FILE [--map FROM/LEN=TO/LEN]… [--port-offset N] [--transparency bind-client|none|proxy-protocol|transparent]
           [--log-level L] [--context NAME] [--l7] [--snmp-trap-address all|VIP[,VIP…]]
           [--idle-timeout S] [--http-header-timeout S]
           [--mgmt ADDR:PORT|none] [--mgmt-token-file FILE]
           [--ft-member primary|secondary] [--ft-port N] [--ft-peer-via ADDR] [--events FILE] [--time-scale F]
           [--vip-mode listen|address] [--vip-interface IF] [--probe-threads N|auto]

  --probe-threads: as for \`acesim probe\` (auto: worker threads from 1,000 probe instances on, so the
  VIPs keep the main thread at ACE scale).
  FT pair (docs/ft.md): --ft-member runs this process as one member of the config's \`ft group\`
  (the secondary swaps own/peer addresses, priorities and track sides); only the ACTIVE member binds
  the VIPs and probes. Heartbeats (UDP) and replication (TCP) use --ft-port on the FT addresses.
  --events writes FT, farm and probe events as JSON lines; --time-scale divides every timing by F.
  --vip-mode address (Linux, root or CAP_NET_ADMIN + CAP_NET_RAW; needs arping): while serving, the
  member adds each VIP (/32) and each \`interface vlan N\` alias to the host interface vlanN (the VIPs
  to --vip-interface IF when given), sends gratuitous ARP for them, and removes them when it leaves
  ACTIVE or exits (SIGINT/SIGTERM). Default listen: the addresses must already be the host's.

  Operator surface (docs/operator.md): a management API on --mgmt (default 127.0.0.1:4710) for
  \`acesim show\`, the operator commands, Prometheus /metrics and a live dashboard at /. Writes need
  the token (--mgmt-token-file or ACESIM_MGMT_TOKEN); a non-loopback --mgmt needs it for reads too.
  SIGHUP reloads FILE. Logs are pino JSON on stderr (human lines on a TTY); secrets never appear.

  Listens on every in-service VIP (a multi-match class with \`loadbalance vip inservice\` in a
  service-policy of an interface that is not shut down), applies the interface's \`access-group
  input\` ACL to new flows, runs the probes, and forwards each new TCP connection or UDP flow to the
  node the server farm and sticky table choose. bind-client transparency (the default when every VIP
  is on loopback) makes the node see the client's own address; see docs/transparency.md.
  --transparency transparent (Linux, root): the same on a real network with acesim as the nodes'
  gateway — IP_TRANSPARENT upstream sockets (native addon) and policy routing that acesim installs
  at start and removes at exit (nft table acesim_tproxy_<pid>, ip rule fwmark 0x4710 lookup 4710).
  A VIP whose load-balance policy needs HTTP (\`policy-map type loadbalance http\`, \`insert-http\`,
  a \`class-map type http loadbalance\`) is served at L7: each request is load-balanced on its own,
  with X-Forwarded-For, Forwarded and the policy's \`insert-http\` headers; 503 when no server,
  502 when the node fails. --l7 serves every TCP VIP at L7 except port 443 (HTTPS stays L4).
  --idle-timeout S resets a TCP connection idle that long both ways (the ACE's \`set timeout
  inactivity\`, default 3600); --http-header-timeout S closes an L7 client whose request headers
  take longer (408 if some arrived; default 30), so slow clients cannot hold connections.
  UDP VIPs on ports 161/162 (plus --port-offset) decode each datagram: malformed ones are counted
  (snmpMalformed) and dropped, v1 traps keep their agent-addr, everything passes byte for byte;
  --snmp-trap-address adds snmpTrapAddress.0 (the sender's address) to v2c traps and informs
  that lack it, on every SNMP VIP (all) or on the named VIP classes.
  Prints one line per VIP listener and per rserver state, runs until SIGINT/SIGTERM, then drains.
  Exit 1 when the config has errors, 2 for usage errors or a listener that cannot bind.`,
  simulate: `acesim simulate [CONFIG] --scenario FILE [--runs N] [--seed S] [--set KEY=VALUE]… [--format text|json] [--report DIR] [--traffic analytic|exact] [--search-runs N] [--threads N]

  Runs the scenario's timeline on the real probe engine, balancer and sticky tables in virtual time
  (no sockets), N times with the fault at a random phase of the probe cycles, and prints min, p50,
  p90, p99 and max of detection, failover, recovery and failback, the windows the config predicts,
  and the requests and traps lost at the scenario's traffic rates. CONFIG defaults to the
  scenario's \`config:\`. Same seed, same answer. What-ifs, in the config's own units:
  --set probe.NAME.{interval,faildetect,passdetect.interval,passdetect.count,receive,open}=N,
  --set sticky.NAME.timeout=MINUTES (several allowed; each is validated).
  --report DIR writes an HTML report with histograms. --traffic exact sends every client request
  through the balancer (analytic, the default, counts repeated outcomes in closed form: same counts).
  A scenario with a \`controller:\` section (hot standby) adds the lockstep analysis: when traffic
  reaches a node the controller does not hold active, and settings found by a short search
  (--search-runs runs per candidate, 0 to skip). From 1,000 runs on the runs are shared out over
  worker threads, one per core (--threads N to choose, 1 for none); the numbers are the same.
  See docs/simulate.md.`,
  lab: `acesim lab [CONFIG] --scenario FILE [--runs N] [--time-scale F] [--force-time-scale] [--format text|json] [--report DIR]
             [--engine acesim|haproxy] [--netns]

  Loads the scenario (examples/scenarios/) and the config it names (relative to the scenario;
  CONFIG overrides), applies its map and portOffset, starts a simulated node on each rserver
  address (or uses a real one given as address:), runs the balancer as the VIP, sends the
  scenario's client traffic (own source address per client, bind-client transparency) and applies
  the fault timeline. --netns (root): the same on the reference topology in network namespaces
  acesim-<pid>-* (clients on VLAN100, balancer with --transparency transparent, nodes on VLAN200 with
  the balancer as gateway), real addresses and ports, namespaces removed afterwards (docs/lab.md);
  a pair: scenario puts the FT members in two namespaces with --vip-mode address (needs arping).
  --time-scale F (default: the scenario's timeScale) divides every configured
  timing by F; reported times are config time. A scale that takes the smallest probe timeout or
  interval under 100 ms warns (false failures likely); under 25 ms it is refused unless
  --force-time-scale. Prints per fault detection, failover, recovery, failback,
  lost requests/traps, sticky moves and source mismatches, each window check against the probe
  prediction (tolerance 10% of the window top + 200 ms × F). --format json prints
  { "scenario", "timeScale", "runs": [ { "metrics", "predicted", "checks", "faults", "probes",
  "falseFailures", "notes" } ] }; a probe verdict FAILED on a node without a fault is a false
  failure and fails the run.
  --engine haproxy runs each run twice, with acesim and with HAProxy (the export --to haproxy of the
  same scaled model) as the VIP, and prints both tables and a side-by-side comparison with agreement
  bounds (docs/export.md); needs the haproxy command.
  --report DIR writes a self-contained HTML report with an SVG timeline. Exit 0 when every check
  passes, 1 when one fails or the inputs have errors, 2 for usage or I/O errors. See docs/lab.md.`,
  node: `acesim node --address A [--http P]… [--https P]… [--trap P]… [--control P] [--name N]
            [--credentials USER:PASS] [--quiet]

  A simulated TMS node: /tms, /tms/booking, /TMS/external/booking/bookingservice.asmx (basic
  credentials when given), HTTPS with a generated self-signed certificate (openssl), and an SNMP
  trap receiver on UDP. Prints every request with the source address it saw. The control API on
  127.0.0.1:P takes POST /fault {"fault":"crash|hang|slow|http-error|blackhole|flap|recover",
  "ms"?, "status"?}, GET /records?since=N and GET /state. Runs until SIGINT/SIGTERM.`,
  show: `acesim show probe|rserver|serverfarm|sticky database|service-policy|ft group|stats|running-config
            [NAME] [detail] [--mgmt ADDR:PORT|URL] [--json] [--mgmt-token-file FILE]

  Asks a running \`acesim run\` (its management API; default 127.0.0.1:4710, or ACESIM_MGMT_URL)
  and prints the table as the ACE lays it out (docs/operator.md), or the data with --json.
  \`show sticky database group G\` is accepted too. Exit 1 for an unknown name, 2 when the API
  cannot be reached or refuses the token.`,
  rserver: `acesim rserver NAME inservice | no inservice | inservice standby [--mgmt …] [--mgmt-token-file FILE]

  The global rserver admin state in every farm (probes of an out-of-service real stop). Needs
  the token (--mgmt-token-file or ACESIM_MGMT_TOKEN).`,
  clear: `acesim clear sticky database [all | GROUP | group GROUP] [--mgmt …] [--mgmt-token-file FILE]

  Deletes the dynamic sticky entries (statics stay). Needs the token.`,
  ft: `acesim ft switchover [GROUP] [--mgmt …] [--mgmt-token-file FILE]

  Asks the balancer's FT group to give up ACTIVE. Without FT: an error. Needs the token.`,
  reload: `acesim reload CONFIG [--mgmt …] [--mgmt-token-file FILE]

  Sends CONFIG to the running balancer, which compiles it with its own --map/--port-offset. With
  errors nothing changes and the diagnostics are printed (exit 1). Otherwise listeners that stay
  keep their connections, new flows use the new config, sticky groups that did not change keep
  their entries. SIGHUP to \`acesim run\` reloads its own config file the same way. Needs the token.`,
  start: `acesim start

  Runs \`acesim lab\` on the embedded reference experiment (examples/scenarios/node-crash.yaml on
  examples/tms-ace.conf, time scale 10, about 30 s): prints the timing table and the path of the
  HTML report (./reports/ of the checkout, else the temp dir).`,
};

export function helpFor(command: string): string {
  return COMMANDS[command] ?? `acesim: no help for "${command}"\n\n${HELP}`;
}
