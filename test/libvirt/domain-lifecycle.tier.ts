// libvirt tier: a domain's life under real libvirtd 9.0 with qmp-sim as its
// emulator, step by step as a user types it, each virsh output checked
// against what the same step prints with real QEMU 7.2 (QMP_SIM_LIBVIRT_EMULATOR=qemu
// runs this file against real QEMU; steps that need the control channel skip).

import t from 'tap';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveLibvirt, startLibvirt, teardownLibvirt, type LibvirtEnv } from './libvirt-env.js';
import { DISK_SIZE, domainXml, makeDisks } from './domain-xml.js';
import { controlCall } from './control-client.js';
import { blkTable, modelledCommands, todoUnless, waitDomstate } from './tier-lib.js';
import { haveCommand } from '../lib/paths.js';

const DOM = 'qs-life';

if (!haveLibvirt()) {
  t.plan(0, 'libvirtd, virsh or unshare not installed');
} else {
  t.test('libvirt drives a domain through its life', async (t) => {
    const env: LibvirtEnv = await startLibvirt();
    t.teardown(() => teardownLibvirt(env, [DOM]));
    const sim = env.kind === 'qmp-sim';
    const have = sim ? modelledCommands() : new Set<string>();
    const ctl = join(env.controlDir, `${DOM}.sock`);
    const disks = makeDisks(env.imgDir, DOM);
    const xmlFile = join(env.dir, `${DOM}.xml`);
    writeFileSync(xmlFile, domainXml(DOM, env.emulator, disks));
    const v = env.virsh;
    const source: Record<string, string> = Object.fromEntries(disks.map((d) => [d.target, d.file]));
    const blklist = () => blkTable(['vda', 'hda', 'sda'].map((d) => [d, source[d]] as [string, string]));

    await t.test('virsh capabilities lists the emulator', async (t) => {
      const r = await v('capabilities');
      t.equal(r.code, 0, r.stderr);
      const guest = /<arch name='x86_64'>[\s\S]*?<\/arch>/.exec(r.stdout)?.[0] ?? '';
      t.match(guest, `<emulator>${env.emulator}</emulator>`);
      t.match(guest, "<machine maxCpus='255'>pc-i440fx-7.2</machine>");
      t.match(guest, "<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>");
      t.match(guest, "<domain type='qemu'/>");
    });

    await t.test('virsh domcapabilities is QEMU 7.2\'s', async (t) => {
      const r = await v('domcapabilities', '--virttype', 'qemu', '--machine', 'pc', '--arch', 'x86_64');
      t.equal(r.code, 0, r.stderr);
      t.match(r.stdout, `<path>${env.emulator}</path>`);
      t.match(r.stdout, '<machine>pc-i440fx-7.2</machine>');
      for (const bus of ['ide', 'scsi', 'virtio']) t.match(r.stdout, `<value>${bus}</value>`);
      if (sim && haveCommand('qemu-system-x86_64')) {
        // the same libvirtd asked about the real binary: only <path> may differ
        const real = await v('domcapabilities', '--emulatorbin', '/usr/bin/qemu-system-x86_64', '--virttype', 'qemu', '--machine', 'pc');
        t.equal(real.code, 0, real.stderr);
        const norm = (s: string) => s.replace(/<path>.*<\/path>/, '<path/>');
        t.equal(norm(r.stdout), norm(real.stdout), 'identical to real QEMU\'s but for <path>');
      }
    });

    await t.test('define', async (t) => {
      const r = await v('define', xmlFile);
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), `Domain '${DOM}' defined from ${xmlFile}`);
    });

    await t.test('start', async (t) => {
      const r = await v('start', DOM);
      t.equal(r.code, 0, r.stderr + env.domainLog(DOM).slice(-2000));
      t.equal(r.stdout.trim(), `Domain '${DOM}' started`);
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'running (booted)');
    });

    await t.test('suspend and resume', async (t) => {
      t.equal((await v('suspend', DOM)).stdout.trim(), `Domain '${DOM}' suspended`);
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'paused (user)');
      t.equal((await v('resume', DOM)).stdout.trim(), `Domain '${DOM}' resumed`);
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'running (unpaused)');
    });

    await t.test('domblklist, domblkinfo, domblkstat', async (t) => {
      t.equal((await v('domblklist', DOM)).stdout.trim(), blklist().trim());
      const info = await v('domblkinfo', DOM, 'vda');
      t.equal(info.stdout.trim(), `Capacity:       ${DISK_SIZE}\nAllocation:     0\nPhysical:       ${DISK_SIZE}`);
      const stat = await v('domblkstat', DOM, 'vda');
      t.equal(stat.code, 0, stat.stderr);
      const kv = Object.fromEntries(stat.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(1)));
      t.same(Object.keys(kv), ['rd_req', 'rd_bytes', 'wr_req', 'wr_bytes', 'flush_operations', 'rd_total_times', 'wr_total_times', 'flush_total_times']);
      // the firmware read the boot sector, nothing else happened yet
      t.same([kv.rd_req, kv.rd_bytes, kv.wr_req, kv.wr_bytes], ['1', '512', '0', '0']);
    });

    await t.test('qemu-monitor-command', async (t) => {
      const r = await v('qemu-monitor-command', DOM, '{"execute":"query-status"}');
      t.equal(r.code, 0, r.stderr);
      t.same(JSON.parse(r.stdout).return, { status: 'running', singlestep: false, running: true });
      const h = await v('qemu-monitor-command', DOM, '--hmp', 'info status');
      t.equal(h.stdout.trim(), 'VM status: running');
    });

    await t.test('blockcopy --transient-job --wait --pivot', async (t) => {
      const dest = join(env.imgDir, `${DOM}-vda-copy.raw`);
      writeFileSync(dest, '');
      truncateSync(dest, DISK_SIZE);
      if (sim) {
        // something to copy: a guest write of 4 KiB of 0x5a at 1 MiB
        const w = await controlCall(ctl, 'guest.write', { device: 'virtio-disk0', offset: 1 << 20, length: 4096, pattern: 0x5a });
        t.same(w, { ok: true });
      }
      const r = await v('blockcopy', DOM, 'vda', dest, '--transient-job', '--wait', '--pivot', '--reuse-external');
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), 'Successfully pivoted');
      source.vda = dest;
      t.equal((await v('domblklist', DOM)).stdout.trim(), blklist().trim());
      if (sim) {
        const copied = readFileSync(dest).subarray(1 << 20, (1 << 20) + 4096);
        t.ok(copied.every((b) => b === 0x5a), 'the guest\'s bytes are in the copy');
      }
    });

    const createTodo = todoUnless(env, have, 'blockdev-create');
    await t.test('blockcopy creating its target (blockdev-create)', { todo: createTodo }, async (t) => {
      const dest = join(env.imgDir, `${DOM}-vda-new.raw`);
      const r = await v('blockcopy', DOM, 'vda', dest, '--transient-job', '--wait', '--pivot');
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), 'Successfully pivoted');
      if (r.code === 0) source.vda = dest;
      t.equal((await v('domblklist', DOM)).stdout.trim(), blklist().trim());
    });

    await t.test('blockcopy --finish leaves the disk where it was', async (t) => {
      const dest = join(env.imgDir, `${DOM}-hda-copy.raw`);
      writeFileSync(dest, '');
      truncateSync(dest, DISK_SIZE);
      const r = await v('blockcopy', DOM, 'hda', dest, '--transient-job', '--wait', '--finish', '--reuse-external');
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), 'Successfully copied');
      t.equal((await v('domblklist', DOM)).stdout.trim(), blklist().trim());
    });

    await t.test('speed-limited blockcopy, blockjob --info, blockjob --abort', async (t) => {
      const dest = join(env.imgDir, `${DOM}-sda-copy.raw`);
      writeFileSync(dest, '');
      truncateSync(dest, DISK_SIZE);
      const r = await v('blockcopy', DOM, 'sda', dest, '--transient-job', '--reuse-external', '--bandwidth', '1');
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), 'Block Copy started');
      const info = await v('blockjob', DOM, 'sda', '--info');
      t.equal(info.code, 0, info.stderr);
      t.equal(info.stdout.trim(), 'Bandwidth limit: 1048576 bytes/s (1.000 MiB/s)');
      t.match(info.stderr, /^\rBlock Copy: \[ *\d+ %\]$/);
      const abort = await v('blockjob', DOM, 'sda', '--abort');
      t.equal(abort.code, 0, abort.stderr);
      t.equal((await v('blockjob', DOM, 'sda', '--info')).stdout.trim(), 'No current block job for sda');
      t.equal((await v('domblklist', DOM)).stdout.trim(), blklist().trim());
    });

    await t.test('a guest write error pauses the domain; resume after the fault clears', { skip: sim ? false : 'needs the qmp-sim control channel' }, async (t) => {
      const fault = await controlCall(ctl, 'fault.inject', { device: 'virtio-disk0', errno: 'EIO', op: 'write', mode: 'sticky' });
      t.type(fault.id, 'number');
      // answers once the request completes, i.e. after the resume below
      const write = controlCall(ctl, 'guest.write', { device: 'virtio-disk0', offset: 0, length: 512 });
      t.equal(await waitDomstate(env, DOM, 'paused (I/O error)'), 'paused (I/O error)');
      t.equal((await v('domblkerror', DOM)).stdout.trim(), 'vda: unspecified error');
      t.same(await controlCall(ctl, 'fault.clear', {}), { cleared: 1 });
      t.equal((await v('resume', DOM)).stdout.trim(), `Domain '${DOM}' resumed`);
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'running (unpaused)');
      t.same(await write, { ok: true }, 'the retried write succeeded');
      // cont resets the iostatus of monitor-owned BlockBackends only
      // (monitor/qmp-cmds.c qmp_cont, blk_next); a -blockdev disk's BB is the
      // device's own, so QEMU 7.2 still reports the old error
      t.equal((await v('domblkerror', DOM)).stdout.trim(), 'vda: unspecified error');
    });

    await t.test('libvirtd restarts while the domain runs and reconnects', async (t) => {
      await env.restart();
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'running (unpaused)');
      const r = await v('qemu-monitor-command', DOM, '{"execute":"query-status"}');
      t.equal(r.code, 0, r.stderr);
      t.same(JSON.parse(r.stdout).return, { status: 'running', singlestep: false, running: true });
      t.equal((await v('domblklist', DOM)).stdout.trim(), blklist().trim());
    });

    await t.test('shutdown', async (t) => {
      const r = await v('shutdown', DOM);
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), `Domain '${DOM}' is being shutdown`);
      // qmp-sim's simulated guest OS (running since the guest I/O above)
      // honours the ACPI power button; real QEMU here has no guest OS to.
      if (sim) t.equal(await waitDomstate(env, DOM, 'shut off (shutdown)'), 'shut off (shutdown)');
    });

    await t.test('destroy', async (t) => {
      if ((await v('domstate', DOM)).stdout.trim() === 'shut off') {
        t.equal((await v('start', DOM)).stdout.trim(), `Domain '${DOM}' started`);
      }
      const r = await v('destroy', DOM);
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), `Domain '${DOM}' destroyed`);
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'shut off (destroyed)');
      t.match(env.domainLog(DOM), /terminating on signal 15/);
    });

    await t.test('undefine', async (t) => {
      const r = await v('undefine', DOM);
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout.trim(), `Domain '${DOM}' has been undefined`);
    });
  });
}
