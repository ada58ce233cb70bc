// query-iothreads lists iothreads in the iteration order of /objects'
// property hash table. Expected orders were recorded from QEMU 7.2.22
// (-machine pc and none); when QEMU is installed the same sets are checked
// against it live.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { inProcessVm } from './lib/in-process.js';
import { haveCommand } from './lib/paths.js';
import { queryIothreads } from '../src/commands/iothread.js';

const IDS = ['io0', 'io1', 'iothread1', 'iothread2', 'disk-io', 'a', 'b'];
const RECORDED: Record<string, string[]> = {
  pc: ['b', 'iothread2', 'a', 'io1', 'io0', 'disk-io', 'iothread1'],
  none: ['a', 'b', 'io1', 'iothread2', 'disk-io', 'io0', 'iothread1'],
};

function simOrder(machineType: string, ids: string[]): { ids: string[]; info: any[] } {
  const vm = inProcessVm({ machineType, iothreads: ids.map((id) => (id === 'io1' ? { id, pollMaxNs: 0 } : { id })) });
  const info = queryIothreads(vm.machine) as any[];
  return { ids: info.map((i) => i.id), info };
}

for (const [machineType, expected] of Object.entries(RECORDED)) {
  t.test(`-machine ${machineType}: recorded order`, async (t) => {
    const { ids, info } = simOrder(machineType, IDS);
    t.same(ids, expected);
    const io1 = info.find((i) => i.id === 'io1');
    t.same({ ...io1, 'thread-id': 0 }, { id: 'io1', 'thread-id': 0, 'poll-max-ns': 0, 'poll-grow': 0, 'poll-shrink': 0, 'aio-max-batch': 0 });
    t.equal(info.find((i) => i.id === 'io0')['poll-max-ns'], 32768);
  });
}

t.test('no iothreads: empty list', async (t) => {
  t.same(simOrder('pc', []).ids, []);
});

t.test('against QEMU 7.2 (random id sets)', { skip: haveCommand('qemu-system-x86_64') ? false : 'qemu-system-x86_64 not installed' }, async (t) => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
  for (let round = 0; round < 6; round++) {
    const n = 1 + Math.floor(rnd() * 12);
    const ids = Array.from({ length: n }, (_, i) => `it${Math.floor(rnd() * 1000)}x${i}`);
    const machineType = round % 2 ? 'none' : 'pc';
    const args = ['-S', '-nodefaults', '-display', 'none', '-machine', machineType, ...ids.flatMap((id) => ['-object', `iothread,id=${id}`]), '-qmp', 'stdio'];
    const r = spawnSync('qemu-system-x86_64', args, { input: '{"execute":"qmp_capabilities"}\n{"execute":"query-iothreads"}\n{"execute":"quit"}\n', encoding: 'utf8', timeout: 20000 });
    const reply = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l)).find((m) => Array.isArray(m.return));
    t.ok(reply, 'QEMU answered');
    t.same(simOrder(machineType, ids).ids, reply.return.map((i: any) => i.id), `${machineType}: ${ids.join(',')}`);
  }
});
