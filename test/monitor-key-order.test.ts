// Object members keep QEMU's QDict order even when they look like integers
// (which plain JS objects would move to the front). Orders observed on
// QEMU 7.2.

import t from 'tap';
import { inProcessVm } from './lib/in-process.js';

t.test('integer-like keys in requests and echoed ids', async (t) => {
  const vm = inProcessVm({ startPaused: true });
  vm.feed('{"execute": "qmp_capabilities"}\n');
  vm.settle();
  vm.out.splice(0);
  vm.feed('{"execute": "query-status", "x": 1, "1": 2}\n');
  vm.feed('{"execute": "query-status", "id": {"2": 1, "a": 2, "10": 3}}\n');
  vm.settle();
  t.equal(vm.out[0], '{"error": {"class": "GenericError", "desc": "QMP input member \'x\' is unexpected"}}');
  t.equal(vm.out[1], '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": {"a": 2, "10": 3, "2": 1}}');
});
