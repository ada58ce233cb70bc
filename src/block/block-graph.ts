// The block graph of one machine (block.c, blockdev.c,
// block/block-backend.c): nodes (BlockNode = QEMU's BlockDriverState) in
// name-assignment order, BlockBackends in creation order, node names and BB
// names in one namespace, reference counts, parent edges with permissions,
// drained sections, and the hooks the run-state model calls (cont resets
// the iostatus of named BBs; vm_stop drains and flushes).

import { QmpError } from '../qapi/error.js';
import type { AioContext } from '../sim/aio-context.js';
import { BlockBackend, type BlockBackendHost, type DriveInfo, type BlockDevice } from './block-backend.js';
import type { BlockEnv } from './block-env.js';
import type { BdrvParent, BlockNode, ChildEdge } from './block-node.js';
import { BlockNode as BlockNodeClass } from './block-node.js';
import { BlockGenericError, BlockIOError, type BdrvChildName, type BlockDriverState, type NodeIoEvent } from './drivers/block-driver.js';
import { markNodeDirty, syncBitmapSizes } from './dirty-bitmap.js';
import { EIO } from './drivers/errno.js';
import { bdrvFlush, bdrvTruncate } from './drivers/generic-io.js';
import type { BlockdevRef, CorruptionReport, InheritedFlags, OpenContext } from './drivers/open-context.js';
import { optBool, type OptionBag } from './drivers/options.js';
import { blockdevCreate, createOpenContext, openDriver } from './drivers/registry.js';
import { NodeNameGenerator, nodeNameError } from './node-name.js';
import { BLK_PERM_ALL, BLK_PERM_RESIZE, BLK_PERM_WRITE, BLK_PERM_WRITE_UNCHANGED, parentPermsConflict, type PermPair } from './permissions.js';
import { childPerms, childRole } from './child-roles.js';
import { fileLockConflict } from './file-locks.js';
import { drainPoll, quiesce, unquiesce } from './block-drain.js';
import { ThrottleGroup, type ThrottleConfig } from './throttle.js';
import { nodeFlagsFor, type OpenFrame } from './open-flags.js';
import { checkWriteThreshold } from './write-threshold.js';

/** How a node is opened (bdrv_open_inherit's caller). */
export interface OpenNodeOptions {
  /** options come from -drive (QemuOpts strings): legacy texts, protocol guessing, probing */
  legacy?: boolean;
  /** a root must be named (blockdev-add / -blockdev) */
  requireName?: boolean;
  /** the caller takes ownership as the monitor (blockdev-add) */
  monitorOwned?: boolean;
  /** the root's format was guessed by probing (raw restricts writes to sector 0) */
  probed?: boolean;
}

/** Protocol drivers name their node before opening children (bdrv_file_open). */
const PROTOCOL_DRIVERS: ReadonlySet<string> = new Set(['file', 'null-co', 'null-aio', 'blkdebug']);

export class BlockGraph implements BlockBackendHost {
  /** named nodes by name */
  private readonly byName = new Map<string, BlockNode>();
  private readonly byBs = new Map<BlockDriverState, BlockNode>();
  /** every BlockBackend, creation order (blk_all_next) */
  private readonly allBackends: BlockBackend[] = [];
  /** monitor-owned (named) BlockBackends, in monitor_add_blk order (blk_next) */
  private readonly named = new Map<string, BlockBackend>();
  /** -drive's DriveInfo, in command-line order */
  readonly drives: DriveInfo[] = [];
  private readonly names: NodeNameGenerator;
  private seq = 0;
  private openFrames: OpenFrame[] = [];
  private openCreated: BlockNode[] | null = null;
  private readonly throttleGroups = new Map<string, ThrottleGroup>();
  /** find_device_state for `id` (hw plugs its qdev lookup in); undefined: not found */
  findDevice: ((id: string) => BlockDevice | undefined) | null = null;

  constructor(readonly env: BlockEnv) {
    this.names = new NodeNameGenerator(env.kernel.random('block-node-names'));
    const hooks = env.vm.hooks;
    // qmp_cont: blk_iostatus_reset for every monitor-owned BlockBackend
    hooks.iostatusReset.add(() => {
      for (const blk of this.named.values()) blk.iostatusReset();
    });
    hooks.drainAll.add(() => this.drainAll());
    hooks.flushAll.add(() => this.flushAll());
  }

