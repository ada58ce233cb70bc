// A QMP monitor on one chardev (monitor/qmp.c monitor_init_qmp,
// chardev/char-socket.c): a listening socket serves one client at a time;
// a later client is accepted by the kernel but gets no greeting until the
// current one leaves (reference §1.9). Events go to the connected client.

import * as net from 'node:net';
import { unlinkSync } from 'node:fs';
import type { ChardevSpec } from './chardev.js';
import { QmpSession, SessionHost } from './qmp-session.js';
import type { QmpDispatcher } from './dispatcher.js';
import type { EventBus } from '../system/qapi-event.js';

export interface MonitorOptions {
  spec: ChardevSpec;
  pretty: boolean;
  dispatcher: QmpDispatcher;
  events: EventBus;
  greeting: () => Record<string, unknown>;
  log: (msg: string) => void;
}

export class QmpMonitor {
  private server?: net.Server;
  private active?: { socket: net.Socket; session: QmpSession };
  private waiting: net.Socket[] = [];
  private unsubscribe?: () => void;
  private unlinkPath?: string;
  private closed = false;

  constructor(private readonly opts: MonitorOptions) {}

  /** OOB is offered on socket chardevs (they run in the monitor I/O thread). */
  get oobOffered(): boolean {
    return this.opts.spec.backend === 'socket' || this.opts.spec.backend === 'stdio';
  }

  /** Start listening (or connecting); resolves once the socket is ready. */
  start(): Promise<void> {
    this.unsubscribe = this.opts.events.subscribe((ev) => this.active?.session.deliverEvent(ev));
    const { spec } = this.opts;
    if (spec.backend === 'stdio') {
      this.attachStdio();
      return Promise.resolve();
    }
    if (spec.backend !== 'socket' || !spec.addr) {
      this.opts.log(`monitor on chardev '${spec.id}' (${spec.backendName}) is not served by qmp-sim`);
      return Promise.resolve();
    }
    const addr = spec.addr;
    if (!spec.server) {
      return new Promise((resolve, reject) => {
        const sock = addr.kind === 'unix' ? net.connect(addr.path) : addr.kind === 'tcp' ? net.connect(addr.port, addr.host) : undefined;
        if (!sock) return reject(new Error(`chardev '${spec.id}': a client socket needs a path or host/port`));
        sock.once('connect', () => {
          this.onConnection(sock);
          resolve();
        });
        sock.once('error', reject);
      });
    }
    return new Promise((resolve, reject) => {
      const server = net.createServer((sock) => this.onConnection(sock));
      this.server = server;
      server.on('error', (e) => {
        if (!this.closed) reject(e);
      });
      const ready = () => resolve();
      if (addr.kind === 'unix') {
        // QEMU removes a stale socket file before binding (util/qemu-sockets.c).
        try {
          unlinkSync(addr.path);
        } catch {
          /* none there */
        }
        this.unlinkPath = addr.path;
        server.listen(addr.path, ready);
      } else if (addr.kind === 'tcp') {
        server.listen(addr.port, addr.host, ready);
      } else {
        server.listen({ fd: addr.fd }, ready);
      }
    });
  }

  /**
   * ChardevInfo of this monitor's chardev (qmp_query_chardev): the filename
   * char-socket.c computes, "disconnected:" while no client is attached.
   */
  chardevInfo(): { label: string; filename: string; 'frontend-open': boolean } {
    const { spec } = this.opts;
    return { label: spec.id, filename: this.chardevFilename(), 'frontend-open': true };
  }

