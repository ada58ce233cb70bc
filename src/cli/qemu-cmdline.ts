// QEMU's command line (softmmu/vl.c qemu_init), as far as qmp-sim models it.
// Which options take an argument is QEMU 7.2's own table, recorded from
// `qemu-system-x86_64 -help` into protocol/qemu-7.2/options.json. Options
// qmp-sim does not model are accepted and reported once on stderr so real
// QEMU command lines (libvirt's) start.

import { readFileSync } from 'node:fs';
import { protocolPath } from '../machine/protocol-data.js';
import { MachineConfig, defaultMachineConfig } from '../machine/config.js';
import { parseQemuOpts, optBool } from '../machine/qemu-opts.js';
import { ChardevSpec, parseChardev, parseChardevShorthand } from '../monitor/chardev.js';

export interface MonitorSpec {
  chardev: string;
  mode: 'control' | 'readline';
  pretty: boolean;
}

export interface QemuCommandLine {
  machine: MachineConfig;
  chardevs: Map<string, ChardevSpec>;
  monitors: MonitorSpec[];
  daemonize: boolean;
  /** where -daemonize stood in argv (a daemon child gets argv without it) */
  daemonizeAt: number[];
  pidfile?: string;
  /** -cpu MODEL[,features] as given (libvirt: qemu64 for type qemu) */
  cpu?: string;
  /** options accepted but not modelled, in order, each once */
  unmodelled: string[];
}

export class CommandLineError extends Error {}

function optionTable(): Record<string, boolean> {
  return JSON.parse(readFileSync(protocolPath('options.json'), 'utf8'));
}

const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 1 / 1024, K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

function parseMemMiB(text: string): number {
  const o = parseQemuOpts(text, 'size');
  const m = /^(\d+(?:\.\d+)?)([kKMGT]?)[bB]?$/.exec(o.get('size') ?? '');
  if (!m) throw new CommandLineError(`Parameter 'size' expects a size`);
  // -m without suffix means MiB
  return Math.round(Number(m[1]) * SIZE_SUFFIX[m[2] || 'M']);
}

export function parseQemuCommandLine(argv: readonly string[], base?: Partial<MachineConfig>): QemuCommandLine {
  const table = optionTable();
  const machine: MachineConfig = { ...defaultMachineConfig(), ...base };
  const chardevs = new Map<string, ChardevSpec>();
  const monitors: MonitorSpec[] = [];
  const unmodelled: string[] = [];
  const note = (opt: string) => {
    if (!unmodelled.includes(opt)) unmodelled.push(opt);
  };
  let daemonize = false;
  const daemonizeAt: number[] = [];
  let cpu: string | undefined;
  let pidfile: string | undefined;
  let compatMonitors = 0;
  let accelSeen = false;

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!word.startsWith('-') || word === '-') {
      // a bare disk image (like -hda)
      note('disk_image');
      continue;
    }
    const name = word.replace(/^--?/, '');
    if (!(name in table)) throw new CommandLineError(`${word}: invalid option`);
    let arg = '';
    if (table[name]) {
      if (i + 1 >= argv.length) throw new CommandLineError(`${word}: requires an argument`);
      arg = argv[++i];
    }
    switch (name) {
      case 'S':
        machine.startPaused = true;
        break;
      case 'machine':
      case 'M': {
        const o = parseQemuOpts(arg, 'type');
        if (o.has('type')) machine.machineType = o.get('type')!;
        if (o.get('acpi') === 'off') machine.acpi = false;
        if (o.has('accel')) {
          machine.accel = o.get('accel')!.split(':');
          accelSeen = true;
        }
        break;
      }
      case 'accel': {
        const o = parseQemuOpts(arg, 'accel');
        const a = o.get('accel') ?? 'tcg';
        machine.accel = accelSeen ? [...machine.accel, a] : [a];
        accelSeen = true;
        break;
      }
      case 'enable-kvm':
        machine.accel = ['kvm'];
        accelSeen = true;
        break;
      case 'name': {
        const o = parseQemuOpts(arg, 'guest');
        if (o.has('guest')) machine.name = o.get('guest');
        break;
      }
      case 'uuid':
        machine.uuid = arg;
        break;
      case 'no-shutdown':
        machine.noShutdown = true;
        break;
      case 'no-reboot':
        machine.noReboot = true;
        break;
      case 'incoming':
        machine.incoming = arg;
        break;
      case 'nodefaults':
        machine.nodefaults = true;
        break;
      case 'm':
        machine.memoryMiB = parseMemMiB(arg);
        break;
      case 'smp': {
        const o = parseQemuOpts(arg, 'cpus');
        const n = Number(o.get('cpus') ?? '1');
        if (Number.isInteger(n) && n > 0) machine.smp = n;
        break;
      }
      case 'drive':
        machine.drives.push(arg);
        break;
      case 'blockdev':
        machine.blockdevs.push(arg);
        break;
      case 'device':
        machine.devices.push(arg);
        break;
      case 'object': {
        const o = arg.trimStart().startsWith('{') ? new Map(Object.entries(JSON.parse(arg)).map(([k, v]) => [k, String(v)])) : parseQemuOpts(arg, 'qom-type');
        if (o.get('qom-type') === 'iothread') {
          const id = o.get('id');
          if (!id) throw new CommandLineError("Parameter 'id' is missing");
          const num = (k: string) => (o.has(k) ? Number(o.get(k)) : undefined);
          machine.iothreads.push({ id, pollMaxNs: num('poll-max-ns'), pollGrow: num('poll-grow'), pollShrink: num('poll-shrink'), aioMaxBatch: num('aio-max-batch') });
        } else {
          note(`-object ${o.get('qom-type') ?? ''}`.trim());
        }
        break;
      }
      case 'chardev': {
        const spec = parseChardev(arg);
        if (chardevs.has(spec.id)) throw new CommandLineError(`Duplicate chardev ID '${spec.id}'`);
        chardevs.set(spec.id, spec);
        break;
      }
      case 'mon': {
        const o = parseQemuOpts(arg, 'chardev');
        const chardev = o.get('chardev');
        if (!chardev) throw new CommandLineError('-mon: chardev is required');
        const mode = (o.get('mode') ?? 'readline') as MonitorSpec['mode'];
        monitors.push({ chardev, mode, pretty: optBool(o, 'pretty', false) });
        break;
      }
      case 'qmp':
      case 'qmp-pretty':
      case 'monitor': {
        const id = `compat_monitor${compatMonitors++}`;
        chardevs.set(id, parseChardevShorthand(arg, id));
        monitors.push({ chardev: id, mode: name === 'monitor' ? 'readline' : 'control', pretty: name === 'qmp-pretty' });
        break;
      }
      case 'daemonize':
        daemonize = true;
        daemonizeAt.push(i);
        break;
      case 'cpu':
        cpu = arg;
        machine.cpuModel = arg.split(',')[0] || machine.cpuModel;
        note(word);
        break;
      case 'pidfile':
        pidfile = arg;
        break;
      case 'no-acpi':
        machine.acpi = false;
        break;
      // Accepted, and of no consequence for what qmp-sim shows over QMP.
      case 'display':
      case 'nographic':
      case 'no-user-config':
      case 'nodefconfig':
        break;
      default:
        note(word.startsWith('--') ? word.slice(1) : word);
    }
  }
  for (const m of monitors) {
    if (!chardevs.has(m.chardev)) throw new CommandLineError(`-mon: chardev '${m.chardev}' not found`);
  }
  return { machine, chardevs, monitors, daemonize, daemonizeAt, pidfile, cpu, unmodelled };
}
