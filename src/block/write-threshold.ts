// Write thresholds (block/write-threshold.c): a write ending beyond a node's
// threshold emits BLOCK_WRITE_THRESHOLD once and disarms the threshold.

import type { BlockNode } from './block-node.js';
import type { EventBus } from '../system/qapi-event.js';

/** A QAPI integer that may exceed 2^53. */
function toJson(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** bdrv_write_threshold_check_write */
export function checkWriteThreshold(node: BlockNode, offset: number, bytes: number, events: EventBus): void {
  const wtr = node.writeThreshold;
  const end = BigInt(offset) + BigInt(bytes);
  if (wtr > 0n && end > wtr) {
    // QDict order of qapi_event_send_block_write_threshold's data
    events.emit('BLOCK_WRITE_THRESHOLD', {
      'node-name': node.nodeName,
      'write-threshold': toJson(wtr),
      'amount-exceeded': toJson(end - wtr),
    });
    node.writeThreshold = 0n;
  }
}

/** bdrv_write_threshold_get, as the QAPI value. */
export function writeThresholdValue(node: BlockNode): number | bigint {
  return toJson(node.writeThreshold);
}
