// What block.c and block/qapi.c do for every driver: children, read-only
// checks, bdrv_refresh_filename (json: filenames), bdrv_get_info fallbacks,
// bdrv_get_allocated_file_size defaults and ImageInfo assembly
// (bdrv_query_image_info). Drivers override the hooks QEMU's BlockDriver has.

import type {
  BdrvChild,
  BdrvChildName,
  BlockDriverState,
  BlockStatus,
  FilenameInfo,
  ImageInfo,
  ImageInfoSpecific,
  NodeIoEvent,
  SnapshotInfo,
  TruncateOptions,
  WriteZeroesFlags,
} from './block-driver.js';
import { BDRV_SECTOR_SIZE, BlockGenericError, BlockIOError } from './block-driver.js';
import type { BlkdebugEvent } from './blkdebug-events.js';
import { ENOMEDIUM, ENOTSUP, EPERM } from './errno.js';
import { flattenOptions, jsonFilename } from './json-filename.js';
import type { OptionBag } from './options.js';
import type { QDictValue, QValue } from '../../qapi/qobject/qobject.js';

/** Option keys that name children rather than options of the node itself. */
const CHILD_KEYS: ReadonlySet<string> = new Set(['file', 'backing', 'image', 'data-file']);

export function roundUpToSector(n: number): number {
  return Math.ceil(n / BDRV_SECTOR_SIZE) * BDRV_SECTOR_SIZE;
}

/** path_has_protocol (block.c): "proto:" before any slash. */
export function pathHasProtocol(path: string): boolean {
  const m = /[:/\\]/.exec(path);
  return m !== null && m[0] === ':';
}

/** path_combine(base, "") (block.c): the directory part of base, with its slash. */
export function pathDirname(base: string): string {
  const slash = base.lastIndexOf('/');
  return slash < 0 ? '' : base.slice(0, slash + 1);
}

export interface DriverBaseInit {
  options: OptionBag;
  readOnly: boolean;
  /** Options come from legacy -drive (QemuOpts order and strings). */
  legacy?: boolean;
}

export abstract class BlockDriverBase implements BlockDriverState {
  abstract readonly format: string;
  readonly isProtocol: boolean = false;
  readonly isFilter: boolean = false;
  readonly supportsBacking: boolean = false;
  /** BlockDriver.strong_runtime_opts; names ending in '.' are prefixes. */
  protected readonly strongRuntimeOpts: readonly string[] = [];

  readonly readOnly: boolean;
  requestAlignment = 1;
  maxTransfer = 0;
  ioListener: ((e: NodeIoEvent) => void) | null = null;
  protected readonly options: OptionBag;
  protected readonly legacy: boolean;
  private readonly childList: BdrvChild[] = [];
  private isClosed = false;

  constructor(init: DriverBaseInit) {
    this.options = init.options;
    this.readOnly = init.readOnly;
    this.legacy = init.legacy ?? false;
  }

  // ---- children -------------------------------------------------------

  get children(): readonly BdrvChild[] {
    return this.childList;
  }
  get file(): BdrvChild | null {
    return this.childList.find((c) => c.name === 'file' || c.name === 'image') ?? null;
  }
  get backing(): BdrvChild | null {
    return this.childList.find((c) => c.name === 'backing') ?? null;
  }
  /** bdrv_attach_child: QEMU lists children newest first. */
  protected attachChild(name: BdrvChildName, node: BlockDriverState): BdrvChild {
    const c = { name, node };
    this.childList.unshift(c);
    return c;
  }
  protected detachChild(c: BdrvChild): void {
    const i = this.childList.indexOf(c);
    if (i >= 0) this.childList.splice(i, 1);
  }
  /** The node of the child called `name` (drivers hold edges, not nodes). */
  protected childNode(name: BdrvChildName): BlockDriverState {
    const c = this.childList.find((x) => x.name === name);
    if (!c) throw new BlockIOError(ENOMEDIUM);
    return c.node;
  }

