import t from 'tap';
import { SimKernel } from '../src/sim/kernel.js';

t.test('afterIteration runs after the should-exit phase that follows the handler', async (t) => {
  const k = new SimKernel();
  const out: string[] = [];
  let pending = false;
  k.mainLoop.setShouldExit(() => {
    if (pending) out.push('request serviced (RESET)');
    pending = false;
    return undefined;
  });
  k.mainLoop.start();
  k.runUntilIdle();
  k.mainLoop.runInMainLoop(() => {
    out.push(`handler in ${k.currentThread().name}`);
    pending = true;
    k.mainLoop.notify();
    k.mainLoop.afterIteration(() => out.push('reply'));
  });
  k.runUntilIdle();
  t.same(out, ['handler in main', 'request serviced (RESET)', 'reply']);
  t.ok(k.sched.isQuiescent(), 'an idle main loop is parked');
});

t.test('afterIteration from outside the loop kicks an iteration', async (t) => {
  const k = new SimKernel();
  k.mainLoop.start();
  k.runUntilIdle();
  const before = k.mainLoop.iterations;
  let ran = false;
  k.mainLoop.afterIteration(() => (ran = true));
  k.runUntilIdle();
  t.ok(ran);
  t.ok(k.mainLoop.iterations > before);
});

t.test('exit: last callbacks, then the exit listeners, then no more iterations', async (t) => {
  const k = new SimKernel();
  const out: string[] = [];
  let quit = false;
  k.mainLoop.setShouldExit(() => (quit ? 3 : undefined));
  k.mainLoop.onExit((s) => out.push(`exit ${s}`));
  k.mainLoop.start();
  k.runUntilIdle();
  k.mainLoop.runInMainLoop(() => {
    quit = true;
    k.mainLoop.notify();
    k.mainLoop.afterIteration(() => out.push('reply'));
  });
  k.runUntilIdle();
  t.same(out, ['reply', 'exit 3']);
  t.ok(k.mainLoop.exited);
  const n = k.mainLoop.iterations;
  k.mainLoop.notify();
  k.mainLoop.runInMainLoop(() => out.push('never'));
  k.runUntilIdle();
  t.equal(k.mainLoop.iterations, n);
  k.mainLoop.afterIteration(() => out.push('late reply'));
  k.runUntilIdle();
  t.same(out, ['reply', 'exit 3', 'late reply'], 'callbacks after exit still run');
});

t.test('a callback that throws is logged and the loops go on', async (t) => {
  const k = new SimKernel();
  k.mainLoop.start();
  const io = k.addIothread('io0');
  k.mainLoop.runInMainLoop(() => {
    throw new Error('bad BH');
  });
  k.mainLoop.afterIteration(() => {
    throw new Error('bad reply');
  });
  t.throws(() => {
    io.ctx.bhScheduleOneshot(() => {
      throw new Error('bad iothread BH');
    });
    k.runUntilIdle();
  }, /bad iothread BH/, 'outside the main loop the error reaches the caller (live mode logs it)');
  k.runUntilIdle();
  t.match(k.logLines.join('\n'), /bad BH[\s\S]*bad reply|bad reply[\s\S]*bad BH/);
  let later = '';
  k.mainLoop.runInMainLoop(() => (later += 'main '));
  io.ctx.bhScheduleOneshot(() => (later += 'io'));
  k.runUntilIdle();
  t.match(later, /main/);
  t.match(later, /io/, 'the iothread still serves its context');
});
