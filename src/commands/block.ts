// qapi/block.json adapters (block/qapi-sysemu.c): I/O throttling and the
// removable-media commands. The tray and the DEVICE_TRAY_MOVED event are the
// device's (BlockDevOps); these commands only drive it.

import { QmpError } from '../qapi/error.js';
import type { BlockBackend } from '../block/block-backend.js';
import type { BlockGraph } from '../block/block-graph.js';
import { THROTTLE_BUCKETS, throttleConfigInit, throttleEnabled, throttleInvalid } from '../block/throttle.js';
import type { CommandDef } from './registry.js';

/** qmp_get_blk: exactly one of a BB name and a device id. */
function getBlk(graph: BlockGraph, device: string | undefined, id: string | undefined): BlockBackend {
  if ((device === undefined) === (id === undefined)) throw QmpError.generic("Need exactly one of 'device' and 'id'");
  if (id !== undefined) return graph.backendByQdevId(id);
  const blk = graph.backend(device!);
  if (!blk) throw new QmpError('DeviceNotFound', `Device '${device}' not found`);
  return blk;
}

type TrayResult = 'ok' | 'no-tray' | 'in-progress';

/** do_open_tray */
function openTray(graph: BlockGraph, device: string | undefined, id: string | undefined, force: boolean): { result: TrayResult; error?: QmpError } {
  const blk = getBlk(graph, device, id);
  const name = id ?? device!;
  if (!blk.devHasRemovableMedia()) throw QmpError.generic(`Device '${name}' is not removable`);
  if (!blk.devHasTray()) return { result: 'no-tray', error: QmpError.generic(`Device '${name}' does not have a tray`) };
  if (blk.devIsTrayOpen()) return { result: 'ok' };
  const locked = blk.devIsMediumLocked();
  if (locked) blk.devEjectRequest(force);
  if (!locked || force) blk.devChangeMediaCb(false);
  if (locked && !force) {
    return {
      result: 'in-progress',
      error: QmpError.generic(`Device '${name}' is locked and force was not specified, wait for tray to open and try again`),
    };
  }
  return { result: 'ok' };
}

/** blockdev_remove_medium */
function removeMedium(graph: BlockGraph, device: string | undefined, id: string | undefined): void {
  const blk = getBlk(graph, device, id);
  const name = device ?? id!;
  const hasDev = blk.dev !== null;
  if (hasDev && !blk.devHasRemovableMedia()) throw QmpError.generic(`Device '${name}' is not removable`);
  if (hasDev && blk.devHasTray() && !blk.devIsTrayOpen()) throw QmpError.generic(`Tray of device '${name}' is not open`);
  const node = blk.root;
  if (!node) return;
  const busy = node.opBlockedMessage('drive-del');
  if (busy) throw QmpError.generic(busy);
  blk.removeNode();
  if (!blk.devHasTray()) blk.devChangeMediaCb(false);
}

/** qmp_blockdev_insert_anon_medium */
function insertAnonMedium(blk: BlockBackend, nodeName: string, graph: BlockGraph): void {
  const node = graph.findNode(nodeName)!;
  const hasDev = blk.dev !== null;
  if (hasDev && !blk.devHasRemovableMedia()) throw QmpError.generic('Device is not removable');
  if (hasDev && blk.devHasTray() && !blk.devIsTrayOpen()) throw QmpError.generic('Tray of the device is not open');
  if (blk.root) throw QmpError.generic('There already is a medium in the device');
  blk.insertNode(node);
  if (!blk.devHasTray()) blk.devChangeMediaCb(true);
}

/** qmp_blockdev_close_tray */
function closeTray(graph: BlockGraph, device: string | undefined, id: string | undefined): void {
  const blk = getBlk(graph, device, id);
  if (!blk.devHasRemovableMedia()) throw QmpError.generic(`Device '${device ?? id}' is not removable`);
  if (!blk.devHasTray() || !blk.devIsTrayOpen()) return;
  blk.devChangeMediaCb(true);
}

interface IoThrottleArgs {
  device?: string;
  id?: string;
  bps: number;
  bps_rd: number;
  bps_wr: number;
  iops: number;
  iops_rd: number;
  iops_wr: number;
  group?: string;
  iops_size?: number;
  [k: string]: unknown;
}

export const blockCommands: CommandDef[] = [
  {
    // qmp_block_set_io_throttle: all-zero limits switch throttling off
    name: 'block_set_io_throttle',
    run(args: IoThrottleArgs, ctx) {
      const blk = getBlk(ctx.machine.block, args.device, args.id);
      if (!blk.root) throw QmpError.generic('Device has no medium');
      const cfg = throttleConfigInit();
      for (const b of THROTTLE_BUCKETS) {
        cfg.buckets[b].avg = Number(args[b] ?? 0);
        if (args[`${b}_max`] !== undefined) cfg.buckets[b].max = Number(args[`${b}_max`]);
        if (args[`${b}_max_length`] !== undefined) cfg.buckets[b].burstLength = Number(args[`${b}_max_length`]);
      }
      if (args.iops_size !== undefined) cfg.opSize = Number(args.iops_size);
      const invalid = throttleInvalid(cfg);
      if (invalid) throw QmpError.generic(invalid);
      if (throttleEnabled(cfg)) {
        // a new member joins group, device or id; a member moves only when group is given
        blk.setIoLimits(cfg, blk.throttle ? args.group : (args.group ?? args.device ?? args.id!));
      } else {
        blk.disableIoLimits();
      }
    },
  },
  {
    name: 'blockdev-open-tray',
    run(args: { device?: string; id?: string; force?: boolean }, ctx) {
      const r = openTray(ctx.machine.block, args.device, args.id, args.force ?? false);
      // -ENOSYS (no tray) and -EINPROGRESS (locked) are not errors here
      void r;
    },
  },
  {
    name: 'blockdev-close-tray',
    run: (args: { device?: string; id?: string }, ctx) => closeTray(ctx.machine.block, args.device, args.id),
  },
  {
    name: 'blockdev-remove-medium',
    run: (args: { id: string }, ctx) => removeMedium(ctx.machine.block, undefined, args.id),
  },
  {
    name: 'blockdev-insert-medium',
    run(args: { id: string; 'node-name': string }, ctx) {
      const graph = ctx.machine.block;
      const blk = getBlk(graph, undefined, args.id);
      const node = graph.findNode(args['node-name']);
      if (!node) throw QmpError.generic(`Node '${args['node-name']}' not found`);
      if (node.hasBlk()) throw QmpError.generic(`Node '${args['node-name']}' is already in use`);
      insertAnonMedium(blk, args['node-name'], graph);
    },
  },
  {
    // qmp_eject: open the tray (no-tray is fine), then remove the medium
    name: 'eject',
    run(args: { device?: string; id?: string; force?: boolean }, ctx) {
      const r = openTray(ctx.machine.block, args.device, args.id, args.force ?? false);
      if (r.result === 'in-progress' && r.error) throw r.error;
      removeMedium(ctx.machine.block, args.device, args.id);
    },
  },
];
