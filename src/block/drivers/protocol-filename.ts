// A filename given on its own (-drive file=..., a backing file name):
// which protocol driver opens it and with what options (block.c
// bdrv_find_protocol, plus each driver's bdrv_parse_filename).

import { BlockGenericError } from './block-driver.js';
import { pathHasProtocol } from './driver-base.js';
import type { OptionBag } from './options.js';

/** Protocol prefixes and how each driver reads the rest (data). */
const PROTOCOLS: Readonly<Record<string, (rest: string, whole: string) => OptionBag>> = {
  file: (rest) => ({ driver: 'file', filename: rest }),
  'null-co': (_rest, whole) => nullFilename('null-co', whole),
  'null-aio': (_rest, whole) => nullFilename('null-aio', whole),
  blkdebug: (rest) => blkdebugFilename(rest),
};

/** null_co_parse_filename / null_aio_parse_filename. */
function nullFilename(driver: 'null-co' | 'null-aio', whole: string): OptionBag {
  if (whole !== `${driver}://`) throw new BlockGenericError(`The only allowed filename for this driver is '${driver}://'`);
  return { driver };
}

/** blkdebug_parse_filename: "blkdebug:[config]:image". */
function blkdebugFilename(rest: string): OptionBag {
  const colon = rest.indexOf(':');
  if (colon < 0) throw new BlockGenericError('blkdebug requires both config file and image path');
  const config = rest.slice(0, colon);
  return { driver: 'blkdebug', ...(config ? { config } : {}), image: optionsForFilename(rest.slice(colon + 1)) };
}

/** The protocol node options for a bare filename ("Unknown protocol" for prefixes not modelled). */
export function optionsForFilename(filename: string): OptionBag {
  if (!pathHasProtocol(filename)) return { driver: 'file', filename };
  const colon = filename.indexOf(':');
  const proto = filename.slice(0, colon);
  const parse = Object.prototype.hasOwnProperty.call(PROTOCOLS, proto) ? PROTOCOLS[proto] : undefined;
  if (!parse) throw new BlockGenericError(`Unknown protocol '${proto}'`);
  return parse(filename.slice(colon + 1), filename);
}
