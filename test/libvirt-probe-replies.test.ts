// The replies libvirt 9.0 decides capabilities from, and the ones it reads at
// domain start, served from protocol/qemu-7.2/target/ (recorded from real QEMU
// 7.2) for the machine's -machine/-accel, plus QEMU's error texts for bad
// arguments. Whole-conversation goldens: fixtures/qemu-7.2/probe/.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../src/machine/machine.js';
import { VersionInfo } from '../src/machine/version.js';
import { defaultMachineConfig, type MachineConfig } from '../src/machine/config.js';
import { buildCommandTable, type CommandContext } from '../src/commands/registry.js';
import { QmpError } from '../src/qapi/error.js';
import { toQmpJson } from '../src/qapi/qobject/writer.js';
import { QFloat } from '../src/qapi/qobject/qobject.js';
import { repoRoot } from './lib/paths.js';

const table = buildCommandTable();
const targetDir = join(repoRoot, 'protocol', 'qemu-7.2', 'target');

function vm(t: { teardown(fn: () => void): void }, config: Partial<MachineConfig>) {
  const machine = new Machine({ ...defaultMachineConfig(), clock: 'virtual', ...config }, { version: VersionInfo.recorded(), log: () => {}, live: false });
  t.teardown(() => machine.destroy());
  const ctx: CommandContext = { machine, session: { commandMode: true, oobEnabled: false }, oobOffered: true, hmp: () => '' };
  const run = (name: string, args: Record<string, unknown> = {}): unknown => table.get(name)!.run(args, ctx);
  const err = (name: string, args: Record<string, unknown> = {}): { cls: string; desc: string } | 'ok' => {
    try {
      run(name, args);
      return 'ok';
    } catch (e) {
      if (e instanceof QmpError) return { cls: e.errorClass, desc: e.desc };
      throw e;
    }
  };
  return { machine, run, err };
}

/** The recording as QEMU sent it (markers revived), written the QMP way. */
function recordedText(file: string, key: string, pick: (v: unknown) => unknown = (v) => v): string {
  const data = JSON.parse(readFileSync(join(targetDir, file), 'utf8'), (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1) {
      if ('$int' in v) return BigInt(v.$int);
      if ('$float' in v) return new QFloat(Number(v.$float));
    }
    return v;
  });
  return toQmpJson(pick(data[key]));
}

const CONTEXTS: [string, Partial<MachineConfig>][] = [
  ['none/tcg', { machineType: 'none', accel: ['tcg'], nodefaults: true }],
  ['pc-i440fx-7.2/tcg', { machineType: 'pc', accel: ['tcg'], nodefaults: true }],
];

for (const [key, config] of CONTEXTS) {
  t.test(`${key}: plain queries are served exactly as recorded`, async (t) => {
    const { run } = vm(t, config);
    for (const q of ['query-machines', 'query-cpu-definitions', 'query-tpm-models', 'query-tpm-types', 'query-command-line-options',
      'query-migrate-capabilities', 'query-migrate-parameters', 'query-chardev-backends']) {
      t.equal(toQmpJson(run(q)), recordedText(`${q}.json`, key, (r) => (r as { return: unknown }).return), q);
    }
  });
  t.test(`${key}: device and class properties, CPU expansions as recorded`, async (t) => {
    const { run } = vm(t, config);
    for (const name of ['virtio-blk-pci', 'scsi-hd', 'ide-hd', 'qxl', 'pcie-root-port']) {
      const want = recordedText('device-list-properties.json', key, (r) => (r as Record<string, { return: unknown }>)[name].return);
      t.equal(toQmpJson(run('device-list-properties', { typename: name })), want, name);
    }
    t.equal(
      toQmpJson(run('qom-list-properties', { typename: 'memory-backend-file' })),
      recordedText('qom-list-properties.json', key, (r) => (r as Record<string, { return: unknown }>)['memory-backend-file'].return),
    );
    // argument order does not matter; integers beyond 2^53 stay exact
    const full = run('query-cpu-model-expansion', { model: { props: { 'hv-passthrough': true, migratable: false }, name: 'host' }, type: 'full' });
    t.match(toQmpJson(full), /"lbr-fmt": 18446744073709551552/);
    const types = run('qom-list-types') as { name: string; abstract?: boolean }[];
    t.ok(types.length > 500 && types.every((x) => !x.abstract), 'qom-list-types: concrete types only');
    t.ok((run('qom-list-types', { abstract: true }) as unknown[]).length > types.length, 'abstract: true adds abstract types');
  });
}

