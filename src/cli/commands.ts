// yargs command definitions for everything but the fast `serve` path.

import yargs from 'yargs';

export async function runYargs(argv: string[]): Promise<number> {
  let code = 0;
  const set = (c: number) => {
    code = c;
  };
  await yargs(argv)
    .scriptName('qmp-sim')
    .usage('$0 <command> [options]')
    .command(
      'serve [qemu-options..]',
      'Start a simulated QEMU 7.2 VM. Takes QEMU\'s own options, e.g.\n' +
        '  qmp-sim serve -S -machine pc -qmp unix:/tmp/a.sock,server=on,wait=off\n' +
        'Monitors: -qmp unix:PATH,server=on,wait=off | -qmp tcp:HOST:PORT,server=on,wait=off |\n' +
        '  -chardev socket,id=ID,path=PATH|host=H,port=P|fd=N,server=on,wait=off -mon chardev=ID,mode=control.\n' +
        'Modelled: -S -machine -name -uuid -no-shutdown -no-reboot -incoming -drive -blockdev -device\n' +
        '  -object iothread; other QEMU options are accepted and reported once on stderr.',
      (y) =>
        y
          .positional('qemu-options', { describe: 'QEMU command-line options', type: 'string', array: true })
          .option('seed', { type: 'number', default: 0, describe: 'scheduler seed: the same seed and inputs give the same run' })
          .option('clock', { choices: ['real', 'virtual'] as const, default: 'real', describe: 'real: paced by wall time; virtual: advances only when told (control channel clock.advance)' })
          .option('control', { type: 'string', describe: 'JSON-RPC 2.0 control channel, unix:PATH (see README)' })
          .option('image-dir', { type: 'string', array: true, describe: 'directories image files may be opened or created in (default: the current directory)' })
          .option('qemu-version', { type: 'string', describe: 'version to report, MAJOR.MINOR.MICRO[:PACKAGE] (default: the recorded QEMU 7.2 build)' }),
      async () => {
        const { serveMain } = await import('./serve.js');
        set(await serveMain(argv.slice(1).filter((a) => a !== '--help')));
      },
    )
    .command(
      'demo',
      'Serve a demo VM on a unix socket and print how to reach it with socat',
      (y) => y.option('dir', { type: 'string', describe: 'directory for the sockets and images (default: a new temporary one)' }),
      async (a) => {
        const { demoMain } = await import('./demo.js');
        set(await demoMain({ dir: a.dir }));
      },
    )
    .command(
      'replay <paths..>',
      'Replay scenarios (*.scn with *.golden) and compare the transcripts',
      (y) =>
        y
          .positional('paths', { type: 'string', array: true, demandOption: true })
          .option('target', { choices: ['sim', 'qemu'] as const, default: 'sim', describe: 'what to replay against' })
          .option('target-cmd', { type: 'string', describe: 'any server command template with {args} {sock} {tmp}' })
          .option('strict', { type: 'boolean', default: false, describe: 'exact text and key order' })
          .option('diff', { type: 'boolean', default: false, describe: 'unified diff for each failure' })
          .option('save-actual', { type: 'string', describe: 'write every replayed transcript into DIR' })
          .option('repeat', { type: 'number', default: 1, describe: 'run each scenario N times' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false }),
      async (a) => {
        const { replayMain } = await import('../harness/replay.js');
        const r = await replayMain({
          paths: a.paths as string[],
          target: a['target-cmd'] ? 'cmd' : (a.target as 'sim' | 'qemu'),
          targetCmd: a['target-cmd'],
          strict: a.strict,
          diff: a.diff,
          saveActual: a['save-actual'],
          repeat: a.repeat,
          verbose: a.verbose,
        });
        set(r.failed === 0 ? 0 : 1);
      },
    )
    .command(
      'record <scn..>',
      'Record golden transcripts from a real QEMU',
      (y) =>
        y
          .positional('scn', { type: 'string', array: true, demandOption: true })
          .option('qemu', { type: 'string', default: 'qemu-system-x86_64', describe: 'QEMU binary' })
          .option('out-dir', { type: 'string', describe: 'write goldens here instead of beside the scenarios' }),
      async (a) => {
        const { recordMain } = await import('../harness/record.js');
        set(await recordMain({ scn: a.scn as string[], qemu: a.qemu, outDir: a['out-dir'] }));
      },
    )
    .command(
      'diff <a> <b>',
      'Show the normalised difference of two golden transcripts',
      (y) => y.positional('a', { type: 'string', demandOption: true }).positional('b', { type: 'string', demandOption: true }),
      async (a) => {
        const { diffMain } = await import('../harness/diff.js');
        set(diffMain(a.a as string, a.b as string));
      },
    )
    .command(
      'commands',
      'List QEMU 7.2\'s commands and which of them qmp-sim models',
      (y) => y.option('json', { type: 'boolean', default: false }),
      async (a) => {
        const { commandsMain } = await import('./commands-list.js');
        set(commandsMain({ json: a.json }));
      },
    )
    .command(
      'profile record',
      'Re-record the static QEMU 7.2 data in protocol/qemu-7.2 from a real QEMU',
      (y) =>
        y
          .option('qemu', { type: 'string', default: 'qemu-system-x86_64' })
          .option('out-dir', { type: 'string', describe: 'default: protocol/qemu-7.2 of this checkout' }),
      async (a) => {
        const { recordProtocol } = await import('../harness/profile-record.js');
        const { protocolPath } = await import('../machine/protocol-data.js');
        const { dirname } = await import('node:path');
        await recordProtocol({ qemu: a.qemu, outDir: a['out-dir'] ?? dirname(protocolPath('options.json')) });
        set(0);
      },
    )
    .demandCommand(1, 'name a command (qmp-sim --help lists them)')
    .strictCommands()
    .help()
    .version(false)
    .parseAsync();
  return code;
}
