// Migration state of a machine that does not migrate (migration/migration.c):
// query-migrate, -incoming defer + migrate-incoming, the postcopy recovery
// commands. An accepted incoming URI leaves the VM waiting in inmigrate.

import { QmpError } from '../qapi/error.js';
import type { EventBus } from '../system/qapi-event.js';

const INCOMING_PROTOCOLS = ['tcp:', 'unix:', 'exec:', 'fd:', 'rdma:', 'vsock:'];

export class MigrationState {
  private incomingStarted = false;
  private status: 'none' | 'setup' = 'none';

  constructor(
    private readonly events: EventBus,
    private readonly deferredIncoming: boolean,
    private readonly inInmigrate: () => boolean,
  ) {}

  query(): Record<string, unknown> {
    return this.status === 'none' ? {} : { status: this.status };
  }

  /** migrate-incoming (qmp_migrate_incoming) */
  incoming(uri: string): void {
    if (!this.deferredIncoming) throw QmpError.generic("For use with '-incoming defer'");
    if (this.incomingStarted) throw QmpError.generic('The incoming migration has already been started');
    if (!this.inInmigrate()) throw QmpError.generic("'-incoming' was not specified on the command line");
    // qemu_start_incoming_migration: MIGRATION setup first, then the URI is looked at.
    this.events.emit('MIGRATION', { status: 'setup' });
    if (!INCOMING_PROTOCOLS.some((p) => uri.startsWith(p))) {
      throw QmpError.generic(`unknown migration protocol: ${uri}`);
    }
    this.incomingStarted = true;
    this.status = 'setup';
  }

  pause(): void {
    throw QmpError.generic('migrate-pause is currently only supported during postcopy-active state');
  }

  recover(): void {
    throw QmpError.generic('Migrate recover can only be run when postcopy is paused.');
  }
}
