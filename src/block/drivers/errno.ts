// Host errno numbers and glibc's strerror() texts, the words QEMU puts after
// "Could not open '%s': " and into BLOCK_IO_ERROR reasons (util/error.c
// error_setg_errno appends strerror).

export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const EBADF = 9;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const EFBIG = 27;
export const ENOSPC = 28;
export const EROFS = 30;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ELOOP = 40;
export const ENOTSUP = 95;
export const EDQUOT = 122;
export const ENOMEDIUM = 123;

/** glibc strerror() for the errnos a block request can end with. */
const STRERROR: ReadonlyMap<number, string> = new Map([
  [EPERM, 'Operation not permitted'],
  [ENOENT, 'No such file or directory'],
  [3, 'No such process'],
  [4, 'Interrupted system call'],
  [EIO, 'Input/output error'],
  [6, 'No such device or address'],
  [7, 'Argument list too long'],
  [8, 'Exec format error'],
  [EBADF, 'Bad file descriptor'],
  [11, 'Resource temporarily unavailable'],
  [ENOMEM, 'Cannot allocate memory'],
  [EACCES, 'Permission denied'],
  [14, 'Bad address'],
  [EBUSY, 'Device or resource busy'],
  [EEXIST, 'File exists'],
  [18, 'Invalid cross-device link'],
  [19, 'No such device'],
  [ENOTDIR, 'Not a directory'],
  [EISDIR, 'Is a directory'],
  [EINVAL, 'Invalid argument'],
  [23, 'Too many open files in system'],
  [24, 'Too many open files'],
  [25, 'Inappropriate ioctl for device'],
  [26, 'Text file busy'],
  [EFBIG, 'File too large'],
  [ENOSPC, 'No space left on device'],
  [29, 'Illegal seek'],
  [EROFS, 'Read-only file system'],
  [31, 'Too many links'],
  [32, 'Broken pipe'],
  [33, 'Numerical argument out of domain'],
  [ERANGE, 'Numerical result out of range'],
  [ENAMETOOLONG, 'File name too long'],
  [ENOSYS, 'Function not implemented'],
  [ELOOP, 'Too many levels of symbolic links'],
  [61, 'No data available'],
  [62, 'Timer expired'],
  [ENOTSUP, 'Operation not supported'],
  [110, 'Connection timed out'],
  [EDQUOT, 'Disk quota exceeded'],
  [ENOMEDIUM, 'No medium found'],
  [125, 'Operation canceled'],
]);

/** strerror(errno) as glibc prints it. */
export function strerror(errno: number): string {
  return STRERROR.get(errno) ?? `Unknown error ${errno}`;
}

/** errno of a failed node:fs call (its `code`), EIO when unknown. */
export function errnoOfFsError(err: unknown): number {
  if (typeof err === 'object' && err !== null) {
    const e = err as { errno?: unknown; code?: unknown };
    // libuv reports -errno in `errno`
    if (typeof e.errno === 'number' && e.errno < 0) return -e.errno;
    if (typeof e.code === 'string') {
      const n = CODE_TO_ERRNO.get(e.code);
      if (n !== undefined) return n;
    }
  }
  return EIO;
}

const CODE_TO_ERRNO: ReadonlyMap<string, number> = new Map([
  ['EPERM', EPERM],
  ['ENOENT', ENOENT],
  ['EIO', EIO],
  ['EBADF', EBADF],
  ['ENOMEM', ENOMEM],
  ['EACCES', EACCES],
  ['EBUSY', EBUSY],
  ['EEXIST', EEXIST],
  ['ENOTDIR', ENOTDIR],
  ['EISDIR', EISDIR],
  ['EINVAL', EINVAL],
  ['EFBIG', EFBIG],
  ['ENOSPC', ENOSPC],
  ['EROFS', EROFS],
  ['ENAMETOOLONG', ENAMETOOLONG],
  ['ELOOP', ELOOP],
  ['ENOTSUP', ENOTSUP],
  ['EDQUOT', EDQUOT],
]);
