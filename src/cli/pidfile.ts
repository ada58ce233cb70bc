// -pidfile FILE (util/oslib-posix.c qemu_write_pidfile; softmmu/vl.c unlinks
// it at exit). QEMU holds an fcntl write lock on the file for its lifetime;
// Node has no fcntl locks, so a second writer is refused when the file names
// a live process whose command line holds the same -pidfile argument.

import { closeSync, ftruncateSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync, constants } from 'node:fs';
import { errnoOfFsError, strerror } from '../block/drivers/errno.js';

export class PidFileError extends Error {}

const EAGAIN_TEXT = 'Resource temporarily unavailable';

/** The pid of a live process that holds `path` (as its -pidfile), else undefined. */
export function pidfileHolder(path: string, self = process.pid): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === self) return undefined;
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined; // not running
  }
  const i = argv.findIndex((a) => a === '-pidfile' || a === '--pidfile');
  return i >= 0 && argv[i + 1] !== undefined && sameFile(argv[i + 1], path) ? pid : undefined;
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Write "PID\n"; returns the file's real path (for unlinking at exit).
 * Errors carry QEMU's text (what follows "qemu-system-x86_64: "). */
export function writePidfile(path: string, pid = process.pid): string {
  if (pidfileHolder(path, pid) !== undefined) throw new PidFileError(`cannot create PID file: Cannot lock pid file: ${EAGAIN_TEXT}`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
  } catch (e) {
    throw new PidFileError(`cannot create PID file: Could not create '${path}': ${strerror(errnoOfFsError(e))}`);
  }
  try {
    ftruncateSync(fd, 0);
    const text = Buffer.from(`${pid}\n`);
    if (writeSync(fd, text) !== text.length) throw new PidFileError('cannot create PID file: Failed to write pid file');
  } catch (e) {
    closeSync(fd);
    removeFile(path);
    throw e instanceof PidFileError ? e : new PidFileError(`cannot create PID file: Failed to truncate pid file: ${strerror(errnoOfFsError(e))}`);
  }
  closeSync(fd);
  try {
    return realpathSync(path);
  } catch (e) {
    removeFile(path);
    throw new PidFileError(`cannot resolve PID file path: ${path}: ${strerror(errnoOfFsError(e))}`);
  }
}

/** At exit: remove the file if it still names this process. */
export function unlinkPidfile(realpath: string, pid = process.pid): void {
  try {
    if (Number(readFileSync(realpath, 'utf8').trim()) !== pid) return;
  } catch {
    return;
  }
  removeFile(realpath);
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
