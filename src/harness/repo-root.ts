// Where this checkout of qmp-sim lives (for the default `sim` server command).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let d = start; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'qmp-sim') return d;
      } catch {
        // not ours
      }
    }
    if (dirname(d) === d) return join(start, '..', '..');
  }
}
