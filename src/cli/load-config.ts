// Reads and compiles config files for every command, applying the lab
// address map; turns I/O failures into a clear message (exit 2), never a
// stack trace.
import { applyAddressMap, parseAddressMapping, type AddressMapping } from '../config/address-map.js';
import { compileConfig, type Compiled, type ConfigFormat } from '../config/compile.js';
import type { Diagnostic } from '../config/diagnostics.js';
import type { CliIo } from './io.js';

export interface MapOptions {
  maps: string[];
  portOffset: number;
}

export function parseMaps(opts: MapOptions): { maps: AddressMapping[] } | { error: string } {
  const maps: AddressMapping[] = [];
  for (const m of opts.maps) {
    const r = parseAddressMapping(m);
    if (!r.ok) return { error: r.message };
    maps.push(r.mapping);
  }
  if (!Number.isInteger(opts.portOffset) || opts.portOffset < -65535 || opts.portOffset > 65535) return { error: `--port-offset must be an integer, got ${opts.portOffset}` };
  return { maps };
}

export type Loaded = { ok: true; file: string; text: string; compiled: Compiled } | { ok: false; file: string; message: string };

export async function loadConfigFile(io: CliIo, file: string, maps: AddressMapping[], portOffset: number, format?: ConfigFormat): Promise<Loaded> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    return { ok: false, file, message: `${file}: cannot read: ${why}` };
  }
  const compiled = compileConfig(text, file, format ? { format } : {});
  if (maps.length > 0 || portOffset !== 0) {
    const mapped = applyAddressMap(compiled.model, maps, portOffset);
    compiled.model = mapped.model;
    for (const o of mapped.overflows) {
      const d: Diagnostic = { code: 'ACE_OUT_OF_RANGE', severity: 'error', message: `--port-offset ${portOffset} pushes port ${o.port} (${o.where}) past 65535`, file, line: 0, col: 1 };
      compiled.diagnostics.push(d);
    }
  }
  return { ok: true, file, text, compiled };
}
