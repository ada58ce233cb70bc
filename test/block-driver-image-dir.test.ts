// Image files must live inside the allowed directories: relative names,
// '..', and symlinks are resolved the way the kernel would before checking.

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalImagePath, checkImagePath, defaultImageDirPolicy } from '../src/block/image-dir.js';
import { createOpenContext, createImageFile, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-imgdir-')));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
const allowed = path.join(root, 'images');
const outside = path.join(root, 'secret');
fs.mkdirSync(allowed);
fs.mkdirSync(outside);
fs.mkdirSync(path.join(allowed, 'sub'));
fs.writeFileSync(path.join(allowed, 'ok.img'), Buffer.alloc(4096));
fs.writeFileSync(path.join(outside, 'key.img'), Buffer.alloc(4096));
fs.symlinkSync(outside, path.join(allowed, 'link-out'));
fs.symlinkSync(path.join(allowed, 'ok.img'), path.join(allowed, 'link-in.img'));
fs.symlinkSync(path.join(outside, 'key.img'), path.join(allowed, 'sub', 'evil.img'));

const policy = { allowed: [allowed], cwd: allowed };

t.test('allowed paths', async (t) => {
  t.equal(checkImagePath(policy, 'ok.img'), path.join(allowed, 'ok.img'), 'relative to cwd');
  t.equal(checkImagePath(policy, path.join(allowed, 'sub', '..', 'ok.img')), path.join(allowed, 'ok.img'));
  t.equal(checkImagePath(policy, 'link-in.img'), path.join(allowed, 'ok.img'), 'symlink staying inside');
  t.equal(checkImagePath(policy, 'new.img', 'create'), path.join(allowed, 'new.img'), 'a file to be created');
  t.equal(checkImagePath(policy, 'sub/new/../x.img', 'create'), path.join(allowed, 'sub', 'x.img'));
});

t.test('escapes are refused', async (t) => {
  const cases = [
    path.join(outside, 'key.img'),
    '../secret/key.img',
    'link-out/key.img',
    'sub/evil.img',
    'link-out/../images/../secret/key.img',
    '/etc/passwd',
    '/',
  ];
  for (const name of cases) {
    t.throws(() => checkImagePath(policy, name), { message: new RegExp(`^Could not open '${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': path is outside the allowed image directories`) }, name);
  }
  t.throws(() => checkImagePath(policy, '../secret/new.img', 'create'), { message: /^Could not create '\.\.\/secret\/new\.img': path is outside/ });
});

t.test('symlinked parent is followed before ..', async (t) => {
  // allowed/link-out/.. is root (the symlink's target's parent), not allowed/
  t.equal(canonicalImagePath('link-out/../images/ok.img', allowed), path.join(allowed, 'ok.img'));
  t.equal(canonicalImagePath('link-out/..', allowed), root);
});

t.test('drivers apply the policy', async (t) => {
  const ctx = createOpenContext({ policy });
  t.throws(() => openDriver({ driver: 'file', filename: path.join(outside, 'key.img') }, ctx), { message: /outside the allowed image directories/ });
  t.throws(() => openDriver({ driver: 'raw', file: { driver: 'file', filename: 'link-out/key.img' } }, ctx), { message: /outside the allowed/ });
  t.throws(() => createImageFile({ filename: path.join(outside, 'n.img'), format: 'raw', size: 512 }, ctx), { message: /^Could not create .*outside/ });
  t.notOk(fs.existsSync(path.join(outside, 'n.img')), 'nothing created outside');
  const node = openDriver({ driver: 'file', filename: 'ok.img' }, ctx);
  t.equal(node.getLength(), 4096);
  node.close();
});

t.test('default policy is the current directory', async (t) => {
  t.same(defaultImageDirPolicy(), { allowed: [process.cwd()] });
});
