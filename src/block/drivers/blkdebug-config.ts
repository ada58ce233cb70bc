// blkdebug's config file (blkdebug `config` option): QEMU's -readconfig
// syntax (util/qemu-config.c qemu_config_foreach) with the groups
// [inject-error] and [set-state]:
//
//   # comment
//   [inject-error]
//   event = "read_aio"
//   errno = "5"

import { BlockGenericError } from './block-driver.js';
import type { OptionBag } from './options.js';

export interface BlkdebugConfig {
  injectError: OptionBag[];
  setState: OptionBag[];
}

/** Options each group accepts (blkdebug.c inject_error_opts / set_state_opts). */
const GROUP_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'inject-error': ['event', 'state', 'iotype', 'errno', 'sector', 'once', 'immediately'],
  'set-state': ['event', 'state', 'new_state'],
};

export function parseBlkdebugConfig(text: string): BlkdebugConfig {
  const out: BlkdebugConfig = { injectError: [], setState: [] };
  let group: string | null = null;
  let current: Record<string, string> | null = null;

  const finish = (): void => {
    if (group === null || current === null) return;
    const allowed = GROUP_OPTIONS[group];
    if (!allowed) throw new BlockGenericError(`There is no option group '${group}'`);
    for (const key of Object.keys(current)) {
      if (key !== 'id' && !allowed.includes(key)) throw new BlockGenericError(`Invalid parameter '${key}'`);
    }
    (group === 'inject-error' ? out.injectError : out.setState).push(current);
  };

  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const withId = /^\[(\S{1,63})\s+"([^"]{1,63})"\]/.exec(line);
      const plain = /^\[([^\]]{1,63})\]/.exec(line);
      if (withId || plain) {
        finish();
        group = (withId ?? plain)![1];
        current = withId ? { id: withId[2] } : {};
        continue;
      }
    }
    const kv = /^\s*(\S{1,63})\s*=\s*"([^"]*)"/.exec(line);
    if (kv) {
      if (current === null) throw new BlockGenericError('no group defined');
      current[kv[1]] = kv[2];
      continue;
    }
    throw new BlockGenericError('parse error');
  }
  finish();
  return out;
}
