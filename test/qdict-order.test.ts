import t from 'tap';
import { qdictOrder } from '../src/qapi/qobject/qdict.js';

// Order observed from QEMU 7.2 (fixtures/qemu-7.2/protocol/id-echo.golden).
t.same(qdictOrder(['seq', 'tag']), ['tag', 'seq'], 'an id object comes back reordered');
t.same(qdictOrder(['tag', 'seq']), ['tag', 'seq'], 'order does not depend on insertion across buckets');
