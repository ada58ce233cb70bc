// Recursive options (BlockdevOptions -> BlockdevRef -> BlockdevOptions ...)
// are checked to any depth a client is likely to send, and absurd depths
// end in a GenericError, never in a crash of the session.

import t from 'tap';
import { validateArguments } from '../src/qapi/validate.js';
import { QmpError } from '../src/qapi/error.js';
import type { QDictValue } from '../src/qapi/qobject/qobject.js';

function rawChain(depth: number, leaf: QDictValue): QDictValue {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { driver: 'raw', file: v };
  return v;
}

t.test('500 levels are checked like QEMU checks them', async (t) => {
  const ok = rawChain(500, { driver: 'file', filename: '/a.img' });
  t.same(validateArguments('blockdev-add', ok), ok);
  const path = Array.from({ length: 500 }, () => 'file').join('.');
  t.throws(
    () => validateArguments('blockdev-add', rawChain(500, { driver: 'file' })),
    new QmpError('GenericError', `Parameter '${path}.filename' is missing`),
  );
});

t.test('beyond the stack: a GenericError', async (t) => {
  const err = (() => {
    try {
      validateArguments('blockdev-add', rawChain(20000, { driver: 'file', filename: '/a.img' }));
      return undefined;
    } catch (e) {
      return e;
    }
  })();
  t.type(err, QmpError);
  t.match((err as QmpError).desc, /nested too deeply/);
});

t.test("deep values under 'any' are not walked", async (t) => {
  let v: QDictValue['x'] = 1;
  for (let i = 0; i < 20000; i++) v = [v];
  t.equal(validateArguments('qom-set', { path: '/', property: 'p', value: v }).value, v);
});
