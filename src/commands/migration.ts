// qapi/migration.json, as far as a machine that never migrates answers it
// (migration/migration.c): query-migrate, migrate-incoming, the postcopy
// recovery commands that are allowed out-of-band, and the capabilities and
// parameters, whose defaults are QEMU 7.2's recorded replies.

import { QmpError } from '../qapi/error.js';
import type { Machine } from '../machine/machine.js';
import type { CommandDef } from './registry.js';
import { replay, targetRecording, type Recorded } from './target-profile.js';

interface MigrationSettings {
  caps: Map<string, boolean>;
  params: Map<string, unknown>;
}

// Per-machine settings, keyed by the Machine object (they die with it).
const settingsOf = new WeakMap<Machine, MigrationSettings>();

function settings(machine: Machine): MigrationSettings {
  let s = settingsOf.get(machine);
  if (!s) {
    s = { caps: new Map(), params: new Map() };
    settingsOf.set(machine, s);
  }
  return s;
}

type Caps = Record<string, boolean>;

/** migrate_caps_check: the combinations QEMU 7.2 (Linux build) refuses, first match wins. */
const CAPABILITY_RULES: { refuses: (c: Caps, p: Map<string, unknown>) => boolean; desc: string }[] = [
  { refuses: (c) => c['postcopy-ram'] && c['x-ignore-shared'], desc: 'Postcopy is not compatible with ignore-shared' },
  {
    refuses: (c, p) =>
      c['zero-copy-send'] &&
      (!c.multifd || c.compress || c.xbzrle || (p.get('multifd-compression') ?? 'none') !== 'none' || Boolean(p.get('tls-creds'))),
    desc: 'Zero copy only available for non-compressed non-TLS multifd migration',
  },
  { refuses: (c) => c['postcopy-preempt'] && !c['postcopy-ram'], desc: 'Postcopy preempt requires postcopy-ram' },
  { refuses: (c) => c['postcopy-preempt'] && c.compress, desc: 'Postcopy preempt not compatible with compress' },
  { refuses: (c) => c.multifd && c.compress, desc: 'Multifd is not compatible with compress' },
];

function queryCapabilities(machine: Machine): { state: boolean; capability: string }[] {
  const base = replay(targetRecording<Recorded>(machine, 'query-migrate-capabilities.json')) as { state: boolean; capability: string }[];
  const s = settings(machine);
  return base.map((c) => ({ state: s.caps.get(c.capability) ?? c.state, capability: c.capability }));
}

export const migrationCommands: CommandDef[] = [
  {
    name: 'query-migrate',
    run: (_a, ctx) => ctx.machine.migration.query(),
  },
  {
    name: 'migrate-incoming',
    run: (args: { uri: string }, ctx) => ctx.machine.migration.incoming(args.uri),
  },
  {
    name: 'migrate-pause',
    run: (_a, ctx) => {
      ctx.machine.migration.pause();
    },
  },
  {
    name: 'migrate-recover',
    run: (_a, ctx) => {
      ctx.machine.migration.recover();
    },
  },
  {
    name: 'migrate_cancel',
    run: () => {},
  },
  { name: 'query-migrate-capabilities', run: (_a, ctx) => queryCapabilities(ctx.machine) },
  {
    // qmp_migrate_set_capabilities: check the whole new set, then apply it
    name: 'migrate-set-capabilities',
    run(args: { capabilities: { capability: string; state: boolean }[] }, ctx) {
      const s = settings(ctx.machine);
      const next: Caps = Object.fromEntries(queryCapabilities(ctx.machine).map((c) => [c.capability, c.state]));
      for (const c of args.capabilities) next[c.capability] = c.state;
      const bad = CAPABILITY_RULES.find((r) => r.refuses(next, s.params));
      if (bad) throw QmpError.generic(bad.desc);
      for (const c of args.capabilities) s.caps.set(c.capability, c.state);
    },
  },
  {
    name: 'query-migrate-parameters',
    run(_a, ctx) {
      const out = replay(targetRecording<Recorded>(ctx.machine, 'query-migrate-parameters.json')) as Record<string, unknown>;
      for (const [k, v] of settings(ctx.machine).params) out[k] = v;
      return out;
    },
  },
  {
    // qmp_migrate_set_parameters: stored as given (range checks not modelled)
    name: 'migrate-set-parameters',
    run(args: Record<string, unknown>, ctx) {
      const p = settings(ctx.machine).params;
      for (const [k, v] of Object.entries(args)) {
        // tls-creds/tls-hostname/tls-authz: null means "" (StrOrNull)
        p.set(k, v === null ? '' : v);
      }
    },
  },
];
