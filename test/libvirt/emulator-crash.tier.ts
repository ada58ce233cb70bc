// libvirt tier: the emulator dies while libvirt waits on a command (libvirt's
// THREADS.txt case). The control channel's vm.crash makes the qmp-sim process
// die like SIGKILL when the named QMP command arrives, before it replies:
// libvirt must report the domain shut off (crashed), stay healthy, and start
// the next domain.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveLibvirt, startLibvirt, teardownLibvirt } from './libvirt-env.js';
import { domainXml, makeDisks } from './domain-xml.js';
import { controlCall } from './control-client.js';
import { waitDomstate } from './tier-lib.js';

const DOM = 'qs-crash';

if (!haveLibvirt()) {
  t.plan(0, 'libvirtd, virsh or unshare not installed');
} else if (process.env.QMP_SIM_LIBVIRT_EMULATOR === 'qemu') {
  t.plan(0, 'needs the qmp-sim control channel (vm.crash)');
} else {
  t.test('the emulator dies while libvirt waits on a command', async (t) => {
    const env = await startLibvirt();
    t.teardown(() => teardownLibvirt(env, [DOM]));
    const v = env.virsh;
    const ctl = join(env.controlDir, `${DOM}.sock`);
    const xmlFile = join(env.dir, `${DOM}.xml`);
    writeFileSync(xmlFile, domainXml(DOM, env.emulator, makeDisks(env.imgDir, DOM, ['vda'])));
    t.equal((await v('define', xmlFile)).code, 0);

    for (const [verb, command] of [
      ['suspend', 'stop'],
      ['domblkstat', 'query-blockstats'],
    ] as const) {
      await t.test(`virsh ${verb}: the emulator dies on '${command}'`, async (t) => {
        const start = await v('start', DOM);
        t.equal(start.code, 0, start.stderr);
        t.same(await controlCall(ctl, 'vm.crash', { after: command }), { armed: [command] });
        const r = await v(verb, DOM);
        t.not(r.code, 0, 'the command fails');
        t.match(r.stderr, /^error: /m);
        t.equal(await waitDomstate(env, DOM, 'shut off (crashed)'), 'shut off (crashed)');
        const list = await v('list', '--all');
        t.equal(list.code, 0, 'libvirtd still answers');
        t.match(list.stdout, new RegExp(`-\\s+${DOM}\\s+shut off`));
      });
    }

    await t.test('the next domain starts', async (t) => {
      const r = await v('start', DOM);
      t.equal(r.code, 0, r.stderr);
      t.equal((await v('domstate', '--reason', DOM)).stdout.trim(), 'running (booted)');
      t.equal((await v('destroy', DOM)).stdout.trim(), `Domain '${DOM}' destroyed`);
      t.equal((await v('undefine', DOM)).stdout.trim(), `Domain '${DOM}' has been undefined`);
    });
  });
}
