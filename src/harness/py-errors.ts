// Python exception names and messages for the OS errors the reference tools
// report (str(OSError) is "[Errno N] strerror: 'filename'").
import { constants } from 'node:os';
import { pyReprStr } from './py-text.js';

const ERRNO_TEXT: Record<string, [string, string]> = {
  EPERM: ['PermissionError', 'Operation not permitted'],
  ENOENT: ['FileNotFoundError', 'No such file or directory'],
  EINTR: ['InterruptedError', 'Interrupted system call'],
  ENOEXEC: ['OSError', 'Exec format error'],
  EBADF: ['OSError', 'Bad file descriptor'],
  EAGAIN: ['BlockingIOError', 'Resource temporarily unavailable'],
  ENOMEM: ['OSError', 'Cannot allocate memory'],
  EACCES: ['PermissionError', 'Permission denied'],
  EEXIST: ['FileExistsError', 'File exists'],
  ENOTDIR: ['NotADirectoryError', 'Not a directory'],
  EISDIR: ['IsADirectoryError', 'Is a directory'],
  EINVAL: ['OSError', 'Invalid argument'],
  EMFILE: ['OSError', 'Too many open files'],
  ETXTBSY: ['OSError', 'Text file busy'],
  ENOSPC: ['OSError', 'No space left on device'],
  EPIPE: ['BrokenPipeError', 'Broken pipe'],
  ENAMETOOLONG: ['OSError', 'File name too long'],
  ELOOP: ['OSError', 'Too many levels of symbolic links'],
  ENOTSOCK: ['OSError', 'Socket operation on non-socket'],
  ECONNRESET: ['ConnectionResetError', 'Connection reset by peer'],
  ENOTCONN: ['OSError', 'Transport endpoint is not connected'],
  ETIMEDOUT: ['TimeoutError', 'Connection timed out'],
  ECONNREFUSED: ['ConnectionRefusedError', 'Connection refused'],
  ECONNABORTED: ['ConnectionAbortedError', 'Software caused connection abort'],
};

/** An OSError as Python would print it: type name, strerror, str(). */
export class PyOSError extends Error {
  constructor(
    readonly pyType: string,
    readonly strerror: string,
    message: string,
  ) {
    super(message);
  }
}

/** Convert a Node system error (err.code) to Python's OSError wording. */
export function pyOSError(err: unknown, filename?: string): PyOSError {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const known = ERRNO_TEXT[code];
  const errno = (constants.errno as Record<string, number>)[code];
  if (!known || errno === undefined) {
    const msg = err instanceof Error ? err.message : String(err);
    return new PyOSError('OSError', msg, msg);
  }
  const [type, text] = known;
  const msg = `[Errno ${errno}] ${text}` + (filename === undefined ? '' : `: ${pyReprStr(filename)}`);
  return new PyOSError(type, text, msg);
}
