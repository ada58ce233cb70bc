// The harness control channel: JSON-RPC 2.0 (one message per line) on a unix
// or TCP socket beside QMP, for what a test drives from outside the guest:
// listing VMs, reading their state, advancing the virtual clock; later guest
// I/O and faults. QMP itself is not JSON-RPC; this channel is qmp-sim's own.

import * as net from 'node:net';
import { unlinkSync } from 'node:fs';
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import { z } from 'zod';
import { controlMethods, ControlContext } from './methods.js';

export interface ControlChannel {
  close(): void;
  address(): string;
}

export async function startControlChannel(where: string, ctx: ControlContext): Promise<ControlChannel> {
  const rpc = new JSONRPCServer();
  for (const m of controlMethods) {
    rpc.addMethod(m.name, async (params: unknown) => {
      await ctx.ready;
      const parsed = m.params.safeParse(params ?? {});
      if (!parsed.success) {
        throw new JSONRPCErrorException(`invalid params for ${m.name}: ${describe(parsed.error)}`, -32602);
      }
      try {
        return await m.run(parsed.data, ctx);
      } catch (e) {
        if (e instanceof JSONRPCErrorException) throw e;
        throw new JSONRPCErrorException((e as Error).message, -32000);
      }
    });
  }
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    let buf = '';
    // answers go out in request order, one request at a time per connection
    let chain: Promise<void> = Promise.resolve();
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) chain = chain.then(() => handleLine(rpc, line, (text) => void (sock.writable && sock.write(text + '\n'))));
      }
    });
  });
  let unlinkPath: string | undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (where.startsWith('unix:')) {
      unlinkPath = where.slice(5);
      try {
        unlinkSync(unlinkPath);
      } catch {
        /* none */
      }
      server.listen(unlinkPath, resolve);
    } else if (where.startsWith('tcp:')) {
      const hp = where.slice(4);
      const colon = hp.lastIndexOf(':');
      server.listen(Number(hp.slice(colon + 1)), hp.slice(0, colon), resolve);
    } else {
      reject(new Error(`--control wants unix:PATH or tcp:HOST:PORT, not '${where}'`));
    }
  });
  return {
    close() {
      server.close();
      if (unlinkPath) {
        try {
          unlinkSync(unlinkPath);
        } catch {
          /* gone */
        }
      }
    },
    address() {
      const a = server.address();
      return typeof a === 'string' ? `unix:${a}` : `tcp:${a?.address}:${a?.port}`;
    },
  };
}

async function handleLine(rpc: JSONRPCServer, line: string, send: (t: string) => void): Promise<void> {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
    return;
  }
  try {
    const res = await rpc.receive(req as never);
    if (res) send(JSON.stringify(res));
  } catch (e) {
    send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: (e as Error).message } }));
  }
}

function describe(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
}
