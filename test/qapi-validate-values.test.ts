// What validateArguments hands to command handlers: plain values in the
// shape of the arguments, integers as number (bigint beyond 2^53), QFloat
// unwrapped where a 'number' is expected, absent optionals absent.

import t from 'tap';
import { validateArguments } from '../src/qapi/validate.js';
import { InputVisitorSchemas } from '../src/qapi/input-visitor.js';
import { QapiSchema, type SchemaInfo } from '../src/qapi/schema.js';
import { QFloat, type QDictValue } from '../src/qapi/qobject/qobject.js';
import { QmpError } from '../src/qapi/error.js';

t.test('blockdev-add: file, raw over file, qcow2 with nested options', async (t) => {
  const file = { driver: 'file', 'node-name': 'f0', filename: '/img/a.img', aio: 'threads', locking: 'off' };
  t.same(validateArguments('blockdev-add', file), file);
  const raw = { driver: 'raw', 'node-name': 'r0', file: 'f0', offset: 512, size: 1048576, 'read-only': true };
  t.same(validateArguments('blockdev-add', raw), raw);
  const qcow2 = {
    driver: 'qcow2',
    'node-name': 'q0',
    cache: { direct: true, 'no-flush': false },
    'detect-zeroes': 'unmap',
    file: { driver: 'file', filename: '/img/b.qcow2' },
    backing: null,
    'overlap-check': { template: 'cached', 'main-header': false },
    'cache-size': 2 ** 40,
    'lazy-refcounts': true,
  };
  const got = validateArguments('blockdev-add', qcow2);
  t.same(got, qcow2);
  t.equal(got.backing, null, 'BlockdevRefOrNull keeps null');
  t.notOk('discard' in got, 'absent optional stays absent');
  t.same(Object.keys(got).sort(), Object.keys(qcow2).sort());
});

t.test('blkdebug with a list of structs', async (t) => {
  const args: QDictValue = {
    driver: 'blkdebug',
    'node-name': 'dbg0',
    image: 'proto0',
    'inject-error': [{ event: 'read_aio', errno: 5, once: true }, { event: 'write_aio', sector: 2048 }],
  };
  t.same(validateArguments('blockdev-add', args), args);
});

t.test('drive-mirror', async (t) => {
  const args = {
    'job-id': 'job0',
    device: 'drive0',
    target: '/img/t.qcow2',
    format: 'qcow2',
    sync: 'full',
    mode: 'absolute-paths',
    speed: 0,
    granularity: 65536,
    'buf-size': 1048576,
    'on-source-error': 'stop',
    'on-target-error': 'report',
    unmap: true,
    'copy-mode': 'write-blocking',
    'auto-finalize': false,
    'auto-dismiss': false,
  };
  t.same(validateArguments('drive-mirror', args), args);
});

t.test('device_add passes its properties through', async (t) => {
  const args = { driver: 'virtio-blk-pci', id: 'vblk1', drive: 'disk1', 'logical_block_size': 4096, 'write-cache': 'on' };
  t.same(validateArguments('device_add', args), args);
  t.same(validateArguments('device_add', undefined), {});
});

t.test('integers', async (t) => {
  const u = validateArguments('block-set-write-threshold', { 'node-name': 'n', 'write-threshold': -1 });
  t.equal(u['write-threshold'], 18446744073709551615n, 'uint64 wraps negatives, as QEMU does');
  const big = validateArguments('block-set-write-threshold', { 'node-name': 'n', 'write-threshold': 9007199254740993n });
  t.equal(big['write-threshold'], 9007199254740993n, 'beyond 2^53: bigint');
  const small = validateArguments('block-set-write-threshold', { 'node-name': 'n', 'write-threshold': 1n });
  t.equal(small['write-threshold'], 1, 'a safe bigint becomes a number');
  const min = validateArguments('block_resize', { 'node-name': 'n', size: -(2n ** 63n) });
  t.equal(min.size, -(2n ** 63n));
  t.throws(
    () => validateArguments('block_resize', { 'node-name': 'n', size: 2n ** 63n }),
    new QmpError('GenericError', "Invalid parameter type for 'size', expected: integer"),
  );
});

t.test("'any' keeps the QObject", async (t) => {
  const value = [1, new QFloat(2.5), { a: null }];
  const got = validateArguments('qom-set', { path: '/machine', property: 'p', value });
  t.equal(got.value, value, 'handed over untouched (QFloat included)');
});

t.test("'number' members (none in 7.2's arguments: a schema made up here)", async (t) => {
  const entries: SchemaInfo[] = [
    { name: 'number', 'meta-type': 'builtin', 'json-type': 'number' },
    { name: 'int', 'meta-type': 'builtin', 'json-type': 'int' },
    { name: 'X', 'meta-type': 'object', members: [{ name: 'n', type: 'number' }, { name: 'm', type: '[int]', default: null }] },
    { name: '[int]', 'meta-type': 'array', 'element-type': 'int' },
  ];
  const v = new InputVisitorSchemas(new QapiSchema(entries, {}, { X: { m: 'uint8' } }));
  const s = v.typeSchema('X');
  t.same(s.parse({ n: new QFloat(0.5) }), { n: 0.5 });
  t.same(s.parse({ n: 3 }), { n: 3 }, 'an integer is a number too');
  t.same(s.parse({ n: 3n ** 40n }), { n: Number(3n ** 40n) });
  t.same(s.parse({ n: 1, m: [0, 255] }), { n: 1, m: [0, 255] });
  const bad = s.safeParse({ n: 1, m: [0, 256] });
  t.same(bad.success ? null : (bad.error.issues[0] as { params?: unknown }).params, { qapi: 'range', ctype: 'uint8_t' }, 'list elements keep their member\'s width');
  const str = s.safeParse({ n: 'x' });
  t.same(str.success ? null : (str.error.issues[0] as { params?: unknown }).params, { qapi: 'type', expected: 'number' });
});
