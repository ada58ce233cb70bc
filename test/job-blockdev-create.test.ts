// blockdev-create as a job: type create, manual dismiss, progress 0/1 → 1/1,
// a failure keeps its error text in query-jobs; driver refusals come before
// any job exists.
import t from 'tap';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../src/machine/machine.js';
import { defaultMachineConfig } from '../src/machine/config.js';
import { VersionInfo } from '../src/machine/version.js';
import { blockdevCreate } from '../src/jobs/create-job.js';
import { statusTrail } from '../src/jobs/testing/mirror-vm.js';
import type { QapiEvent } from '../src/system/qapi-event.js';

const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-create-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function vm() {
  const logs: string[] = [];
  const machine = new Machine({ ...defaultMachineConfig(), clock: 'virtual', seed: 1, nodefaults: true, imageDirs: [dir] }, { version: VersionInfo.recorded(), log: (m) => logs.push(m), live: false });
  const events: QapiEvent[] = [];
  machine.events.subscribe((e) => events.push(e));
  machine.start();
  return { machine, events, logs };
}

t.test('file create: concluded until job-dismiss, the file exists', async (t) => {
  const { machine, events, logs } = vm();
  try {
    const job = blockdevCreate(machine.block, machine.jobs, 'c0', { driver: 'file', filename: join(dir, 'a.img'), size: 1048576 });
    t.same(statusTrail(events), ['created', 'running'], 'a successful create waits for the host');
    t.ok(machine.kernel.runUntil(() => job.status === 'concluded', { maxNs: 1e9 }));
    t.same(statusTrail(events), ['created', 'running', 'waiting', 'pending', 'concluded']);
    t.same(machine.jobs.queryJobs(), [{ 'current-progress': 1, status: 'concluded', 'total-progress': 1, type: 'create', id: 'c0' }]);
    t.same(machine.jobs.queryBlockJobs(), []);
    t.equal(statSync(join(dir, 'a.img')).size, 1048576);
    job.userDismiss();
    t.same(machine.jobs.queryJobs(), []);
    t.same(logs, []);
  } finally {
    machine.destroy();
  }
});

t.test('a failing create ends inside the command, error kept', async (t) => {
  const { machine, events } = vm();
  try {
    blockdevCreate(machine.block, machine.jobs, 'e1', { driver: 'qcow2', file: 'nonexist', size: 1048576 });
    t.same(statusTrail(events), ['created', 'running', 'aborting', 'concluded']);
    t.match(machine.jobs.queryJobs()[0], { status: 'concluded', error: "Cannot find device='nonexist' nor node-name='nonexist'" });
    t.throws(() => blockdevCreate(machine.block, machine.jobs, 'e1', { driver: 'file', filename: join(dir, 'b.img'), size: 512 }), { message: "Job ID 'e1' already in use" });
  } finally {
    machine.destroy();
  }
});

t.test('driver refusals', async (t) => {
  const { machine, events } = vm();
  try {
    for (const driver of ['raw', 'null-co', 'blkdebug']) {
      t.throws(() => blockdevCreate(machine.block, machine.jobs, 'x', { driver }), { message: 'Driver does not support blockdev-create' });
    }
    t.throws(() => blockdevCreate(machine.block, machine.jobs, 'x', { driver: 'vdi', file: 'f', size: 1 }), { message: /not modelled/ });
    t.throws(() => blockdevCreate(machine.block, machine.jobs, '0bad', { driver: 'file', filename: join(dir, 'c.img'), size: 1 }), { message: "Invalid job ID '0bad'" });
    t.same(statusTrail(events), [], 'no job was created');
  } finally {
    machine.destroy();
  }
});