  replaceChildNode(oldNode: BlockDriverState, newNode: BlockDriverState): void {
    for (const c of this.childList) if (c.node === oldNode) (c as { node: BlockDriverState }).node = newNode;
  }

  setBackingHd(node: BlockDriverState | null): void {
    if (!this.supportsBacking) throw new BlockGenericError("Driver doesn't support backing files");
    const old = this.backing;
    if (old) this.detachChild(old);
    if (node) this.attachChild('backing', node);
  }

  changeBackingFile(_backingFile: string | null, _backingFormat: string | null): void {
    throw new BlockIOError(ENOTSUP);
  }
  /** The child bdrv_primary_bs() returns. */
  protected primaryChild(): BlockDriverState | null {
    return this.file?.node ?? null;
  }

  // ---- state checks ---------------------------------------------------

  get closed(): boolean {
    return this.isClosed;
  }
  protected checkOpen(): void {
    if (this.isClosed) throw new BlockIOError(ENOMEDIUM);
  }
  /** io.c: writes to a read-only node fail with EPERM. */
  protected checkWritable(): void {
    this.checkOpen();
    if (this.readOnly) throw new BlockIOError(EPERM);
  }
  close(): void {
    this.isClosed = true;
  }
  /** bs->drv = NULL: every further request fails with ENOMEDIUM. */
  protected markUnusable(): void {
    this.isClosed = true;
  }

  // ---- data path ------------------------------------------------------

  abstract getLength(): number;
  abstract preadInto(offset: number, dest: Buffer): void;
  abstract pwrite(offset: number, data: Buffer): void;
  abstract pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void;
  abstract discard(offset: number, length: number): void;
  abstract flush(): void;
  abstract truncate(newSize: number, opts?: TruncateOptions): void;
  abstract blockStatus(offset: number, length: number): BlockStatus;

  pread(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    this.preadInto(offset, buf);
    return buf;
  }

  debugEvent(_event: BlkdebugEvent): void {
    // only blkdebug reacts (BlockDriver.bdrv_debug_event)
  }

  // ---- bdrv_get_info / allocated size / specific info -----------------

  /** bdrv_get_info: drivers without one fall through filters, else ENOTSUP. */
  getInfo(): { clusterSize: number; isDirty: boolean } | null {
    if (this.isFilter) return this.primaryChild()?.getInfo() ?? null;
    return null;
  }

  /** bdrv_get_allocated_file_size defaults: protocols unknown, filters their child, formats the sum. */
  allocatedFileSize(): number | null {
    if (this.isProtocol) return null;
    if (this.isFilter) return this.primaryChild()?.allocatedFileSize() ?? null;
    let sum = 0;
    for (const c of this.children) {
      if (c.name === 'backing') continue;
      const n = c.node.allocatedFileSize();
      if (n === null) return null;
      sum += n;
    }
    return sum;
  }

  protected specificInfo(): ImageInfoSpecific | undefined {
    return undefined;
  }
  protected snapshotList(): SnapshotInfo[] {
    return [];
  }

  get backingFileName(): string {
    return '';
  }
  get backingFormat(): string {
    return '';
  }

  // ---- bdrv_refresh_filename ------------------------------------------

  /**
   * bs->options flattened, child definitions left out, in the order QEMU
   * inserts them when it gathers strong options. Observed on QEMU 7.2: keys
   * sharing a QDict bucket come out of a -drive node in reverse flattening
   * order and out of a QAPI-visited (QMP, -blockdev) node in flattening
   * order, so the QAPI path gets one more reversal here.
   */
  protected flatOptions(): Array<[string, QValue]> {
    const out: Array<[string, QValue]> = [];
    for (const [k, v] of Object.entries(this.options)) {
      if (CHILD_KEYS.has(k) && (typeof v === 'object' || typeof v === 'string')) continue;
      flattenOptions(k, v, out);
    }
    return this.legacy ? out : out.reverse();
  }

