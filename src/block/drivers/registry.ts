// The driver table and the two ways in: openDriver() for blockdev-add style
// options (block.c bdrv_open_inherit with a BlockdevOptions dict) and image
// creation for blockdev-create (file, qcow2) and for the targets drive-mirror
// makes (block.c bdrv_img_create).

import type { BdrvChildName, BlockDriverState, PreallocMode } from './block-driver.js';
import { BlockGenericError } from './block-driver.js';
import { BlkdebugDriver } from './blkdebug.js';
import { pathHasProtocol, pathDirname } from './driver-base.js';
import { FileDriver, createFile } from './file.js';
import { NullDriver } from './null.js';
import type { BlockdevRef, CorruptionReport, InheritedFlags, OpenContext } from './open-context.js';
import { optBool, optEnum, optSize, optString, type OptionBag } from './options.js';
import { qcow2Create, type Qcow2CreateOptions } from './qcow2/create.js';
import { Qcow2Driver } from './qcow2/qcow2.js';
import { RawDriver } from './raw.js';
import { defaultImageDirPolicy, type ImageDirPolicy } from '../image-dir.js';

export type DriverName = 'file' | 'raw' | 'qcow2' | 'null-co' | 'null-aio' | 'blkdebug';

export interface OpenExtra {
  /** The format was guessed by probing (raw restricts writes to sector 0). */
  probed?: boolean;
}

type Opener = (opts: OptionBag, ctx: OpenContext, inherited: InheritedFlags, extra: OpenExtra) => BlockDriverState;

/** BlockDriver registrations, as data. */
export const DRIVERS: Readonly<Record<DriverName, Opener>> = {
  file: (o, ctx, inh) => FileDriver.open(o, ctx, inh),
  raw: (o, ctx, inh, extra) => RawDriver.open(o, ctx, inh, extra.probed ?? false),
  qcow2: (o, ctx, inh) => Qcow2Driver.open(o, ctx, inh),
  'null-co': (o, ctx, inh) => NullDriver.open('null-co', o, ctx, inh.readOnly),
  'null-aio': (o, ctx, inh) => NullDriver.open('null-aio', o, ctx, inh.readOnly),
  blkdebug: (o, ctx, inh) => BlkdebugDriver.open(o, ctx, inh),
};

export function isDriverName(s: string): s is DriverName {
  return Object.prototype.hasOwnProperty.call(DRIVERS, s);
}

const ROOT_FLAGS: InheritedFlags = { readOnly: false, autoReadOnly: false, noFlush: false };

/**
 * Opens one node from BlockdevOptions-like options. Children given inline or
 * by node-name go through ctx.openChild (see createOpenContext for a
 * default that opens inline children itself and resolves names by callback).
 */
export function openDriver(options: OptionBag, ctx: OpenContext, inherited: InheritedFlags = ROOT_FLAGS, extra: OpenExtra = {}): BlockDriverState {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BlockGenericError("Invalid parameter type for 'options', expected: object");
  }
  let driver = options.driver;
  // bdrv_fill_options: a protocol node given only a filename is a 'file' node
  if (driver === undefined && typeof options.filename === 'string') {
    driver = 'file';
    options = { driver, ...options };
  }
  if (driver === undefined) throw new BlockGenericError("Parameter 'driver' is missing");
  if (typeof driver !== 'string') throw new BlockGenericError("Invalid parameter type for 'driver', expected: string");
  if (!isDriverName(driver)) throw new BlockGenericError(`Parameter 'driver' does not accept value '${driver}'`);
  return DRIVERS[driver](options, ctx, inherited, extra);
}

export interface DefaultContextOptions {
  policy?: ImageDirPolicy;
  /** Resolves node-name references (undefined: not found). */
  resolveNode?: (name: string) => BlockDriverState | undefined;
  legacy?: boolean;
  warn?: (msg: string) => void;
  onCorruption?: (node: BlockDriverState, report: CorruptionReport) => void;
}

/**
 * An OpenContext that opens inline children with openDriver and closes them
 * again when their parent fails to open. closeTree() closes a node and the
 * inline children it opened (not referenced nodes).
 */
export interface DefaultOpenContext extends OpenContext {
  closeTree(node: BlockDriverState): void;
}

export function createOpenContext(o: DefaultContextOptions = {}): DefaultOpenContext {
  const inline = new WeakSet<BlockDriverState>();
  const ctx: DefaultOpenContext = {
    policy: o.policy ?? defaultImageDirPolicy(),
    legacy: o.legacy,
    warn: o.warn,
    onCorruption: o.onCorruption,
    openChild(ref: BlockdevRef, _role: BdrvChildName, inherited: InheritedFlags): BlockDriverState {
      if (typeof ref === 'string') {
        const node = o.resolveNode?.(ref);
        if (!node) throw new BlockGenericError(`Cannot find device='${ref}' nor node-name='${ref}'`);
        return node;
      }
      const node = openDriver(ref, ctx, inherited);
      inline.add(node);
      return node;
    },
    releaseChild(node: BlockDriverState, ref: BlockdevRef): void {
      if (typeof ref !== 'string') ctx.closeTree(node);
    },
    closeTree(node: BlockDriverState): void {
      const children = [...node.children];
      node.close();
      for (const c of children) if (inline.has(c.node) && !c.node.closed) ctx.closeTree(c.node);
    },
  };
  return ctx;
}

// ---- creation ------------------------------------------------------------

