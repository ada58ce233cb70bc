// JSON-RPC 2.0 calls on a qmp-sim VM's control channel (one line each way).

import * as net from 'node:net';

export class ControlError extends Error {}

/** One request on its own connection; resolves with the whole answer ({result} or {error}). */
export function controlMessage(path: string, method: string, params?: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      s.end();
      resolve(JSON.parse(buf.slice(0, nl)));
    });
    s.on('error', reject);
    s.on('close', () => reject(new ControlError(`${method}: connection closed without an answer`)));
    s.on('connect', () => s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) }) + '\n'));
  });
}

/** One call on its own connection; resolves with `result`, rejects with the JSON-RPC error. */
export async function controlCall(path: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const msg = await controlMessage(path, method, params);
  if (msg.error) throw new ControlError(`${method}: ${msg.error.message}`);
  return msg.result;
}
