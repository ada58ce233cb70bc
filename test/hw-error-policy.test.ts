// The error policy, cell by cell: device (IDE, virtio-blk, scsi-hd) ×
// policy (report, ignore, enospc, stop; set on -drive or on the device,
// where `auto` inherits the drive's) × errno (EIO, ENOSPC) × read/write →
// the action in BLOCK_IO_ERROR, the guest's outcome, the run state, the
// iostatus, the event's nospace member and the I/O accounting.
// Expectations come from the tables below (reference §4), not from the code.
import t from 'tap';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { GuestIoResult } from '../src/hw/guest/guest-disk.js';
import { blockVm, scratchDir } from './lib/block-machine.js';

type Policy = 'report' | 'ignore' | 'enospc' | 'stop';
type Dev = 'ide' | 'virtio' | 'scsi';
const EIO = 5;
const ENOSPC = 28;

/** reference §4: policy × errno → action */
const ACTION: Record<Policy, Record<number, 'report' | 'ignore' | 'stop'>> = {
  report: { [EIO]: 'report', [ENOSPC]: 'report' },
  ignore: { [EIO]: 'ignore', [ENOSPC]: 'ignore' },
  enospc: { [EIO]: 'report', [ENOSPC]: 'stop' },
  stop: { [EIO]: 'stop', [ENOSPC]: 'stop' },
};

/** How each front end accounts a failed request (hw/ide, hw/block/virtio-blk.c, hw/scsi/scsi-disk.c). */
const ACCT: Record<Dev, Record<'report' | 'ignore' | 'stop', { failed: number; done: number }>> = {
  ide: { report: { failed: 1, done: 0 }, ignore: { failed: 0, done: 1 }, stop: { failed: 0, done: 0 } },
  virtio: { report: { failed: 1, done: 0 }, ignore: { failed: 0, done: 1 }, stop: { failed: 0, done: 0 } },
  scsi: { report: { failed: 1, done: 0 }, ignore: { failed: 1, done: 0 }, stop: { failed: 1, done: 0 } },
};

const REASON: Record<number, string> = { [EIO]: 'Input/output error', [ENOSPC]: 'No space left on device' };

function deviceArgs(dev: Dev, extra: string): string[] {
  switch (dev) {
    case 'ide':
      return [`ide-hd,drive=d0,bus=ide.0,id=disk${extra}`];
    case 'virtio':
      return [`virtio-blk-pci,drive=d0,id=disk${extra}`];
    case 'scsi':
      return ['virtio-scsi-pci,id=scsi0', `scsi-hd,drive=d0,id=disk${extra}`];
  }
}

for (const dev of ['ide', 'virtio', 'scsi'] as const) {
  t.test(`${dev}: every policy × errno × operation`, async (t) => {
    for (const op of ['read', 'write'] as const) {
      for (const errno of [EIO, ENOSPC]) {
        for (const policy of ['report', 'ignore', 'enospc', 'stop'] as const) {
          for (const where of ['drive', 'device'] as const) {
            // -drive rerror= has no enospc ('enospc' invalid read error action)
            if (where === 'drive' && op === 'read' && policy === 'enospc') continue;
            const key = op === 'read' ? 'rerror' : 'werror';
            const name = `${op} ${REASON[errno]} ${key}=${policy} on the ${where}`;
            const dir = scratchDir({ 'a.img': 16 << 20 });
            const drive =
              `if=none,id=d0,format=raw,file.driver=blkdebug,file.image.filename=${join(dir, 'a.img')},` +
              `file.inject-error.0.event=${op}_aio,file.inject-error.0.errno=${errno}` +
              (where === 'drive' ? `,${key}=${policy}` : '');
            const vm = blockVm({ drives: [drive], devices: deviceArgs(dev, where === 'device' ? `,${key}=${policy}` : ''), startPaused: true }, { dir });
            try {
              const m = vm.machine;
              const blk = m.block.backend('d0')!;
              m.devices.guest.startOs();
              m.qmpCont();
              vm.settle();
              const disk = m.devices.disk('disk')!;
              let result: GuestIoResult | undefined;
              m.devices.guest.io(disk, { op, lba: 8, count: 1, ...(op === 'write' ? { data: Buffer.alloc(512, 0xab) } : {}) }, (r) => (result = r));
              vm.until(() => result !== undefined || m.queryStatus().status === 'io-error');
              const action = ACTION[policy][errno];
              const ev = vm.events.find((e) => e.event === 'BLOCK_IO_ERROR');
              const effWerror = op === 'write' ? policy : 'enospc'; // -drive default werror
              const effRerror = op === 'read' ? policy : 'report';
              const iostatusOn = effWerror === 'enospc' || effWerror === 'stop' || effRerror === 'stop';
              t.same(
                ev?.data,
                {
                  device: 'd0',
                  'node-name': blk.nodeName,
                  operation: op,
                  action,
                  ...(iostatusOn ? { nospace: errno === ENOSPC } : {}),
                  reason: REASON[errno],
                },
                `${name}: BLOCK_IO_ERROR`,
              );
              if (action === 'stop') {
                const iErr = vm.events.findIndex((e) => e.event === 'BLOCK_IO_ERROR');
                const iStop = vm.events.findIndex((e) => e.event === 'STOP');
                t.ok(iErr >= 0 && iStop > iErr, `${name}: STOP follows BLOCK_IO_ERROR`);
                t.equal(m.queryStatus().status, 'io-error', `${name}: io-error`);
                t.equal(result, undefined, `${name}: the request is parked, the guest waits`);
                t.equal(blk.iostatus, errno === ENOSPC ? 'nospace' : 'failed', `${name}: iostatus`);
              } else {
                t.equal(m.queryStatus().status, 'running', `${name}: still running`);
                t.equal(result?.ok, action === 'ignore', `${name}: the guest sees ${action === 'ignore' ? 'success' : 'an error'}`);
                t.equal(blk.iostatus, 'ok', `${name}: iostatus ok`);
                t.notOk(vm.events.some((e) => e.event === 'STOP'), `${name}: no STOP`);
              }
              const type = op === 'read' ? 'read' : 'write';
              t.same(
                { failed: blk.stats.failedOps[type], done: blk.stats.nrOps[type] },
                ACCT[dev][action],
                `${name}: accounting`,
              );
            } finally {
              vm.close();
              rmSync(dir, { recursive: true, force: true });
            }
          }
        }
      }
    }
  });
}
