// The block part of machine creation (softmmu/vl.c configure_blockdev):
// every -blockdev first, then every -drive, then the board's default drives
// (CD-ROM, floppy, SD) unless -nodefaults or a device that replaces them.
// Errors end the process as QEMU's do: "qemu-system-x86_64: -drive TEXT: desc".

import { BlockGraph } from '../block/block-graph.js';
import type { BlockEnv } from '../block/block-env.js';
import { driveNew, type DriveContext } from '../block/drive.js';
import { BlockGenericError } from '../block/drivers/block-driver.js';
import { QmpError } from '../qapi/error.js';
import type { MachineConfig } from './config.js';
import { parseBlockdevArg } from './blockdev-arg.js';

const PROG = 'qemu-system-x86_64';

/** Board defaults (MachineClass no_cdrom/no_floppy/no_sdcard). */
function boardDefaults(machineType: string): { cdrom: boolean; floppy: boolean; sd: boolean } {
  if (machineType === 'none') return { cdrom: false, floppy: false, sd: false };
  if (machineType.startsWith('q35') || machineType.startsWith('pc-q35')) return { cdrom: true, floppy: false, sd: true };
  return { cdrom: true, floppy: true, sd: true };
}

/** vl.c default_list: devices that replace a default drive. */
const REPLACES: Readonly<Record<string, 'cdrom' | 'floppy'>> = {
  'isa-fdc': 'floppy',
  floppy: 'floppy',
  'ide-cd': 'cdrom',
  'ide-hd': 'cdrom',
  'ide-drive': 'cdrom',
  'scsi-cd': 'cdrom',
  'scsi-hd': 'cdrom',
};

function fail(option: string, text: string, e: unknown): never {
  if (e instanceof BlockGenericError || e instanceof QmpError) throw new Error(`${PROG}: ${option} ${text}: ${e.message}`);
  throw e;
}

export function buildBlockGraph(env: BlockEnv, config: MachineConfig): BlockGraph {
  const graph = new BlockGraph(env);
  for (const text of config.blockdevs) {
    try {
      graph.openNode(parseBlockdevArg(text), { requireName: true, monitorOwned: true });
    } catch (e) {
      fail('-blockdev', text, e);
    }
  }
  const dc: DriveContext = { defaultType: 'ide', inmigrate: config.incoming !== undefined, seenIds: new Set() };
  for (const text of config.drives) {
    try {
      driveNew(graph, text, dc);
    } catch (e) {
      fail('-drive', text, e);
    }
  }
  if (!config.nodefaults) {
    const d = boardDefaults(config.machineType);
    for (const dev of config.devices) {
      const driver = /^(?:driver=)?([^,=]+)/.exec(dev)?.[1] ?? '';
      const which = REPLACES[driver];
      if (which) d[which] = false;
    }
    const defaults: Array<[boolean, string, string, number]> = [
      [d.cdrom, 'if=ide,index=2,media=cdrom', 'ide', 2],
      [d.floppy, 'if=floppy,index=0', 'floppy', 0],
      [d.sd, 'if=sd,index=0', 'sd', 0],
    ];
    for (const [on, text, type, index] of defaults) {
      if (!on) continue;
      const taken = graph.drives.some((x) => x.type === type && (type === 'ide' ? x.bus * 2 + x.unit : x.unit) === index);
      if (taken) continue;
      try {
        driveNew(graph, text, dc);
      } catch (e) {
        fail('-drive', text, e);
      }
    }
  }
  return graph;
}
