// Where image files may live. QEMU opens any path its user can; a simulator
// reachable over a socket should not, so every host file the block drivers
// open or create must resolve (symlinks and '..' followed the way the kernel
// follows them) to a place inside one of the allowed directories.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockGenericError } from './drivers/block-driver.js';

export interface ImageDirPolicy {
  /** Directories images may live in (default: the current directory). */
  allowed: string[];
  /** Base for relative filenames (default: process.cwd()). */
  cwd?: string;
}

export function defaultImageDirPolicy(): ImageDirPolicy {
  return { allowed: [process.cwd()] };
}

/** realpath when it exists, else null. */
function realpathOrNull(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

/**
 * The path the kernel would reach for `filename`: walk it component by
 * component, resolving symlinks of existing parts before applying '..';
 * the non-existing tail (a file about to be created) is appended as is.
 */
export function canonicalImagePath(filename: string, cwd: string = process.cwd()): string {
  const abs = path.isAbsolute(filename) ? filename : `${cwd}/${filename}`;
  let current = '/';
  let exists = true;
  for (const comp of abs.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = current === '/' ? `/${comp}` : `${current}/${comp}`;
    if (exists) {
      const real = realpathOrNull(next);
      if (real !== null) {
        current = real;
        continue;
      }
      exists = false;
    }
    current = next;
  }
  return current;
}

function inside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * Checks `filename` against the policy and returns the canonical path to
 * hand to fs. Throws "Could not open|create '<filename>': ..." otherwise.
 */
export function checkImagePath(policy: ImageDirPolicy, filename: string, action: 'open' | 'create' = 'open'): string {
  const cwd = policy.cwd ?? process.cwd();
  if (filename === '' || filename.includes('\0')) {
    throw new BlockGenericError(`Could not ${action} '${filename}': No such file or directory`);
  }
  const canonical = canonicalImagePath(filename, cwd);
  for (const dir of policy.allowed) {
    const base = realpathOrNull(path.resolve(cwd, dir)) ?? path.resolve(cwd, dir);
    if (inside(canonical, base)) return canonical;
  }
  throw new BlockGenericError(
    `Could not ${action} '${filename}': path is outside the allowed image directories (${policy.allowed.join(', ')})`,
  );
}
