// The simulated node's TLS identity: a throwaway self-signed certificate made
// with the openssl CLI (Node cannot mint X.509 itself). Absence of openssl is
// an answer (undefined), never an exception, so the lab can skip HTTPS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsIdentity {
  key: Buffer;
  cert: Buffer;
}

let cached: TlsIdentity | null | undefined;

/**
 * One certificate per process (ECDSA P-256: handshakes cost a fraction of RSA's, which matters with
 * every lab client opening new TLS connections); undefined when openssl is missing or fails.
 * `openssl` names the binary (tests pass one that does not exist); only the default is cached.
 */
export function selfSignedCert(commonName = 'tms.example.com', openssl = 'openssl'): TlsIdentity | undefined {
  if (openssl !== 'openssl') return makeCert(commonName, openssl) ?? undefined;
  if (cached === undefined) cached = makeCert(commonName, openssl);
  return cached ?? undefined;
}

function makeCert(commonName: string, openssl: string): TlsIdentity | null {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'acesim-lab-tls-'));
    execFileSync(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', `/CN=${commonName}`], { stdio: 'ignore', timeout: 20_000 });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return null;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
