// The qmp-sim command line. `serve` takes QEMU's own options (parsed by
// src/cli/qemu-cmdline.ts, not by yargs: QEMU's single-dash syntax is its
// own) and skips loading anything it does not need, so a VM greets fast.
// Everything else, and `serve --help`, goes through yargs.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function main(argv: string[]): Promise<number> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h') || argv.includes('-help');
  if (argv[0] === 'serve' && !wantsHelp) {
    const { serveMain } = await import('./serve.js');
    return serveMain(argv.slice(1));
  }
  const { runYargs } = await import('./commands.js');
  return runYargs(argv);
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`qmp-sim: ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
