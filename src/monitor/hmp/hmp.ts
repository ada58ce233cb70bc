// The HMP interpreter behind human-monitor-command (monitor/hmp.c
// handle_hmp_command, monitor_parse_command): command name lookup with
// aliases, `info` sub-commands, QEMU's "unknown command" text, and output
// with "\r\n" line ends as the monitor's output buffer writes them.

import { QmpError } from '../../qapi/error.js';
import { HMP_COMMANDS, HMP_INFO_COMMANDS, HmpCommand, HmpContext } from './hmp-commands.js';
import { HmpArgError } from './info-block.js';

function find(table: HmpCommand[], name: string): HmpCommand | undefined {
  return table.find((c) => c.names.split('|').includes(name));
}

/** Splits off the first word: [word, rest] (monitor/hmp.c get_command_name). */
function firstWord(text: string): [string, string] {
  const m = /^\s*(\S*)(.*)$/s.exec(text)!;
  return [m[1], m[2]];
}

export function runHmp(ctx: HmpContext, line: string): string {
  const [name, rest] = firstWord(line);
  if (name === '') return '';
  let out: string;
  if (name === 'info') {
    const [sub, subRest] = firstWord(rest);
    if (sub === '') {
      out = ctx.helpText('info');
    } else {
      const cmd = find(HMP_INFO_COMMANDS, sub);
      if (!cmd) return `unknown command: 'info ${sub}'\r\n`;
      out = runOne(cmd, ctx, subRest, `info ${sub}`);
    }
  } else {
    const cmd = find(HMP_COMMANDS, name);
    if (!cmd) return `unknown command: '${name}'\r\n`;
    out = runOne(cmd, ctx, rest, name);
  }
  return out.replace(/\r?\n/g, '\r\n');
}

function runOne(cmd: HmpCommand, ctx: HmpContext, args: string, label: string): string {
  try {
    return cmd.run(ctx, args);
  } catch (e) {
    // monitor_parse_arguments failed: its message, then handle_hmp_command's hint
    if (e instanceof HmpArgError) return `${e.message}\nTry "help ${label}" for more information\n`;
    // HMP prints errors as "Error: <desc>" (hmp_handle_error).
    if (e instanceof QmpError) return `Error: ${e.desc}\n`;
    throw e;
  }
}
