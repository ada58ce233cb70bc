// Golden transcript files: '## ' metadata lines, then one item per line.
import { readFileSync } from 'node:fs';
import { pyOSError } from './py-errors.js';
import { decodeUtf8 } from './utf8.js';

export const HEADER_TAG = '## recorded from QEMU 7.2';

export function goldenText(lines: string[], header: string = HEADER_TAG): string {
  return header + '\n' + lines.join('\n') + '\n';
}

/** Transcript lines of golden text (metadata lines starting with '##' dropped). */
export function goldenLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.filter((ln) => !ln.startsWith('##'));
}

/** Read a golden file. Throws PyOSError or Utf8DecodeError. */
export function readGolden(path: string): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw pyOSError(e, path);
  }
  return goldenLines(decodeUtf8(bytes, 'strict'));
}
