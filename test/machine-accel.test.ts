// Accelerator choice as QEMU 7.2 makes it (texts checked against QEMU with no
// /dev/kvm): kvm needs /dev/kvm, else QEMU explains and falls back along the
// accel list; with nothing left it exits 1.

import t from 'tap';
import { chooseAccel, kvmUsable } from '../src/machine/accel.js';

t.test('kvm:tcg without /dev/kvm falls back to tcg, saying why', async (t) => {
  const c = chooseAccel(['kvm', 'tcg'], false);
  t.equal(c.accel, 'tcg');
  t.same(c.messages, [
    { text: 'Could not access KVM kernel module: No such file or directory', prefixed: false },
    { text: 'failed to initialize kvm: No such file or directory', prefixed: true },
    { text: 'falling back to tcg', prefixed: true },
  ]);
});

t.test('kvm alone without /dev/kvm: no accelerator', async (t) => {
  const c = chooseAccel(['kvm'], false);
  t.equal(c.accel, null);
  t.equal(c.messages.length, 2);
});

t.test('kvm with /dev/kvm; tcg always', async (t) => {
  t.same(chooseAccel(['kvm', 'tcg'], true), { accel: 'kvm', messages: [] });
  t.same(chooseAccel(['tcg'], false), { accel: 'tcg', messages: [] });
});

t.test('kvmUsable reads the device node', async (t) => {
  t.equal(kvmUsable('/nonexistent/kvm'), false);
});