  private chardevFilename(): string {
    const { spec } = this.opts;
    if (spec.backend === 'stdio') return 'stdio';
    if (spec.backend !== 'socket' || !spec.addr) return spec.backendName;
    const addr = spec.addr;
    const server = spec.server ? ',server=on' : '';
    const bound = this.server?.address();
    const sock = this.active?.socket;
    if (addr.kind === 'tcp') {
      if (sock && sock.localAddress !== undefined) {
        return `tcp:${sock.localAddress}:${sock.localPort}${server} <-> ${sock.remoteAddress}:${sock.remotePort}`;
      }
      const port = bound && typeof bound === 'object' ? bound.port : addr.port;
      return `disconnected:tcp:${addr.host}:${port}${server}`;
    }
    const path = typeof bound === 'string' && bound !== '' ? bound : addr.kind === 'unix' ? addr.path : `fd:${addr.fd}`;
    return `${sock ? '' : 'disconnected:'}unix:${path}${server}`;
  }

  /** The bound TCP port (for tcp:HOST:0). */
  port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.active) this.endSession(this.active.socket, true);
    for (const s of this.waiting) s.destroy();
    this.waiting = [];
    this.server?.close();
    if (this.unlinkPath) {
      try {
        unlinkSync(this.unlinkPath);
      } catch {
        /* already gone */
      }
    }
  }

  private onConnection(sock: net.Socket): void {
    sock.on('error', (e) => this.opts.log(`monitor '${this.opts.spec.id}': client socket error: ${e.message}`));
    if (this.closed) {
      sock.destroy();
      return;
    }
    if (this.active) {
      // Accepted by the kernel, not served yet.
      sock.pause();
      this.waiting.push(sock);
      sock.once('close', () => {
        const i = this.waiting.indexOf(sock);
        if (i >= 0) this.waiting.splice(i, 1);
      });
      return;
    }
    this.serve(sock);
  }

  private serve(sock: net.Socket): void {
    const host: SessionHost = {
      greeting: this.opts.greeting,
      oobOffered: this.oobOffered,
      dispatchOob: (req) => this.opts.dispatcher.dispatchOob(req),
      kick: () => this.opts.dispatcher.kick(),
      log: this.opts.log,
    };
    const write = (text: string) => {
      if (!sock.destroyed && sock.writable) sock.write(this.opts.pretty ? prettyLine(text) : text);
    };
    const session = new QmpSession(host, write, (paused) => (paused ? sock.pause() : sock.resume()));
    this.active = { socket: sock, session };
    this.opts.dispatcher.addSession(session);
    session.start();
    sock.on('data', (chunk) => session.feed(chunk));
    sock.once('close', () => this.endSession(sock, false));
    sock.once('end', () => sock.end());
    sock.resume();
  }

  private endSession(sock: net.Socket, destroy: boolean): void {
    if (!this.active || this.active.socket !== sock) return;
    const { session } = this.active;
    session.close();
    this.opts.dispatcher.removeSession(session);
    this.active = undefined;
    // The monitor is closing (QEMU exits): send what is queued, then let go
    // of the socket without waiting for the client's FIN, or a client that
    // keeps its end open (libvirt while it kills us) would hold the process.
    if (destroy && sock) sock.end(() => sock.destroy());
    // The next waiting client gets a fresh greeting.
    while (!this.closed && this.waiting.length) {
      const next = this.waiting.shift()!;
      if (!next.destroyed) {
        this.serve(next);
        break;
      }
    }
  }

  private attachStdio(): void {
    const host: SessionHost = {
      greeting: this.opts.greeting,
      oobOffered: true,
      dispatchOob: (req) => this.opts.dispatcher.dispatchOob(req),
      kick: () => this.opts.dispatcher.kick(),
      log: this.opts.log,
    };
    const session = new QmpSession(host, (t) => process.stdout.write(t), (p) => (p ? process.stdin.pause() : process.stdin.resume()));
    this.active = { socket: undefined as unknown as net.Socket, session };
    this.opts.dispatcher.addSession(session);
    session.start();
    process.stdin.on('data', (c) => session.feed(c));
  }
}

/** -mon pretty=on: QEMU pretty-prints with 4-space indentation. */
function prettyLine(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 4) + '\r\n';
  } catch {
    return text;
  }
}
