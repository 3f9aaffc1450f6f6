// Builds the optional IP_TRANSPARENT addon (native/transparent.c) with node-gyp.
// Run by `npm ci` (package.json "install"). A failure never fails the install:
// acesim runs without the addon, and only `--transparency transparent` (and the
// network-namespace lab) then refuses, naming this script.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.platform !== 'linux') {
  console.log('acesim: IP_TRANSPARENT is Linux-only; the transparent addon is not built');
} else {
  const args = ['rebuild', '-C', here];
  // node-gyp downloads Node's headers unless told where they are; use the installed ones when npm did not say.
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  const local = join(here, '..', 'node_modules', '.bin', 'node-gyp');
  const bin = existsSync(local) ? local : 'node-gyp';
  const r = spawnSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) console.log('acesim: built the transparent addon (native/build/Release/acesim_transparent.node)');
  else {
    const why = r.error ? String(r.error.message) : (r.stderr || '').split('\n').filter((l) => /ERR!|error/.test(l)).slice(0, 3).join('\n');
    console.log(`acesim: the transparent addon did not build; --transparency transparent will be unavailable.\n${why}`);
  }
}
