// A minimal QMP client for tests: connects, reads "\r\n"-terminated messages.

import * as net from 'node:net';

export class QmpTestClient {
  private buf = '';
  private messages: unknown[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        this.messages.push(JSON.parse(line));
      }
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(path: string): Promise<QmpTestClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path, () => resolve(new QmpTestClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects, retrying while the server starts. */
  static async connectRetry(path: string, ms = 15000): Promise<QmpTestClient> {
    const end = Date.now() + ms;
    for (;;) {
      try {
        return await QmpTestClient.connect(path);
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  send(text: string): void {
    this.sock.write(text);
  }

  async next(ms = 10000): Promise<any> {
    const end = Date.now() + ms;
    while (this.messages.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = end - Date.now();
      if (left <= 0) throw new Error('timeout waiting for a message');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.messages.shift();
  }

  /** Messages received so far and not yet taken. */
  pending(): unknown[] {
    return [...this.messages];
  }

  async cmd(execute: string, args?: unknown): Promise<any> {
    this.send(JSON.stringify(args === undefined ? { execute } : { execute, arguments: args }) + '\n');
    for (;;) {
      const m = await this.next();
      if (m && (m.return !== undefined || m.error !== undefined)) return m;
    }
  }

  /** Waits until the server closes the connection. */
  async closedByServer(ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('still open');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}