t.test('error paths carry QEMU 7.2 texts', async (t) => {
  const { err } = vm(t, { machineType: 'pc', accel: ['tcg'], nodefaults: true });
  const cpu = '/machine/unattached/device[0]';
  const cases: [string, Record<string, unknown>, { cls: string; desc: string }][] = [
    ['device-list-properties', { typename: 'zz-dev' }, { cls: 'DeviceNotFound', desc: "Device 'zz-dev' not found" }],
    ['device-list-properties', { typename: 'virtio-blk-pci-base' }, { cls: 'GenericError', desc: "Parameter 'typename' expects a non-abstract device type" }],
    ['device-list-properties', { typename: 'virtio-scsi-pci-base' }, { cls: 'GenericError', desc: "Parameter 'typename' expects a non-abstract device type" }],
    ['device-list-properties', { typename: 'iothread' }, { cls: 'GenericError', desc: "Parameter 'typename' expects a non-abstract device type" }],
    ['qom-list-properties', { typename: 'zz-class' }, { cls: 'DeviceNotFound', desc: "Class 'zz-class' not found" }],
    ['qom-list-properties', { typename: 'hotplug-handler' }, { cls: 'GenericError', desc: "Parameter 'typename' expects a QOM type" }],
    ['qom-get', { path: cpu, property: 'zz' }, { cls: 'GenericError', desc: "Property 'qemu64-x86_64-cpu.zz' not found" }],
    ['qom-get', { path: cpu, property: 'legacy-memory' }, { cls: 'GenericError', desc: "Property 'qemu64-x86_64-cpu.legacy-memory' is not readable" }],
    ['qom-get', { path: '/machine/zz', property: 'type' }, { cls: 'DeviceNotFound', desc: "Device '/machine/zz' not found" }],
    ['qom-list', { path: '/machine/zz' }, { cls: 'DeviceNotFound', desc: "Device '/machine/zz' not found" }],
    ['query-cpu-model-expansion', { type: 'static', model: { name: 'zz' } }, { cls: 'GenericError', desc: "CPU model 'zz' not found" }],
    ['query-command-line-options', { option: 'zz' }, { cls: 'GenericError', desc: 'invalid option name: zz' }],
    ['query-sev-capabilities', {}, { cls: 'GenericError', desc: 'KVM not enabled' }],
    ['query-sgx-capabilities', {}, { cls: 'GenericError', desc: 'SGX is not enabled in KVM' }],
    ['migrate-set-capabilities', { capabilities: [{ capability: 'multifd', state: true }, { capability: 'compress', state: true }] },
      { cls: 'GenericError', desc: 'Multifd is not compatible with compress' }],
    ['migrate-set-capabilities', { capabilities: [{ capability: 'zero-copy-send', state: true }] },
      { cls: 'GenericError', desc: 'Zero copy only available for non-compressed non-TLS multifd migration' }],
  ];
  for (const [name, args, want] of cases) t.same(err(name, args), want, `${name} ${JSON.stringify(args)}`);
});

t.test('no recording for the machine: a clear GenericError; kvm falls back to the tcg recording', async (t) => {
  // accel kvm is in use only where /dev/kvm opens (src/machine/accel.ts); either way a recording answers
  const kvm = vm(t, { machineType: 'pc', accel: ['kvm', 'tcg'], nodefaults: true });
  t.equal(kvm.err('query-cpu-definitions'), 'ok', 'kvm:tcg');
  const q35 = vm(t, { machineType: 'q35', accel: ['tcg'], nodefaults: true });
  const e2 = q35.err('qom-list', { path: '/machine/unattached/device[0]' });
  t.ok(e2 !== 'ok' && /no recording .*pc-q35-7.2/.test(e2.desc), 'q35 CPU properties', { e2 });
  t.equal(q35.err('query-tpm-models'), 'ok', 'board-independent facts fall back to the -machine none probe');
});

t.test('CPUs follow -smp; migration settings are per machine', async (t) => {
  const a = vm(t, { machineType: 'pc', accel: ['tcg'], nodefaults: true, smp: 2 });
  const b = vm(t, { machineType: 'pc', accel: ['tcg'], nodefaults: true });
  const hot = a.run('query-hotpluggable-cpus') as { 'qom-path': string; props: Record<string, number> }[];
  t.same(hot.map((c) => c['qom-path']), ['/machine/unattached/device[1]', '/machine/unattached/device[0]'], 'last CPU first');
  t.equal(a.run('qom-get', { path: '/machine/unattached/device[1]', property: 'apic-id' }), 1);
  t.equal(a.run('qom-get', { path: '/machine/unattached/device[1]', property: 'pse36' }), true);
  t.equal((a.run('query-cpus-fast') as unknown[]).length, 2);
  a.run('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] });
  const state = (m: typeof a) => (m.run('query-migrate-capabilities') as { capability: string; state: boolean }[]).find((c) => c.capability === 'events')!.state;
  t.equal(state(a), true);
  t.equal(state(b), false, 'another machine is not affected');
  a.run('migrate-set-parameters', { 'max-bandwidth': 1000 });
  t.equal((a.run('query-migrate-parameters') as Record<string, unknown>)['max-bandwidth'], 1000);
  t.not((b.run('query-migrate-parameters') as Record<string, unknown>)['max-bandwidth'], 1000);
});
