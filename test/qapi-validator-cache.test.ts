// Validators are built once per command and reused; commands without
// members (query-status & co.) never reach zod for empty arguments.

import t from 'tap';
import { ArgumentValidators } from '../src/qapi/validate.js';
import { qemu72, type Profile } from '../src/qapi/schema.js';
import { QmpError } from '../src/qapi/error.js';

function countingProfile(): { profile: Profile; lookups: () => number } {
  const real = qemu72();
  let n = 0;
  const profile: Profile = { ...real, schema: () => (n++, real.schema()) };
  return { profile, lookups: () => n };
}

t.test('one build per command', async (t) => {
  const { profile, lookups } = countingProfile();
  const v = new ArgumentValidators(profile);
  t.same(v.validate('query-status', undefined), {});
  const afterFirst = lookups();
  for (let i = 0; i < 1000; i++) v.validate('query-status', {});
  t.equal(lookups(), afterFirst, 'query-status: no schema work after the first call');

  v.validate('blockdev-add', { driver: 'null-co', 'node-name': 'n0' });
  const afterAdd = lookups();
  for (let i = 0; i < 100; i++) v.validate('blockdev-add', { driver: 'null-co', 'node-name': `n${i}` });
  t.equal(lookups(), afterAdd, 'blockdev-add: built once');
});

t.test('the cache does not remember outcomes', async (t) => {
  const v = new ArgumentValidators(qemu72());
  t.throws(() => v.validate('query-status', { a: 1 }), new QmpError('GenericError', "Parameter 'a' is unexpected"));
  t.same(v.validate('query-status', {}), {});
  t.throws(() => v.validate('query-status', { b: 1, a: 2 }), new QmpError('GenericError', "Parameter 'b' is unexpected"));
});

t.test('unknown commands and non-object arguments', async (t) => {
  const v = new ArgumentValidators(qemu72());
  t.throws(() => v.validate('no-such-command', {}), new QmpError('CommandNotFound', 'The command no-such-command has not been found'));
  t.throws(() => v.validate('query-status', [] as never), new QmpError('GenericError', "QMP input member 'arguments' must be an object"));
});
