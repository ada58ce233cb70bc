// qapi/block.json adapters (block/qapi-sysemu.c): I/O throttling and the
// removable-media commands. The tray and the DEVICE_TRAY_MOVED event are the
// device's (BlockDevOps); these commands only drive it.

import { QmpError } from '../qapi/error.js';
import type { BlockBackend } from '../block/block-backend.js';
import { guessProtocol, type BlockGraph } from '../block/block-graph.js';
import type { BlockNode } from '../block/block-node.js';
import { probeFormat, rawProbeWarning } from '../block/drivers/probe.js';
import { BlockGenericError, BlockIOError } from '../block/drivers/block-driver.js';
import { isDriverName } from '../block/drivers/registry.js';
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

interface ChangeMediumArgs {
  device?: string;
  id?: string;
  filename: string;
  format?: string;
  force?: boolean;
  'read-only-mode'?: 'retain' | 'read-only' | 'read-write';
}

/**
 * bdrv_open(filename, {driver: format, detect-zeroes}) as blockdev-change-medium
 * does it: the format node over a protocol node guessed from the filename,
 * the format probed from the first sector when none is given.
 */
function openMedium(graph: BlockGraph, a: ChangeMediumArgs, base: { readOnly: boolean; detectZeroes: boolean; cache: Record<string, string> }): BlockNode {
  const common = { 'read-only': base.readOnly ? 'on' : 'off', 'auto-read-only': 'off', cache: base.cache };
  const protoOpts = guessProtocol({ ...common, filename: a.filename });
  let node: BlockNode;
  if (a.format !== undefined) {
    node = graph.openNode({ ...common, driver: a.format, file: protoOpts }, { legacy: true });
  } else {
    const proto = graph.openNode(protoOpts, { legacy: true });
    try {
      const head = Buffer.alloc(512);
      const len = Math.min(512, proto.bs.getLength());
      if (len > 0) proto.bs.preadInto(0, head.subarray(0, len));
      const driver = probeFormat(head);
      if (driver === 'raw') graph.env.warn(rawProbeWarning(a.filename));
      node = graph.openNode({ ...common, driver, file: proto.nodeName }, { legacy: true, probed: driver === 'raw' });
    } catch (e) {
      graph.discardNode(proto);
      throw e;
    }
  }
  node.flags.detectZeroes = base.detectZeroes ? 'on' : 'off';
  return node;
}

/** qmp_blockdev_change_medium: open the new medium first, then tray open, remove, insert, tray close. */
function changeMedium(graph: BlockGraph, a: ChangeMediumArgs): void {
  const blk = getBlk(graph, a.device, a.id);
  const old = blk.root;
  // blk_update_root_state, then the open flags and detect-zeroes taken from it
  if (old) blk.rootState = { readOnly: old.readOnly, detectZeroes: old.flags.detectZeroes };
  const mode = a['read-only-mode'] ?? 'retain';
  const readOnly = mode === 'retain' ? blk.rootState.readOnly : mode === 'read-only';
  const cache = old ? { direct: old.flags.direct ? 'on' : 'off', 'no-flush': old.flags.noFlush ? 'on' : 'off' } : { direct: 'off', 'no-flush': 'off' };
  // bdrv_find_format fails before anything opens
  if (a.format !== undefined && !isDriverName(a.format)) throw QmpError.generic(`Unknown driver '${a.format}'`);
  let medium: BlockNode;
  try {
    medium = openMedium(graph, a, { readOnly, detectZeroes: blk.rootState.detectZeroes !== 'off', cache });
  } catch (e) {
    if (e instanceof BlockGenericError || e instanceof BlockIOError) throw QmpError.generic(e.message);
    throw e;
  }
  try {
    const tray = openTray(graph, a.device, a.id, a.force ?? false);
    if (tray.result === 'in-progress' && tray.error) throw tray.error;
    removeMedium(graph, a.device, a.id);
    insertAnonMedium(blk, medium.nodeName, graph);
  } catch (e) {
    if (blk.root !== medium) graph.discardNode(medium);
    throw e;
  }
  closeTray(graph, a.device, a.id);
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
    name: 'blockdev-change-medium',
    run: (args: ChangeMediumArgs, ctx) => changeMedium(ctx.machine.block, args),
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
