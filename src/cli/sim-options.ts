// qmp-sim's own options on a `serve` command line, taken out before the rest
// is parsed as QEMU's. They use "--name value" or "--name=value"; none of the
// names is a QEMU option.

export interface SimOptions {
  seed: number;
  clock: 'real' | 'virtual';
  /** "unix:PATH" (or "tcp:HOST:PORT") for the JSON-RPC control channel */
  control?: string;
  /** directory for a control channel per named VM: DIR/<guest name>.sock
   * (also from the environment, QMP_SIM_CONTROL_DIR) */
  controlDir?: string;
  imageDirs: string[];
  qemuVersion?: string;
  /** internal: this process is the daemon a -daemonize foreground spawned;
   * the value is the fd its readiness byte goes to */
  daemonChild?: number;
}

const SIM_OPTIONS = ['seed', 'clock', 'control', 'control-dir', 'image-dir', 'qemu-version', 'daemon-child'] as const;

/** Environment variables that stand in for a sim option (libvirt launches
 * the emulator with a scrubbed environment: a wrapper script sets them). */
export const SIM_ENV = { controlDir: 'QMP_SIM_CONTROL_DIR', imageDirs: 'QMP_SIM_IMAGE_DIRS' } as const;

export interface SplitArgv {
  sim: SimOptions;
  /** the sim options as given, to pass on to a daemon child */
  simArgv: string[];
  qemu: string[];
}

export function splitSimOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): SplitArgv {
  const sim: SimOptions = { seed: 0, clock: 'real', imageDirs: [] };
  const qemu: string[] = [];
  const simArgv: string[] = [];
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
    if (name !== 'daemon-child') simArgv.push(`--${name}=${value}`);
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
      case 'control-dir':
        sim.controlDir = value;
        break;
      case 'image-dir':
        sim.imageDirs.push(value);
        break;
      case 'qemu-version':
        sim.qemuVersion = value;
        break;
      case 'daemon-child': {
        const fd = Number(value);
        if (!Number.isInteger(fd) || fd < 3) throw new Error(`--daemon-child is internal (an fd >= 3), not '${value}'`);
        sim.daemonChild = fd;
        break;
      }
    }
  }
  if (sim.controlDir === undefined && env[SIM_ENV.controlDir]) sim.controlDir = env[SIM_ENV.controlDir];
  if (sim.imageDirs.length === 0 && env[SIM_ENV.imageDirs]) sim.imageDirs.push(...env[SIM_ENV.imageDirs]!.split(':').filter(Boolean));
  if (sim.imageDirs.length === 0) sim.imageDirs.push(process.cwd());
  return { sim, simArgv, qemu };
}

/** The control channel address a VM opens: --control, else DIR/<guest name>.sock. */
export function controlAddress(sim: SimOptions, guestName: string | undefined): string | undefined {
  if (sim.control) return sim.control;
  if (sim.controlDir && guestName) return `unix:${sim.controlDir.replace(/\/+$/, '')}/${guestName}.sock`;
  return undefined;
}
