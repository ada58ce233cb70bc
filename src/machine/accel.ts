// Accelerator choice (accel/accel-softmmu.c, accel/kvm/kvm-all.c kvm_init):
// the -machine accel= / -accel list is tried in order; kvm initialises only
// when /dev/kvm opens read-write, otherwise QEMU prints why and tries the
// next one ("falling back to tcg"); when none initialises it exits 1.

import { accessSync, constants } from 'node:fs';

export interface AccelChoice {
  /** the accelerator that initialised, or null when none did */
  accel: string | null;
  /** lines QEMU prints to stderr on the way (without the program prefix where QEMU has none) */
  messages: { text: string; prefixed: boolean }[];
}

/** True when /dev/kvm opens read-write (kvm_init's open of KVM_DEVICE). */
export function kvmUsable(path = '/dev/kvm'): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const ACCELS: ReadonlySet<string> = new Set(['kvm', 'tcg', 'qtest']);

export function chooseAccel(list: readonly string[], kvmOk: boolean): AccelChoice {
  const messages: AccelChoice['messages'] = [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (!ACCELS.has(a)) {
      messages.push({ text: `invalid accelerator ${a}`, prefixed: true });
      continue;
    }
    if (a === 'kvm' && !kvmOk) {
      messages.push({ text: 'Could not access KVM kernel module: No such file or directory', prefixed: false });
      messages.push({ text: 'failed to initialize kvm: No such file or directory', prefixed: true });
      if (i + 1 < list.length) messages.push({ text: `falling back to ${list[i + 1]}`, prefixed: true });
      continue;
    }
    return { accel: a, messages };
  }
  return { accel: null, messages };
}
