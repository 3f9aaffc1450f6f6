// Replaces the body under one `## Heading` of a Markdown document (up to the
// next `## ` heading), so a bench script owns that section of a shared page
// such as docs/RELIABILITY.md and re-runs replace it. The heading must exist:
// the page's layout is its authors', not the script's.
import { readFileSync, writeFileSync } from 'node:fs';

export function replaceUnderHeading(file: string, heading: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const re = new RegExp(`^## ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*$`, 'm');
  const m = re.exec(text);
  if (!m) throw new Error(`${file} has no "## ${heading}" heading`);
  const start = m.index + m[0].length;
  const next = text.slice(start).search(/^## /m);
  const end = next < 0 ? text.length : start + next;
  writeFileSync(file, `${text.slice(0, start)}\n\n${body.trim()}\n\n${text.slice(end).replace(/^\n+/, '')}`.replace(/\n+$/, '\n'));
}