  /** append_strong_runtime_options: [entries, whether any strong option besides driver/filename]. */
  private strongOptions(): [Array<[string, QValue]>, boolean] {
    const flat = this.flatOptions();
    const out: Array<[string, QValue]> = [];
    let foundAny = false;
    for (const name of ['driver', 'filename', ...this.strongRuntimeOpts]) {
      const matches = name.endsWith('.') ? flat.filter(([k]) => k.startsWith(name)) : flat.filter(([k]) => k === name);
      out.push(...matches);
      if (matches.length > 0 && name !== 'driver' && name !== 'filename') foundAny = true;
    }
    if (!out.some(([k]) => k === 'driver')) out.push(['driver', this.format]);
    return [out, foundAny];
  }

  /** bdrv_backing_overridden (qcow2 overrides). */
  protected backingOverridden(): boolean {
    return false;
  }

  /** BlockDriver.bdrv_refresh_filename: the exact filename or '' (undefined: no hook). */
  protected refreshExactFilename(_full: QDictValue): string | undefined {
    return undefined;
  }

  /** Exact filename a protocol node was opened with (bs->exact_filename from open). */
  protected openedExactFilename(): string {
    return '';
  }

  refreshFilename(): FilenameInfo {
    const childInfos = new Map<BdrvChild, FilenameInfo>();
    for (const c of this.children) childInfos.set(c, c.node.refreshFilename());

    const overridden = this.backingOverridden();
    const [strong, foundAny] = this.strongOptions();
    const generateJson = foundAny || overridden;
    const opts: QDictValue = {};
    for (const [k, v] of strong) opts[k] = v;
    for (const c of this.children) {
      if (c.name === 'backing' && !overridden) continue;
      opts[c.name] = childInfos.get(c)!.fullOpenOptions;
    }
    if (overridden && !this.backing) opts.backing = null;

    let exact = this.openedExactFilename();
    const hook = this.refreshExactFilename(opts);
    const primary = this.primaryChild();
    if (hook !== undefined) {
      exact = hook;
    } else if (primary) {
      exact = '';
      const p = this.children.find((c) => c.node === primary);
      const pExact = p ? childInfos.get(p)!.exactFilename : '';
      if (pExact && primary.isProtocol && !this.isFilter && !generateJson) exact = pExact;
    }
    return { exactFilename: exact, fullOpenOptions: opts, filename: exact || jsonFilename(opts) };
  }

  get filename(): string {
    return this.refreshFilename().filename;
  }

  /** bdrv_dirname: the directory relative backing names are resolved against. */
  dirname(): string | null {
    const primary = this.primaryChild();
    if (primary instanceof BlockDriverBase) return primary.dirname();
    const exact = this.refreshFilename().exactFilename;
    return exact ? pathDirname(exact) : null;
  }

  /** bdrv_get_full_backing_filename. */
  fullBackingFilename(): string | null {
    const name = this.backingFileName;
    if (!name) return null;
    if (pathHasProtocol(name) || name.startsWith('/')) return name;
    const dir = this.dirname();
    return dir === null ? null : dir + name;
  }

  // ---- ImageInfo (block/qapi.c bdrv_query_image_info) -----------------

  imageInfo(): ImageInfo {
    const size = this.getLength();
    const bdi = this.getInfo();
    const actual = this.allocatedFileSize();
    // keys in QAPI member order
    const info = { filename: this.filename, format: this.format } as ImageInfo;
    if (bdi) info['dirty-flag'] = bdi.isDirty;
    if (actual !== null && actual >= 0) info['actual-size'] = actual;
    info['virtual-size'] = size;
    if (bdi && bdi.clusterSize !== 0) info['cluster-size'] = bdi.clusterSize;
    if (this.backingFileName) {
      info['backing-filename'] = this.backingFileName;
      const full = this.fullBackingFilename();
      if (full !== null) info['full-backing-filename'] = full;
      if (this.backingFormat) info['backing-filename-format'] = this.backingFormat;
    }
    const snaps = this.snapshotList();
    if (snaps.length > 0) info.snapshots = snaps;
    const spec = this.specificInfo();
    if (spec) info['format-specific'] = spec;
    return info;
  }
}
