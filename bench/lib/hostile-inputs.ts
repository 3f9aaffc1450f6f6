// Hostile inputs for the config and scenario readers, shared by the fuzz test
// (test/fuzz/) and bench/fuzz-parsers.ts, which times each one: one huge line,
// deep indentation and nesting, 100,000 objects (with and without dangling
// references, the case that once made "did you mean" quadratic), and binary
// garbage. Deterministic: the same text on every run.

export type Reader = 'ace' | 'yaml' | 'scenario';

export interface HostileInput {
  name: string;
  /** Which readers the input is aimed at (every reader must survive every input anyway). */
  readers: readonly Reader[];
  make(): string;
}

const MB = 1024 * 1024;

/** Bytes from a fixed multiplicative hash: garbage, but the same garbage each run. */
export function garbage(n: number): string {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.imul(i + 1, 2654435761) >>> 24;
  return b.toString('latin1');
}

const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function rservers(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`rserver host R${i}`, `  ip address ${ip(i)}`, '  inservice');
  return out;
}

/**
 * `scale` shrinks every size (1 = the sizes named); `yamlObjects` sets the YAML
 * object counts alone, because the \`yaml\` package reads ~10k objects/s here and
 * `npm test` runs a smaller count than the long run and the bench.
 */
export function hostileInputs(scale = 1, yamlObjects = 100_000): HostileInput[] {
  const k10 = Math.round(10_000 * scale);
  const k100 = Math.round(100_000 * scale);
  const y100 = Math.round(yamlObjects * scale);
  return [
    { name: '10 MB line (one word)', readers: ['ace', 'yaml', 'scenario'], make: () => 'probe http P\n  request method get url /' + 'a'.repeat(10 * MB * scale) + '\n' },
    { name: '10 MB line (3.5M words)', readers: ['ace'], make: () => 'probe http P\n  request method get url ' + '/a '.repeat(Math.round(3.5 * MB * scale)) + '\n' },
    { name: '10 MB YAML scalar', readers: ['yaml', 'scenario'], make: () => `name: "${'x'.repeat(10 * MB * scale)}"\n` },
    { name: '10k levels of indentation', readers: ['ace'], make: () => Array.from({ length: k10 }, (_, i) => ' '.repeat(i) + (i % 2 ? 'inservice' : `probe tcp P${i}`)).join('\n') },
    { name: '10k nested YAML flow sequences', readers: ['yaml', 'scenario'], make: () => 'contexts: ' + '['.repeat(k10) + ']'.repeat(k10) + '\n' },
    { name: '10k nested YAML block sequences', readers: ['yaml', 'scenario'], make: () => 'timeline:\n' + '- '.repeat(k10) + 'x\n' },
    // Block mappings nest by indentation only: 2k levels (2 MB) is past the limit without 50 MB of spaces.
    { name: '2k nested YAML block mappings', readers: ['yaml', 'scenario'], make: () => Array.from({ length: Math.round(k10 / 5) }, (_, i) => ' '.repeat(i) + 'nodes:').join('\n') + ' 1\n' },
    { name: '100k rservers', readers: ['ace'], make: () => rservers(k100).join('\n') },
    {
      name: '100k farms with dangling references',
      readers: ['ace'],
      make: () => {
        const out = rservers(k100);
        for (let i = 0; i < k100; i++) out.push(`serverfarm host F${i}`, `  probe PX${i}`, `  rserver RX${i}`, '    inservice');
        return out.join('\n');
      },
    },
    {
      name: `${y100 / 1000}k YAML rservers`,
      readers: ['yaml'],
      make: () => {
        const out = ['contexts:', '  - name: Admin', '    rservers:'];
        for (let i = 0; i < y100; i++) out.push(`      - { name: R${i}, ipAddress: ${ip(i)}, admin: inservice }`);
        return out.join('\n') + '\n';
      },
    },
    {
      name: `${y100 / 1000}k scenario timeline entries`,
      readers: ['scenario'],
      make: () => {
        const out = ['nodes:', '  n1: { rserver: R1 }', 'timeline:'];
        for (let i = 0; i < y100; i++) out.push(`  - at: ${i}s`, `    ${i % 2 ? 'recover' : 'crash'}: n1`);
        return out.join('\n') + '\n';
      },
    },
    { name: '1 MB binary garbage', readers: ['ace', 'yaml', 'scenario'], make: () => garbage(MB * scale) },
  ];
}
