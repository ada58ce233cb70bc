// BlockConf: what every disk front end shares (hw/block/block.c,
// include/hw/block/block.h, hw/core/qdev-properties-system.c): the drive
// property and its BlockBackend, the error policy properties (auto = keep
// the BlockBackend's), write cache, share-rw, geometry, bootindex, and the
// realize-time steps (geometry guess, permissions, policy).

import type { BlockBackend } from '../../block/block-backend.js';
import { BLK_PERM_CONSISTENT_READ, BLK_PERM_RESIZE, BLK_PERM_WRITE, BLK_PERM_WRITE_UNCHANGED } from '../../block/permissions.js';
import { QmpError } from '../../qapi/error.js';
import type { DeviceState, PropDef } from '../qdev/device.js';
import { PROP, enumProp, type PropValue } from '../qdev/qdev-props.js';

/** BlockdevOnError as a device property (qapi/block-core.json) */
export const BLOCKDEV_ON_ERROR = ['report', 'ignore', 'enospc', 'stop', 'auto'] as const;
export const ON_OFF_AUTO = ['on', 'off', 'auto'] as const;

/** DEFINE_BLOCK_PROPERTIES + DEFINE_BLOCK_ERROR_PROPERTIES + CHS + bootindex, as data. */
export function blockConfProps(conf: (dev: DeviceState) => BlockConf, opts: { errorProps?: boolean; chs?: boolean; bootindex?: boolean } = {}): PropDef[] {
  const props: PropDef[] = [
    { name: 'drive', kind: PROP.STR, set: (dev, v) => conf(dev).setDrive(String(v)) },
    { name: 'logical_block_size', kind: PROP.UINT32, dflt: 0 },
    { name: 'physical_block_size', kind: PROP.UINT32, dflt: 0 },
    { name: 'min_io_size', kind: PROP.UINT32, dflt: 0 },
    { name: 'opt_io_size', kind: PROP.UINT32, dflt: 0 },
    { name: 'discard_granularity', kind: PROP.UINT32, dflt: 0xffffffff },
    { name: 'write-cache', kind: enumProp(ON_OFF_AUTO), dflt: 'auto' },
    { name: 'share-rw', kind: PROP.BOOL, dflt: false },
    { name: 'account-invalid', kind: enumProp(ON_OFF_AUTO), dflt: 'auto' },
    { name: 'account-failed', kind: enumProp(ON_OFF_AUTO), dflt: 'auto' },
    { name: 'serial', kind: PROP.STR },
  ];
  if (opts.errorProps ?? true) {
    props.push({ name: 'rerror', kind: enumProp(BLOCKDEV_ON_ERROR), dflt: 'auto' });
    props.push({ name: 'werror', kind: enumProp(BLOCKDEV_ON_ERROR), dflt: 'auto' });
  }
  if (opts.chs ?? true) {
    for (const n of ['cyls', 'heads', 'secs', 'lcyls', 'lheads', 'lsecs']) props.push({ name: n, kind: PROP.UINT32, dflt: 0 });
  }
  if (opts.bootindex ?? true) props.push({ name: 'bootindex', kind: PROP.INT32, dflt: -1 });
  return props;
}

function onOffAuto(v: PropValue): boolean | undefined {
  return v === 'on' ? true : v === 'off' ? false : undefined;
}

export class BlockConf {
  blk: BlockBackend | null = null;

  constructor(private readonly dev: DeviceState) {}

  /** set_drive_helper: a -drive BlockBackend by name, else a new anonymous one on a node. */
  setDrive(name: string): void {
    const { dev } = this;
    if (this.blk) throw QmpError.generic(`Attempt to set property 'drive' on device '${dev.id ?? ''}' (type '${dev.typename}') after it was realized`);
    if (name === '') return;
    const graph = dev.env.block;
    let blk = graph.backend(name);
    let created = false;
    if (!blk) {
      const node = graph.findNode(name);
      if (node) {
        blk = graph.createBackend({ perm: 0, ctx: node.aioContext });
        created = true;
        try {
          blk.insertNode(node);
        } catch (e) {
          blk.unref();
          throw e;
        }
      }
    }
    if (!blk) throw QmpError.generic(`Property '${dev.typename}.drive' can't find value '${name}'`);
    try {
      if (!blk.attachDev(dev)) {
        const dinfo = blk.legacyDinfo;
        if (dinfo && dinfo.type !== 'none') {
          throw QmpError.generic(
            `Drive '${name}' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)`,
          );
        }
        throw QmpError.generic(`Drive '${name}' is already in use by another device`);
      }
    } finally {
      if (created) blk.unref(); // attachDev took its own reference
    }
    this.holdBackend(blk);
  }

  /** An empty drive (ide-cd / scsi-cd without drive=): blk_new + blk_attach_dev. */
  attachEmpty(): void {
    const blk = this.dev.env.block.createBackend({ perm: 0 });
    blk.attachDev(this.dev);
    blk.unref();
    this.holdBackend(blk);
  }

  private holdBackend(blk: BlockBackend): void {
    this.blk = blk;
    const dev = this.dev;
    // release_drive: blockdev_auto_del, then blk_detach_dev
    dev.onRelease(() => {
      dev.env.block.autoDel(blk);
      blk.detachDev(dev);
      this.blk = null;
    });
  }

  get bootIndex(): number | undefined {
    const v = this.dev.num('bootindex');
    return this.dev.props.get('bootindex') === undefined || v < 0 ? undefined : v;
  }

  /**
   * blkconf_geometry: without explicit CHS, hd_geometry_guess reads the
   * MBR (blk_pread: a real read through the graph, raising blkdebug's
   * read_aio, neither accounted nor subject to the error policy).
   */
  geometry(maxCyls: number, maxHeads: number, maxSecs: number): void {
    const d = this.dev;
    const [c, h, s] = [d.num('cyls'), d.num('heads'), d.num('secs')];
    if (!c && !h && !s) {
      const blk = this.blk;
      if (blk && blk.isInserted()) blk.syncRequest((cb) => blk.aioPreadv(0, 512, (ret) => cb(ret)));
      return;
    }
    if (c < 1 || c > maxCyls) throw QmpError.generic(`cyls must be between 1 and ${maxCyls}`);
    if (h < 1 || h > maxHeads) throw QmpError.generic(`heads must be between 1 and ${maxHeads}`);
    if (s < 1 || s > maxSecs) throw QmpError.generic(`secs must be between 1 and ${maxSecs}`);
  }

  /** blkconf_apply_backend_options: permissions, write cache, error policy, accounting. */
  applyBackendOptions(readOnly: boolean, resizable: boolean): void {
    const blk = this.blk!;
    const d = this.dev;
    const perm = BLK_PERM_CONSISTENT_READ | (readOnly ? 0 : BLK_PERM_WRITE);
    let shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    if (resizable) shared |= BLK_PERM_RESIZE;
    if (d.bool('share-rw')) shared |= BLK_PERM_WRITE;
    blk.setPerm(perm, shared);
    const wce = onOffAuto(d.props.get('write-cache'));
    if (wce !== undefined) blk.enableWriteCache = wce;
    const rerror = d.str('rerror') ?? 'auto';
    const werror = d.str('werror') ?? 'auto';
    blk.setOnError(rerror === 'auto' ? blk.rerror : (rerror as typeof blk.rerror), werror === 'auto' ? blk.werror : (werror as typeof blk.werror));
    blk.stats.setup(onOffAuto(d.props.get('account-invalid')), onOffAuto(d.props.get('account-failed')));
  }
}
