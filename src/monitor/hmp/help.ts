// `help` and `help info` print QEMU 7.2's own help text (monitor/hmp.c
// help_cmd over hmp-commands.hx), recorded from real QEMU into
// protocol/qemu-7.2/hmp-help.json.

import { readFileSync } from 'node:fs';
import { protocolPath } from '../../machine/protocol-data.js';

export function hmpHelpText(topic: 'all' | 'info'): string {
  const data = JSON.parse(readFileSync(protocolPath('hmp-help.json'), 'utf8')) as Record<string, string>;
  const text = topic === 'all' ? data.help ?? data.all : data['help info'] ?? data.info;
  return (text ?? '').replace(/\r\n/g, '\n');
}
