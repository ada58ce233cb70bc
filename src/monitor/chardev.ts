// The chardevs a monitor can sit on (chardev/char-socket.c, chardev/char.c):
// the -qmp shorthand ("unix:PATH,server=on,wait=off", "tcp:HOST:PORT,...",
// "stdio") and -chardev socket,id=...,path=|host=,port=|fd=N.

import { parseQemuOpts, optBool, QemuOpts } from '../machine/qemu-opts.js';

export type SocketAddress =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'fd'; fd: number };

export interface ChardevSpec {
  id: string;
  backend: 'socket' | 'stdio' | 'other';
  addr?: SocketAddress;
  server: boolean;
  wait: boolean;
  /** backend name for chardevs qmp-sim accepts but does not serve (pty, file, null...) */
  backendName: string;
}

export class ChardevError extends Error {}

function socketFromOpts(id: string, o: QemuOpts): ChardevSpec {
  let addr: SocketAddress;
  if (o.has('path')) addr = { kind: 'unix', path: o.get('path')! };
  else if (o.has('fd')) {
    const fd = Number(o.get('fd'));
    if (!Number.isInteger(fd) || fd < 0) throw new ChardevError(`chardev: socket: invalid fd '${o.get('fd')}'`);
    addr = { kind: 'fd', fd };
  } else if (o.has('port')) {
    const port = Number(o.get('port'));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ChardevError(`chardev: socket: invalid port '${o.get('port')}'`);
    addr = { kind: 'tcp', host: o.get('host') || 'localhost', port };
  } else {
    throw new ChardevError('chardev: socket: no local address specified');
  }
  return {
    id,
    backend: 'socket',
    backendName: 'socket',
    addr,
    server: optBool(o, 'server', false),
    wait: optBool(o, 'wait', true),
  };
}

/** -chardev BACKEND,id=ID,... */
export function parseChardev(text: string): ChardevSpec {
  const o = parseQemuOpts(text, 'backend');
  const backend = o.get('backend') ?? '';
  const id = o.get('id');
  if (!id) throw new ChardevError('chardev: no id specified');
  if (backend === 'socket') return socketFromOpts(id, o);
  if (backend === 'stdio') return { id, backend: 'stdio', backendName: 'stdio', server: false, wait: false };
  return { id, backend: 'other', backendName: backend, server: false, wait: false };
}

/** The -qmp / -monitor shorthand (chardev/char.c qemu_chr_parse_compat). */
export function parseChardevShorthand(text: string, id: string): ChardevSpec {
  if (text === 'stdio') return { id, backend: 'stdio', backendName: 'stdio', server: false, wait: false };
  const comma = text.indexOf(',');
  const head = comma < 0 ? text : text.slice(0, comma);
  const tail = comma < 0 ? '' : text.slice(comma + 1);
  const o = tail ? parseQemuOpts(tail) : new Map<string, string>();
  if (head.startsWith('unix:')) {
    o.set('path', head.slice(5));
    return socketFromOpts(id, o);
  }
  if (head.startsWith('tcp:')) {
    const hp = head.slice(4);
    const colon = hp.lastIndexOf(':');
    if (colon < 0) throw new ChardevError(`chardev: tcp: no port in '${hp}'`);
    o.set('host', hp.slice(0, colon));
    o.set('port', hp.slice(colon + 1));
    return socketFromOpts(id, o);
  }
  return { id, backend: 'other', backendName: head.split(':')[0], server: false, wait: false };
}
