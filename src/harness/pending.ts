// Scenarios whose behaviour a later issue will model: listed in a
// pending.json found in the scenario's directory or any directory above it.
//
//   { "block/query-blockstats": "blockstats accounting (issue 12)", ... }
//   or [ "block/query-blockstats", ... ]
//
// A key is the scenario's path relative to the pending.json's directory, or
// its family/name (last directory and base name), without ".scn".
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { splitext } from './scenario.js';

export interface PendingEntry {
  key: string;
  reason: string;
  file: string;
}

export class PendingLists {
  private readonly byFile = new Map<string, Map<string, string> | null>();
  readonly problems: string[] = [];

  constructor(private readonly explicit?: string) {}

  private load(file: string): Map<string, string> | null {
    if (this.byFile.has(file)) return this.byFile.get(file)!;
    let table: Map<string, string> | null = null;
    try {
      const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
      table = new Map();
      if (Array.isArray(data)) for (const k of data) table.set(String(k), '');
      else if (data && typeof data === 'object') for (const [k, v] of Object.entries(data)) table.set(k, String(v ?? ''));
      else throw new Error('expected an object or an array');
    } catch (e) {
      this.problems.push(`ignoring ${file}: ${e instanceof Error ? e.message : String(e)}`);
      table = null;
    }
    this.byFile.set(file, table);
    return table;
  }

  /** The pending entry that lists this scenario, if any. */
  lookup(scnPath: string): PendingEntry | null {
    const abs = resolve(scnPath);
    const familyName = join(basename(dirname(abs)), splitext(basename(abs))[0]);
    const files: string[] = [];
    if (this.explicit) files.push(resolve(this.explicit));
    else {
      for (let d = dirname(abs); ; d = dirname(d)) {
        const f = join(d, 'pending.json');
        if (existsSync(f)) {
          files.push(f);
          break;
        }
        if (dirname(d) === d) break;
      }
    }
    for (const file of files) {
      const table = this.load(file);
      if (!table) continue;
      const rel = splitext(relative(dirname(file), abs))[0];
      for (const key of [rel, familyName]) {
        if (table.has(key)) return { key, reason: table.get(key)!, file };
      }
    }
    return null;
  }
}
