// Probing the format of a host image file (block.c find_image_format), used
// when a backing file's format is not recorded in its overlay.

import * as fs from 'node:fs';
import { checkImagePath, type ImageDirPolicy } from '../image-dir.js';
import { BLOCK_PROBE_BUF_SIZE, probeFormat, type ProbedFormat } from './probe.js';

/** The probed format, 'raw' when the file cannot be read (opening it then reports why). */
export function probeImageFile(policy: ImageDirPolicy, filename: string): ProbedFormat {
  let fd: number | null = null;
  try {
    fd = fs.openSync(checkImagePath(policy, filename), 'r');
    const buf = Buffer.alloc(BLOCK_PROBE_BUF_SIZE);
    fs.readSync(fd, buf, 0, buf.length, 0);
    return probeFormat(buf);
  } catch {
    return 'raw';
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
