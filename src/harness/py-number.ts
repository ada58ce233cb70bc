// Python's int() and float() on a str, for scenario headers and step options
// (a bad value is a ValueError with Python's message). ASCII digits only.
import { pyReprStr, pyStrip } from './py-text.js';

export class PyValueError extends Error {}

const DIGITS = '\\d(?:_?\\d)*';
const INT_RE = new RegExp(`^[+-]?${DIGITS}$`);
const HEX_RE = /^[+-]?(?:0[xX]_?)?[0-9a-fA-F](?:_?[0-9a-fA-F])*$/;
const FLOAT_RE = new RegExp(`^[+-]?(?:(?:(?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.?)(?:[eE][+-]?${DIGITS})?)$`);
const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** int(s) (base 10). */
export function pyInt(s: string): number {
  const t = pyStrip(s);
  if (!INT_RE.test(t)) throw new PyValueError(`invalid literal for int() with base 10: ${pyReprStr(s)}`);
  return Number(t.replace(/_/g, ''));
}

/** int(s, 16). */
export function pyIntHex(s: string): number {
  const t = pyStrip(s);
  if (!HEX_RE.test(t)) throw new PyValueError(`invalid literal for int() with base 16: ${pyReprStr(s)}`);
  const neg = t.startsWith('-');
  const v = parseInt(t.replace(/^[+-]/, '').replace(/^0[xX]/, '').replace(/_/g, ''), 16);
  return neg ? -v : v;
}

/** float(s). */
export function pyFloat(s: string): number {
  const t = pyStrip(s);
  const sp = SPECIAL_RE.exec(t);
  if (sp) return sp[2].toLowerCase() === 'nan' ? NaN : sp[1] === '-' ? -Infinity : Infinity;
  if (!FLOAT_RE.test(t)) throw new PyValueError(`could not convert string to float: ${pyReprStr(s)}`);
  return Number(t.replace(/_/g, ''));
}
