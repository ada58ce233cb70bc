import { flattenOptions } from '../src/block/drivers/json-filename.js';
import { qdictOrder } from '../src/qapi/qobject/qdict.js';
const out: any[] = [];
flattenOptions('inject-error', [{ event: 'read_aio', errno: 5, once: true }], out);
console.log(out.map(x=>x[0]));
console.log(qdictOrder(['inject-error.0.errno','inject-error.0.event']));
console.log(qdictOrder(['event','errno','once']));
