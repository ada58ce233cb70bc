// QemuOpts parsing (util/qemu-option.c): "a=1,b=x,,y,flag" with ",," escaping a
// comma, an optional implied first key ("pc" → type=pc), and bare keys meaning
// "on" (and "noKEY" meaning "off" for boolean-ish flags as QEMU's legacy rule).

export type QemuOpts = Map<string, string>;

export function splitOptsList(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Parse "k=v,..." (impliedKey names the key of a leading bare value). */
export function parseQemuOpts(text: string, impliedKey?: string): QemuOpts {
  const opts: QemuOpts = new Map();
  const parts = splitOptsList(text);
  parts.forEach((part, i) => {
    if (part === '' && i === parts.length - 1 && i > 0) return;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (i === 0 && impliedKey) opts.set(impliedKey, part);
      else if (part.startsWith('no') && part.length > 2) opts.set(part.slice(2), 'off');
      else opts.set(part, 'on');
      return;
    }
    opts.set(part.slice(0, eq), part.slice(eq + 1));
  });
  return opts;
}

/** QEMU's boolean spellings (qapi/qapi-util.c qapi_bool_parse). */
export function optBool(opts: QemuOpts, key: string, dflt: boolean): boolean {
  const v = opts.get(key);
  if (v === undefined) return dflt;
  if (['on', 'yes', 'true', 'y'].includes(v)) return true;
  if (['off', 'no', 'false', 'n'].includes(v)) return false;
  throw new Error(`Parameter '${key}' expects 'on' or 'off'`);
}
