// Port keywords accepted in class-maps and ACLs (ace-semantics §6.3), both
// directions: keyword → number for parsing, number → keyword for printing
// (the running-config prints www/https for 80/443).

const TCP: Record<string, number> = {
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, finger: 79, www: 80, http: 80, pop2: 109,
  pop3: 110, nntp: 119, irc: 194, 'matip-a': 350, https: 443, rtsp: 554, xot: 1998, skinny: 2000, sip: 5060,
  bgp: 179, chargen: 19, cmd: 514, daytime: 13, discard: 9, echo: 7, exec: 512, gopher: 70, hostname: 101,
  ident: 113, klogin: 543, kshell: 544, ldap: 389, ldaps: 636, login: 513, lpd: 515, 'netbios-ssn': 139,
  sqlnet: 1521, sunrpc: 111, tacacs: 49, talk: 517, time: 37, uucp: 540, whois: 43,
};

const UDP: Record<string, number> = {
  domain: 53, tftp: 69, snmp: 161, snmptrap: 162, 'radius-auth': 1812, 'radius-accounting': 1813, rtsp: 554,
  sip: 5060, wsp: 9200, 'wsp-wtp': 9201, 'wsp-wtls': 9202, 'wsp-wtls-wtp': 9203, biff: 512, bootpc: 68,
  bootps: 67, dnsix: 195, isakmp: 500, kerberos: 88, 'mobile-ip': 434, nameserver: 42, 'netbios-dgm': 138,
  'netbios-ns': 137, ntp: 123, 'pim-auto-rp': 496, rip: 520, syslog: 514, who: 513, xdmcp: 177, echo: 7,
  discard: 9, time: 37,
};

export type PortProtocol = 'tcp' | 'udp' | 'any';

/** Resolves a number or keyword for the protocol; `any` accepts either table. */
export function resolvePort(text: string, proto: PortProtocol): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  const k = text.toLowerCase();
  if (proto === 'tcp') return TCP[k];
  if (proto === 'udp') return UDP[k];
  return TCP[k] ?? UDP[k];
}

export function portKeywords(proto: PortProtocol): string[] {
  if (proto === 'tcp') return Object.keys(TCP);
  if (proto === 'udp') return Object.keys(UDP);
  return [...new Set([...Object.keys(TCP), ...Object.keys(UDP)])];
}

/** How the running-config prints a port: keywords for the common ones, else the number. */
export function printPort(port: number, proto: PortProtocol): string {
  if (proto !== 'udp') {
    if (port === 80) return 'www';
    if (port === 443) return 'https';
  }
  return String(port);
}
