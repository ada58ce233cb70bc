// qmp-sim's own options on a `serve` command line, taken out before the rest
// is parsed as QEMU's. They use "--name value" or "--name=value"; none of the
// names is a QEMU option.

export interface SimOptions {
  seed: number;
  clock: 'real' | 'virtual';
  /** "unix:PATH" (or "tcp:HOST:PORT") for the JSON-RPC control channel */
  control?: string;
  imageDirs: string[];
  qemuVersion?: string;
}

const SIM_OPTIONS = ['seed', 'clock', 'control', 'image-dir', 'qemu-version'] as const;

export function splitSimOptions(argv: readonly string[]): { sim: SimOptions; qemu: string[] } {
  const sim: SimOptions = { seed: 0, clock: 'real', imageDirs: [] };
  const qemu: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    const name = m?.[1] as (typeof SIM_OPTIONS)[number] | undefined;
    if (!m || !name || !SIM_OPTIONS.includes(name)) {
      qemu.push(argv[i]);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
      value = argv[++i];
    }
    switch (name) {
      case 'seed': {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--seed wants a non-negative integer, not '${value}'`);
        sim.seed = n;
        break;
      }
      case 'clock':
        if (value !== 'real' && value !== 'virtual') throw new Error(`--clock is 'real' or 'virtual', not '${value}'`);
        sim.clock = value;
        break;
      case 'control':
        sim.control = value;
        break;
      case 'image-dir':
        sim.imageDirs.push(value);
        break;
      case 'qemu-version':
        sim.qemuVersion = value;
        break;
    }
  }
  if (sim.imageDirs.length === 0) sim.imageDirs.push(process.cwd());
  return { sim, qemu };
}
