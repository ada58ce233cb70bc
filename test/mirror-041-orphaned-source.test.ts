// iotest 041 TestOrphanedSource: mirror of a node with no parents at all
// (null-co): no default job id, a read-only target refused, success, and a
// graph switch that fails on permissions at completion.
import t from 'tap';
import { replay041, vm041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestOrphanedSource)', async (t) => {
  await replay041(t, ['orphaned-source', 'orphaned-source-permission-in-complete'], {
    'orphaned-source-permission-in-complete': 'finding 6: permission failure at the graph switch must abort the job',
  });
});

t.test('an orphaned source needs an explicit job id; with one the mirror completes', async (t) => {
  const v = vm041({ blockdevs: ['driver=null-co,node-name=src', 'driver=null-co,node-name=dest'] });
  t.teardown(() => v.close());
  t.same(v.qmp('blockdev-mirror', { device: 'src', sync: 'full', target: 'dest' }).error, { class: 'GenericError', desc: "Invalid job ID ''" });
  t.same(v.qmp('blockdev-mirror', { 'job-id': 'job', device: 'src', sync: 'full', target: 'dest' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_READY').length > 0), 'READY');
  t.same(v.qmp('block-job-complete', { device: 'job' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_COMPLETED').length > 0), 'COMPLETED');
  t.notOk(v.events('BLOCK_JOB_COMPLETED')[0].data.error, 'without error');
  const names = v.qmp('query-named-block-nodes').return.map((n: { 'node-name': string }) => n['node-name']);
  t.ok(names.includes('src') && names.includes('dest'), 'both nodes stay');
});