/** BlockdevCreateOptions for the drivers that can create (file, qcow2). */
export function blockdevCreate(options: OptionBag, ctx: OpenContext): void {
  const driver = optString(options, 'driver');
  if (driver === undefined) throw new BlockGenericError("Parameter 'driver' is missing");
  if (driver === 'file') {
    const filename = optString(options, 'filename');
    if (filename === undefined) throw new BlockGenericError("Parameter 'filename' is missing");
    const size = optSize(options, 'size');
    if (size === undefined) throw new BlockGenericError("Parameter 'size' is missing");
    const prealloc = optEnum(options, 'preallocation', ['off', 'metadata', 'falloc', 'full']) ?? 'off';
    if (prealloc === 'metadata') throw new BlockGenericError(`Unsupported preallocation mode: ${prealloc}`);
    const hint = optSize(options, 'extent-size-hint');
    if (hint !== undefined && hint > 0xffffffff) throw new BlockGenericError('Extent size hint is too large');
    optBool(options, 'nocow');
    createFile(ctx, filename, size, prealloc);
    return;
  }
  if (driver === 'qcow2') {
    const ref = options.file;
    if (ref === undefined) throw new BlockGenericError("Parameter 'file' is missing");
    const size = optSize(options, 'size');
    if (size === undefined) throw new BlockGenericError("Parameter 'size' is missing");
    const create: Qcow2CreateOptions = {
      size,
      version: optEnum(options, 'version', ['v2', 'v3']),
      clusterSize: optSize(options, 'cluster-size'),
      backingFile: optString(options, 'backing-file'),
      backingFmt: optString(options, 'backing-fmt'),
      lazyRefcounts: optBool(options, 'lazy-refcounts'),
      refcountBits: optSize(options, 'refcount-bits'),
      preallocation: optEnum(options, 'preallocation', ['off', 'metadata', 'falloc', 'full']),
      extendedL2: optBool(options, 'extended-l2'),
      compressionType: optEnum(options, 'compression-type', ['zlib', 'zstd']),
      dataFile: options['data-file'],
      dataFileRaw: optBool(options, 'data-file-raw'),
      encrypt: options.encrypt,
    };
    const file = ctx.openChild(ref as BlockdevRef, 'file', ROOT_FLAGS);
    try {
      qcow2Create(file, create, ctx);
    } finally {
      if (typeof ref !== 'string') ctx.releaseChild?.(file, ref as BlockdevRef);
    }
    return;
  }
  throw new BlockGenericError(`Driver '${driver}' does not support blockdev-create`);
}

export interface ImageCreateSpec {
  filename: string;
  format: 'raw' | 'qcow2';
  /** Bytes; may be omitted when a backing file gives the size. */
  size?: number;
  backingFile?: string;
  backingFormat?: string;
  clusterSize?: number;
  preallocation?: PreallocMode;
}

/** bdrv_get_full_backing_filename_from_filename. */
export function fullBackingFilenameFrom(filename: string, backing: string): string {
  if (backing === '' || pathHasProtocol(backing) || backing.startsWith('/') || filename === '') return backing;
  return pathDirname(filename) + backing;
}

/**
 * bdrv_img_create: creates an image file (as qemu-img create and
 * drive-mirror's target creation do), taking the size from the backing file
 * when none is given.
 */
export function createImageFile(spec: ImageCreateSpec, ctx: OpenContext): void {
  let size = spec.size;
  if (spec.backingFile !== undefined) {
    if (spec.format !== 'qcow2') throw new BlockGenericError(`Backing file not supported for file format '${spec.format}'`);
    if (spec.backingFile === '') throw new BlockGenericError('Expected backing file name, got empty string');
    const full = fullBackingFilenameFrom(spec.filename, spec.backingFile);
    const local = createOpenContext({ policy: ctx.policy });
    const fmt = spec.backingFormat;
    if (fmt === undefined) throw new BlockGenericError('Backing file specified without backing format');
    const backing = openDriver({ driver: fmt, file: { driver: 'file', filename: full }, 'read-only': true }, local, {
      readOnly: true,
      autoReadOnly: false,
      noFlush: true,
    });
    try {
      if (size === undefined) size = backing.getLength();
    } finally {
      local.closeTree(backing);
    }
  } else if (spec.backingFormat !== undefined) {
    throw new BlockGenericError('Backing file format not supported for file format \'raw\'');
  }
  if (size === undefined) throw new BlockGenericError('Image creation needs a size parameter');
  if (spec.format === 'raw') {
    const p = spec.preallocation ?? 'off';
    if (p === 'metadata') throw new BlockGenericError(`Unsupported preallocation mode: ${p}`);
    createFile(ctx, spec.filename, size, p);
    return;
  }
  validateBeforeFile(spec, size);
  createFile(ctx, spec.filename, 0);
  const local = createOpenContext({ policy: ctx.policy });
  const file = openDriver({ driver: 'file', filename: spec.filename }, local);
  try {
    qcow2Create(
      file,
      {
        size,
        clusterSize: spec.clusterSize,
        backingFile: spec.backingFile,
        backingFmt: spec.backingFormat,
        preallocation: spec.preallocation,
      },
      ctx,
    );
  } finally {
    file.close();
  }
}

/** The qcow2 option errors QEMU reports before it touches the file. */
function validateBeforeFile(spec: ImageCreateSpec, size: number): void {
  if (size % 512 !== 0) throw new BlockGenericError('Image size must be a multiple of 512 bytes');
  const cs = spec.clusterSize ?? 65536;
  if (!(cs >= 512 && cs <= 2 * 1024 * 1024 && (cs & (cs - 1)) === 0)) {
    throw new BlockGenericError('Cluster size must be a power of two between 512 and 2048k');
  }
}