  // ---- lookups ------------------------------------------------------------

  /** bdrv_find_node */
  findNode(name: string): BlockNode | undefined {
    return this.byName.get(name);
  }

  /** blk_by_name (monitor-owned BBs) */
  backend(name: string): BlockBackend | undefined {
    return this.named.get(name);
  }

  /** Nodes in name-assignment order (graph_bdrv_states). */
  nodeList(): BlockNode[] {
    return [...this.byName.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Every BlockBackend in creation order. */
  backendList(): BlockBackend[] {
    return [...this.allBackends];
  }

  /** Named BlockBackends (monitor_block_backends order). */
  namedBackends(): BlockBackend[] {
    return [...this.named.values()];
  }

  nodeOf(bs: BlockDriverState): BlockNode | undefined {
    return this.byBs.get(bs);
  }

  /** bdrv_lookup_bs: a BlockBackend name (its root) or a node name. */
  lookup(device: string | undefined, nodeName: string | undefined): BlockNode {
    if (device !== undefined) {
      const blk = this.named.get(device);
      if (blk) {
        if (!blk.root) throw QmpError.generic(`Device '${device}' has no medium`);
        return blk.root;
      }
    }
    if (nodeName !== undefined) {
      const bs = this.byName.get(nodeName);
      if (bs) return bs;
    }
    throw QmpError.generic(`Cannot find device='${device ?? ''}' nor node-name='${nodeName ?? ''}'`);
  }

  /** blk_by_qdev_id: the BB of the device with this id or QOM path. */
  backendByQdevId(id: string): BlockBackend {
    const dev = this.findDevice ? this.findDevice(id) : this.allBackends.find((b) => b.dev?.qdevId() === id)?.dev ?? undefined;
    if (!dev) throw new QmpError('DeviceNotFound', `Device '${id}' not found`);
    const blk = this.allBackends.find((b) => b.dev === dev);
    if (!blk) throw QmpError.generic('Device does not have a block device backend');
    return blk;
  }

  /** The BB name of a node that is some BB's root ('' if none): bdrv_get_device_name. */
  deviceNameOf(node: BlockNode): string {
    for (const p of node.parents) if (p.kind === 'blk' && p.blk?.name) return p.blk.name;
    return '';
  }

  // ---- BlockBackends ----------------------------------------------------

  /** blk_new: an anonymous BlockBackend without a root. */
  createBackend(opts: { perm?: number; shared?: number; ctx?: AioContext } = {}): BlockBackend {
    const blk = new BlockBackend(this, '', opts);
    this.allBackends.push(blk);
    return blk;
  }

  /** monitor_add_blk: a named BlockBackend (-drive). Errors are QEMU's texts. */
  createNamedBackend(name: string, opts: { perm?: number; shared?: number; ctx?: AioContext } = {}): BlockBackend {
    this.checkBackendName(name);
    const blk = new BlockBackend(this, name, opts);
    this.allBackends.push(blk);
    this.named.set(name, blk);
    return blk;
  }

  /** monitor_add_blk's checks. */
  checkBackendName(name: string): void {
    if (!/^[A-Za-z][A-Za-z0-9\-._]*$/.test(name)) throw new BlockGenericError('Invalid device name');
    if (this.named.has(name)) throw new BlockGenericError(`Device with id '${name}' already exists`);
    if (this.byName.has(name)) throw new BlockGenericError(`Device name '${name}' conflicts with an existing node name`);
  }

  /**
   * What `-device ...,drive=X` / device_add get: the named BB X, or a new
   * anonymous BB on node X (blk_new + blk_insert_bs, perm 0, shared all).
   * The caller attaches its device and sets its permissions.
   */
  backendForDevice(drive: string): BlockBackend | undefined {
    const blk = this.named.get(drive);
    if (blk) return blk;
    const node = this.byName.get(drive);
    if (!node) return undefined;
    const anon = this.createBackend({ ctx: node.aioContext });
    try {
      anon.insertNode(node);
    } catch (e) {
      anon.unref();
      throw e;
    }
    return anon;
  }

  /** Removes a named BB from the monitor (monitor_remove_blk), keeping it alive for its users. */
  monitorRemoveBackend(blk: BlockBackend): void {
    if (blk.name && this.named.get(blk.name) === blk) this.named.delete(blk.name);
  }

  forgetBackend(blk: BlockBackend): void {
    const i = this.allBackends.indexOf(blk);
    if (i >= 0) this.allBackends.splice(i, 1);
    this.monitorRemoveBackend(blk);
    const d = this.drives.findIndex((x) => x.blk === blk);
    if (d >= 0) this.drives.splice(d, 1);
  }

  // ---- throttle groups ---------------------------------------------------------

  throttleGroup(name: string, config: ThrottleConfig): ThrottleGroup {
    let g = this.throttleGroups.get(name);
    if (!g) {
      g = new ThrottleGroup(name, config, this.env.kernel.nowNs());
      this.throttleGroups.set(name, g);
    }
    g.members++;
    return g;
  }

  releaseThrottleGroup(group: ThrottleGroup): void {
    if (--group.members <= 0 && this.throttleGroups.get(group.group) === group) this.throttleGroups.delete(group.group);
  }

  // ---- opening nodes ------------------------------------------------------

  /**
   * bdrv_open of a root with BlockdevOptions-like options. Inline children
   * become nodes with generated names; references resolve by node name.
   * Throws BlockGenericError (QEMU's desc) or QmpError (permissions).
   */
  openNode(options: OptionBag, opts: OpenNodeOptions = {}): BlockNode {
    if (opts.requireName && (options['node-name'] === undefined || options['node-name'] === null)) {
      throw new BlockGenericError("'node-name' must be specified for the root node");
    }
    const outer = this.openCreated;
    const created: BlockNode[] = outer ?? [];
    this.openCreated = created;
    try {
      const node = this.openOne(options, undefined, { readOnly: false, autoReadOnly: false, noFlush: false }, opts.legacy ?? false, opts.probed ?? false);
      if (opts.monitorOwned) {
        node.monitorOwned = true;
        node.refcnt++;
      }
      return node;
    } catch (e) {
      if (!outer) for (const n of created.reverse()) if (!n.closed && n.refcnt === 0) this.closeNode(n);
      throw e;
    } finally {
      this.openCreated = outer;
    }
  }

  /** Closes a root opened with openNode that nobody references (failed setup). */
  discardNode(node: BlockNode): void {
    if (node.monitorOwned) {
      node.monitorOwned = false;
      node.refcnt--;
    }
    if (node.refcnt <= 0 && !node.closed) this.closeNode(node);
  }

  private openOne(options: OptionBag, parent: OpenFrame | undefined, inherited: InheritedFlags, legacy: boolean, probed = false): BlockNode {
    const given = options['node-name'];
    if (given !== undefined && typeof given !== 'string') {
      throw new BlockGenericError("Invalid parameter type for 'node-name', expected: string");
    }
    if (given !== undefined) {
      const err = nodeNameError(given, (n) => this.named.has(n), (n) => this.byName.has(n) || this.openFrames.some((f) => f.name === n));
      if (err) throw new BlockGenericError(err);
    }
    const driver = typeof options.driver === 'string' ? options.driver : '';
    const flags = nodeFlagsFor(options, parent);
    if (flags.forceShare && !(optBool(options, 'read-only') ?? inherited.readOnly)) {
      throw new BlockGenericError('force-share=on can only be used with read-only images');
    }
    const frame: OpenFrame = {
      name: given,
      driver,
      options,
      flags,
      isFormat: !PROTOCOL_DRIVERS.has(driver),
      seq: undefined,
    };
    if (!frame.isFormat) frame.seq = this.seq++;
    this.openFrames.push(frame);
    let bs: BlockDriverState;
    try {
      bs = openDriver(stripGraphOptions(options), this.openContext(frame, legacy), inherited, { probed });
    } catch (e) {
      throw legacy ? legacyOptionError(e, driver) : e;
    } finally {
      this.openFrames.pop();
    }
    frame.seq ??= this.seq++;
    const node = new BlockNodeClass({
      bs,
      nodeName: given ?? this.names.next(),
      autoNamed: given === undefined,
      options,
      flags: frame.flags,
      ctx: this.env.kernel.mainContext,
      seq: frame.seq,
    });
    this.register(node);
    return node;
  }

  private openContext(frame: OpenFrame, legacy: boolean): OpenContext {
    return {
      policy: this.env.policy,
      legacy,
      warn: (msg) => this.env.warn(msg),
      onCorruption: (bs, report) => this.corruption(bs, report),
      openChild: (ref: BlockdevRef, role: BdrvChildName, inherited: InheritedFlags): BlockDriverState => {
        let child: BlockNode;
        if (typeof ref === 'string') {
          const found = this.byName.get(ref);
          if (!found) throw new BlockGenericError(`Cannot find device='${ref}' nor node-name='${ref}'`);
          child = found;
        } else {
          child = this.openOne(legacy ? guessProtocol(ref) : ref, frame, inherited, legacy);
        }
        // a format node is named right after its file child (bdrv_open_inherit)
        if (frame.isFormat && role === 'file' && frame.seq === undefined) frame.seq = this.seq++;
        return child.bs;
      },
      releaseChild: (bs: BlockDriverState) => {
        const n = this.byBs.get(bs);
        if (n && n.refcnt === 0 && !n.closed) this.closeNode(n);
      },
    };
  }

  /** A freshly opened node joins the graph; its children get their parent edges. */
  private register(node: BlockNode): void {
    this.byName.set(node.nodeName, node);
    this.byBs.set(node.bs, node);
    this.openCreated?.push(node);
    node.bs.ioListener = (e) => this.nodeIo(node, e);
    for (const c of node.bs.children) {
      const child = this.byBs.get(c.node);
      if (!child) continue;
      const role = childRole(node, c.name);
      const edge: ChildEdge = {
        kind: 'node',
        childName: c.name,
        role,
        perm: 0,
        shared: 0x1f,
        parentNode: node,
        child,
        desc: () => `node '${node.nodeName}'`,
      };
      node.childEdges.push(edge);
      child.parents.unshift(edge);
      child.refcnt++;
    }
    try {
      this.refreshPerms(node);
    } catch (e) {
      this.closeNode(node);
      throw e;
    }
  }

  private nodeIo(node: BlockNode, e: NodeIoEvent): void {
    if (e.kind === 'write' || e.kind === 'write-zeroes') {
      if (e.length > 0) node.wrHighestOffset = Math.max(node.wrHighestOffset, e.offset + e.length);
      checkWriteThreshold(node, e.offset, e.length, this.env.events);
      // io.c bdrv_co_write_req_finish: bdrv_set_dirty, failed requests too
      if (node.dirtyBitmaps.length > 0) markNodeDirty(node, e.offset, e.length);
    } else if (e.kind === 'discard') {
      checkWriteThreshold(node, e.offset, e.length, this.env.events);
      if (node.dirtyBitmaps.length > 0) markNodeDirty(node, e.offset, e.length);
    }
  }

  private corruption(bs: BlockDriverState, report: CorruptionReport): void {
    const node = this.byBs.get(bs);
    const data: Record<string, unknown> = { device: node ? this.deviceNameOf(node) : '' };
    if (node) data['node-name'] = node.nodeName;
    data.msg = report.msg;
    if (report.offset !== undefined) data.offset = report.offset;
    if (report.size !== undefined) data.size = report.size;
    data.fatal = report.fatal;
    this.env.events.emit('BLOCK_IMAGE_CORRUPTED', data);
  }

  // ---- nodes made by other layers (job filters) ----------------------------------

  /**
   * Adds a node whose driver another layer built (mirror's mirror_top): it
   * gets a name (generated unless given), its children get parent edges.
   * The caller holds the returned node's first reference.
   */
  addNode(bs: BlockDriverState, opts: { nodeName?: string; implicit?: boolean } = {}): BlockNode {
    if (opts.nodeName !== undefined) {
      const err = nodeNameError(opts.nodeName, (n) => this.named.has(n), (n) => this.byName.has(n));
      if (err) throw QmpError.generic(err);
    }
    const node = new BlockNodeClass({
      bs,
      nodeName: opts.nodeName ?? this.names.next(),
      autoNamed: opts.nodeName === undefined,
      options: { driver: bs.format },
      flags: { direct: false, noFlush: false, unmap: true, detectZeroes: 'off', forceShare: false },
      ctx: this.env.kernel.mainContext,
      seq: this.seq++,
    });
    node.implicit = opts.implicit ?? false;
    this.register(node);
    node.refcnt++;
    return node;
  }

  /**
   * bdrv_replace_node for the parents qmp-sim can move: BlockBackends, jobs
   * and other non-node users of `from` become users of `to` (except `to`'s
   * own edge to `from`). Permissions are checked; on a conflict nothing moves.
   */
  replaceNode(from: BlockNode, to: BlockNode): void {
    const moving = from.parents.filter((p) => p.kind !== 'node');
    if (from.parents.some((p) => p.kind === 'node' && p.parentNode !== to)) {
      throw QmpError.generic(`Cannot change the parents of node '${from.nodeName}' that are nodes`);
    }
    const move = (a: BlockNode, b: BlockNode) => {
      for (const p of moving) {
        a.parents.splice(a.parents.indexOf(p), 1);
        a.refcnt--;
        b.parents.unshift(p);
        b.refcnt++;
        p.blk?._retarget(b);
      }
    };
    move(from, to);
    try {
      this.refreshPerms(to);
    } catch (e) {
      move(to, from);
      this.refreshQuietly(from);
      throw e;
    }
  }

  /**
   * bdrv_set_backing_hd: `node`'s backing child becomes `backing` (null:
   * none), parent edge included; the image header is not changed. (Mirror
   * gives its new target the source's backing chain at completion.)
   */
  setBackingHd(node: BlockNode, backing: BlockNode | null): void {
    node.bs.setBackingHd(backing ? backing.bs : null);
    const old = node.childEdges.find((e) => e.childName === 'backing') as ChildEdge | undefined;
    if (old) {
      node.childEdges.splice(node.childEdges.indexOf(old), 1);
      this.detachParent(old.child, old);
    }
    if (!backing) return;
    const edge: ChildEdge = {
      kind: 'node',
      childName: 'backing',
      role: childRole(node, 'backing'),
      perm: 0,
      shared: 0x1f,
      parentNode: node,
      child: backing,
      desc: () => `node '${node.nodeName}'`,
    };
    node.childEdges.push(edge);
    backing.parents.unshift(edge);
    backing.refcnt++;
    this.refreshQuietly(node);
  }

  // ---- references, parents, permissions ------------------------------------

  /** bdrv_ref */
  ref(node: BlockNode): void {
    node.refcnt++;
  }

  /** bdrv_unref: the last reference closes the node. */
  unref(node: BlockNode): void {
    if (--node.refcnt <= 0 && !node.closed) this.closeNode(node);
  }

  attachParent(node: BlockNode, parent: BdrvParent): void {
    node.parents.unshift(parent);
    node.refcnt++;
    try {
      this.refreshPerms(node);
    } catch (e) {
      node.parents.splice(node.parents.indexOf(parent), 1);
      node.refcnt--;
      this.refreshQuietly(node);
      throw e;
    }
  }

  detachParent(node: BlockNode, parent: BdrvParent): void {
    const i = node.parents.indexOf(parent);
    if (i < 0) return;
    node.parents.splice(i, 1);
    this.refreshQuietly(node);
    this.unref(node);
  }

  /**
   * bdrv_refresh_perms from `start` down: in topological order, each node's
   * parents must not conflict and a read-only node gets no writers. Nothing
   * changes unless every node passes.
   */
  refreshPerms(start: BlockNode): void {
    const order = topoOrder(start);
    const proposed = new Map<BdrvParent, PermPair>();
    const cumulative = new Map<BlockNode, PermPair>();
    for (const node of order) {
      const users = node.parents.map((p) => ({ ...(proposed.get(p) ?? { perm: p.perm, shared: p.shared }), desc: p.desc(), childName: p.childName }));
      const conflict = parentPermsConflict(node.nodeName, users);
      if (conflict) throw QmpError.generic(conflict);
      let perm = 0;
      let shared = 0x1f;
      for (const u of users) {
        perm |= u.perm;
        shared &= u.shared;
      }
      if (perm & (BLK_PERM_WRITE | BLK_PERM_WRITE_UNCHANGED) && node.readOnly) throw QmpError.generic('Block node is read-only');
      const lock = fileLockConflict(node, perm, shared, this.byName.values(), this.env.policy.cwd);
      if (lock) throw QmpError.generic(lock);
      cumulative.set(node, { perm, shared });
      for (const e of node.childEdges) {
        const p = childPerms(node, e, { perm, shared });
        // bdrv_child_perm: a force-share child shares everything
        if ((e as ChildEdge).child.flags.forceShare) p.shared = BLK_PERM_ALL;
        proposed.set(e, p);
      }
    }
    for (const [e, p] of proposed) {
      e.perm = p.perm;
      e.shared = p.shared;
    }
    for (const [n, p] of cumulative) {
      n.perm = p.perm;
      n.shared = p.shared;
    }
  }

  private refreshQuietly(node: BlockNode): void {
    try {
      this.refreshPerms(node);
    } catch (e) {
      this.env.log(`block: permissions of '${node.nodeName}' after a detach: ${(e as Error).message}`);
    }
  }

  /** bdrv_close: the driver closes, then the node lets go of its children. */
  private closeNode(node: BlockNode): void {
    if (node.closed) return;
    node.closed = true;
    if (this.byName.get(node.nodeName) === node) this.byName.delete(node.nodeName);
    try {
      node.bs.close();
    } catch (e) {
      this.env.log(`block: closing '${node.nodeName}': ${(e as Error).message}`);
    }
    this.byBs.delete(node.bs);
    node.bs.ioListener = null;
    for (const e of node.childEdges.splice(0)) this.detachParent((e as ChildEdge).child, e);
  }

  // ---- blockdev-del ---------------------------------------------------------

  /** qmp_blockdev_del's checks and the final unref. */
  deleteNode(nodeName: string): void {
    const node = this.byName.get(nodeName);
    if (!node) throw QmpError.generic(`Failed to find node with node-name='${nodeName}'`);
    if (node.hasBlk()) throw QmpError.generic(`Node ${nodeName} is in use`);
    const busy = node.opBlockedMessage('drive-del');
    if (busy) throw QmpError.generic(busy);
    if (!node.monitorOwned) throw QmpError.generic(`Node ${nodeName} is not owned by the monitor`);
    if (node.refcnt > 1) throw QmpError.generic(`Block device ${nodeName} is in use`);
    node.monitorOwned = false;
    this.unref(node);
  }

  // ---- blockdev-create --------------------------------------------------------

  /**
   * The body of a blockdev-create job (block/create.c): the driver's
   * bdrv_co_create with BlockdevCreateOptions; 'file' may name an existing
   * node. Throws BlockGenericError with QEMU's text. (The job around it is
   * the job layer's.)
   */
  createImage(options: OptionBag): void {
    const ctx = createOpenContext({
      policy: this.env.policy,
      resolveNode: (name) => this.byName.get(name)?.bs,
      warn: (msg) => this.env.warn(msg),
    });
    blockdevCreate(options, ctx);
  }

  // ---- block_resize ------------------------------------------------------------

  /**
   * qmp_block_resize after the lookup: a temporary BlockBackend asks for
   * 'resize' (permission conflicts surface here), the node is drained and
   * truncated, and every device above hears about it.
   */
  resize(node: BlockNode, size: number, deviceArg?: string): void {
    // QERR_DEVICE_IN_USE formatted with the command's `device` argument ("(null)" when absent)
    if (node.opBlockers.has('resize')) throw QmpError.generic(`Device '${deviceArg ?? '(null)'}' is in use`);
    const blk = this.createBackend({ perm: BLK_PERM_RESIZE, shared: BLK_PERM_ALL, ctx: node.aioContext });
    try {
      blk.insertNode(node);
    } catch (e) {
      blk.unref();
      throw e;
    }
    try {
      this.drainedBegin(node);
      try {
        bdrvTruncate(node.bs, size);
      } catch (e) {
        if (e instanceof BlockGenericError || e instanceof BlockIOError) throw QmpError.generic(e.message);
        throw e;
      } finally {
        this.drainedEnd(node);
      }
      syncBitmapSizes(node, new Set());
      this.notifyResize(node, new Set());
    } finally {
      blk.unref();
    }
  }

  /** bdrv_parent_cb_resize, up the graph. */
  private notifyResize(node: BlockNode, seen: Set<BlockNode>): void {
    if (seen.has(node)) return;
    seen.add(node);
    for (const p of node.parents) {
      if (p.kind === 'node' && p.parentNode) this.notifyResize(p.parentNode, seen);
      else if (p.kind === 'blk') p.blk?.devResizeCb();
    }
  }

  // ---- AioContext -------------------------------------------------------------

  /** bdrv_try_change_aio_context, simplified: the node and its subtree move. */
  setAioContext(node: BlockNode, ctx: AioContext): void {
    for (const n of topoOrder(node)) n.aioContext = ctx;
  }

  // ---- drained sections ------------------------------------------------------

  /** bdrv_drained_begin: quiesce the node and its parents, then wait for their requests. */
  drainedBegin(node: BlockNode): void {
    quiesce(node, new Set());
    this.env.kernel.aioWait.waitWhile(node.aioContext, () => drainPoll(node, new Set()));
  }

  /** bdrv_drained_end */
  drainedEnd(node: BlockNode): void {
    unquiesce(node, new Set());
  }

  /** bdrv_drain_all_begin: every node, then one wait. */
  drainAllBegin(): void {
    const nodes = this.nodeList();
    const seen = new Set<BlockNode>();
    for (const n of nodes) quiesce(n, seen, true);
    for (const blk of this.allBackends) if (!blk.root) blk.drainedBegin();
    this.env.kernel.aioWait.waitWhile(this.env.kernel.mainContext, () =>
      nodes.some((n) => drainPoll(n, new Set())) || this.allBackends.some((b) => b.inFlight > 0),
    );
  }

  drainAllEnd(): void {
    const seen = new Set<BlockNode>();
    for (const n of this.nodeList()) unquiesce(n, seen, true);
    for (const blk of this.allBackends) if (!blk.root) blk.drainedEnd();
  }

  /** bdrv_drain_all */
  drainAll(): void {
    this.drainAllBegin();
    this.drainAllEnd();
  }

  /** bdrv_flush_all: 0 or the first -errno. */
  flushAll(): number {
    let ret = 0;
    for (const n of this.nodeList()) {
      if (n.parents.some((p) => p.kind === 'node') || n.flags.noFlush || n.readOnly) continue;
      try {
        bdrvFlush(n.bs);
      } catch (e) {
        if (ret === 0) ret = e instanceof BlockIOError ? -e.errno : -EIO;
      }
    }
    return ret;
  }
}

/** Nodes reachable from `start` through children, parents before children. */
export function topoOrder(start: BlockNode): BlockNode[] {
  const out: BlockNode[] = [];
  const seen = new Set<BlockNode>();
  const visit = (n: BlockNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const e of n.childEdges) visit((e as ChildEdge).child);
    out.push(n);
  };
  visit(start);
  return out.reverse();
}

/** Options the graph consumes that drivers do not know. */
function stripGraphOptions(options: OptionBag): OptionBag {
  if (!('copy-on-read' in options)) return options;
  const rest: Record<string, unknown> = { ...options };
  delete rest['copy-on-read'];
  return rest;
}

/** bdrv_find_protocol for a child given by filename only (-drive file.*=...). */
export function guessProtocol(ref: OptionBag): OptionBag {
  if (ref.driver !== undefined || typeof ref.filename !== 'string') return ref;
  const m = /^([A-Za-z0-9-]+):/.exec(ref.filename);
  const proto = m && ['null-co', 'null-aio', 'blkdebug'].includes(m[1]) ? m[1] : 'file';
  return { driver: proto, ...ref };
}

/** bdrv_open's leftover-option check words it differently for -drive. */
function legacyOptionError(e: unknown, driver: string): unknown {
  if (!(e instanceof BlockGenericError)) return e;
  const m = /^Parameter '([^']+)' is unexpected$/.exec(e.message);
  if (!m) return e;
  return PROTOCOL_DRIVERS.has(driver)
    ? new BlockGenericError(`Block protocol '${driver}' doesn't support the option '${m[1]}'`)
    : new BlockGenericError(`Block format '${driver}' does not support the option '${m[1]}'`);
}
