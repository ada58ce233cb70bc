// The graph changes a mirror makes when it ends (block/mirror.c
// mirror_exit_common): which node it may swap for its target (block.c
// bdrv_recurse_can_replace, also check_to_replace_node's test), the swap of
// a `replaces` node, and opening an existing target's own backing chain.

import type { BlockGraph } from '../../block/block-graph.js';
import type { BlockNode, ChildEdge } from '../../block/block-node.js';
import { filterChild } from '../../block/block-qapi.js';
import { probeImageFile } from '../../block/drivers/probe-file.js';

/**
 * bdrv_recurse_can_replace: `toReplace` is `bs` or lies below it through
 * filters only, so swapping it for a copy of `bs` changes no visible data.
 */
export function recurseCanReplace(bs: BlockNode, toReplace: BlockNode): boolean {
  let cur: BlockNode | null = bs;
  for (let i = 0; cur && i < 64; i++) {
    if (cur === toReplace) return true;
    cur = filterChild(cur);
  }
  return false;
}

/**
 * bdrv_replace_node(from → to) for a `replaces` node: unlike the root
 * switch, its parents may be nodes (a filter above it), whose child edges
 * are moved first; the non-node parents move with graph.replaceNode.
 * (block-graph.ts's replaceNode moves only BlockBackends and jobs.)
 */
export function replaceNodeAllParents(graph: BlockGraph, from: BlockNode, to: BlockNode): void {
  const nodeEdges = from.parents.filter((p): p is ChildEdge => p.kind === 'node' && p.parentNode !== to);
  for (const old of nodeEdges) {
    const parent = old.parentNode;
    const edge: ChildEdge = {
      kind: 'node',
      childName: old.childName,
      role: old.role,
      perm: old.perm,
      shared: old.shared,
      parentNode: parent,
      child: to,
      desc: () => old.desc(),
    };
    graph.attachParent(to, edge);
    const i = parent.childEdges.indexOf(old);
    if (i >= 0) parent.childEdges[i] = edge;
    parent.bs.replaceChildNode(from.bs, to.bs);
    graph.detachParent(from, old);
  }
  graph.replaceNode(from, to);
}

/**
 * bdrv_open_backing_file for a target opened with BDRV_O_NO_BACKING
 * (drive-mirror mode=existing): the backing file its header names, opened
 * read-only, becomes its backing child.
 */
export function openBackingFile(graph: BlockGraph, target: BlockNode): void {
  if (target.children().some((c) => c.name === 'backing')) return;
  const bs = target.bs as { fullBackingFilename?(): string | null; backingFormat?: string };
  const full = bs.fullBackingFilename?.() ?? null;
  if (!full) return;
  const format = bs.backingFormat || probeImageFile(graph.env.policy, full);
  const backing = graph.openNode({ driver: format, file: { driver: 'file', filename: full }, 'read-only': true });
  try {
    graph.setBackingHd(target, backing);
  } catch (e) {
    graph.discardNode(backing);
    throw e;
  }
}
