// POSIX shell-like word splitting and quoting, as Python's shlex.split and
// shlex.quote do it (quotes, backslash escapes, no expansion, no comments).

export class ShlexError extends Error {}

const WHITESPACE = ' \t\r\n';

/** shlex.split(s) in POSIX mode with comments disabled. */
export function shlexSplit(s: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = s.length;
  for (;;) {
    let token = '';
    let quoted = false;
    let state: ' ' | 'a' | "'" | '"' | '\\' = ' ';
    let escaped: string = ' ';
    let done = false;
    while (!done) {
      const c = i < n ? s[i++] : '';
      switch (state) {
        case ' ':
          if (!c) return words;
          if (WHITESPACE.includes(c)) continue;
          if (c === '\\') {
            escaped = 'a';
            state = '\\';
          } else if (c === "'" || c === '"') state = c;
          else {
            token = c;
            state = 'a';
          }
          break;
        case "'":
        case '"':
          quoted = true;
          if (!c) throw new ShlexError('No closing quotation');
          if (c === state) state = 'a';
          else if (c === '\\' && state === '"') {
            escaped = state;
            state = '\\';
          } else token += c;
          break;
        case '\\':
          if (!c) throw new ShlexError('No escaped character');
          // inside double quotes only \" and \\ are escapes
          if ((escaped === '"' || escaped === "'") && c !== '\\' && c !== escaped) token += '\\';
          token += c;
          state = escaped as typeof state;
          break;
        case 'a':
          if (!c) {
            done = true;
            i = n + 1;
          } else if (WHITESPACE.includes(c)) done = true;
          else if (c === "'" || c === '"') state = c;
          else if (c === '\\') {
            escaped = 'a';
            state = '\\';
          } else token += c;
          break;
      }
    }
    if (token !== '' || quoted) words.push(token);
    if (i > n) return words;
  }
}

/** shlex.quote(s). */
export function shlexQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}
