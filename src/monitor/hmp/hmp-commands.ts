// The HMP commands qmp-sim interprets (hmp-commands.hx, hmp-commands-info.hx;
// handlers in monitor/hmp-cmds.c). Each runs the QMP command that does the
// work and formats the result as QEMU's HMP does. `help` prints QEMU 7.2's
// own help text, recorded into protocol/qemu-7.2/hmp-help.json.

import type { Machine } from '../../machine/machine.js';
import { hmpQemuIo } from '../../block/qemu-io.js';
import { hmpInfoBlock, hmpInfoBlockstats } from './info-block.js';

export interface HmpContext {
  machine: Machine;
  /** Run a QMP command (arguments already in QAPI shape); errors throw QmpError. */
  qmp(name: string, args?: Record<string, unknown>): unknown;
  helpText(topic: 'all' | 'info'): string;
}

export interface HmpCommand {
  /** "name" or "name|alias" as in hmp-commands.hx */
  names: string;
  run(ctx: HmpContext, argText: string): string;
}

export const HMP_INFO_COMMANDS: HmpCommand[] = [
  { names: 'status', run: (ctx) => ctx.machine.runState.infoStatus() },
  {
    names: 'version',
    run: (ctx) => {
      const v = ctx.qmp('query-version') as { qemu: { major: number; minor: number; micro: number }; package: string };
      return `${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro}${v.package}\n`;
    },
  },
  {
    names: 'name',
    run: (ctx) => {
      const n = ctx.qmp('query-name') as { name?: string };
      return n.name === undefined ? '' : `${n.name}\n`;
    },
  },
  { names: 'block', run: (ctx, arg) => hmpInfoBlock(ctx, arg) },
  { names: 'blockstats', run: (ctx, arg) => hmpInfoBlockstats(ctx, arg) },
  { names: 'uuid', run: (ctx) => `${(ctx.qmp('query-uuid') as { UUID: string }).UUID}\n` },
  {
    names: 'kvm',
    run: (ctx) => {
      const k = ctx.qmp('query-kvm') as { enabled: boolean; present: boolean };
      return `kvm support: ${k.present ? (k.enabled ? 'enabled' : 'disabled') : 'not compiled'}\n`;
    },
  },
];

export const HMP_COMMANDS: HmpCommand[] = [
  { names: 'stop|s', run: (ctx) => (ctx.qmp('stop'), '') },
  { names: 'cont|c', run: (ctx) => (ctx.qmp('cont'), '') },
  { names: 'system_reset', run: (ctx) => (ctx.qmp('system_reset'), '') },
  { names: 'system_powerdown', run: (ctx) => (ctx.qmp('system_powerdown'), '') },
  { names: 'system_wakeup', run: (ctx) => (ctx.qmp('system_wakeup'), '') },
  { names: 'quit|q', run: (ctx) => (ctx.qmp('quit'), '') },
  // block/monitor/block-hmp-cmds.c hmp_qemu_io: its report goes to stdout, not the monitor
  { names: 'qemu-io', run: (ctx, arg) => hmpQemuIo(ctx.machine.block, arg) },
  {
    names: 'help|?',
    run: (ctx, arg) => {
      const topic = arg.trim();
      if (topic === '') return ctx.helpText('all');
      if (topic === 'info') return ctx.helpText('info');
      return '';
    },
  },
];
