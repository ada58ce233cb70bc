// `record`: write <name>.golden for scenarios run against real QEMU (or a
// given server), as record.py does, checking that re-serialising each
// received message gives back QEMU's bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { goldenText, HEADER_TAG } from './golden.js';
import { pyStrip, pyTail } from './py-text.js';
import { runScenario } from './run-scenario.js';
import { findScenarios, parseScenario, pyJoin, splitext } from './scenario.js';
import { DEFAULT_SERVER_CMD } from './server-process.js';
import { shlexQuote } from './shlex.js';

export interface RecordOptions {
  /** scenario files or directories */
  scn: string[];
  /** QEMU binary (default qemu-system-x86_64) */
  qemu?: string;
  /** full server command template; overrides qemu */
  serverCmd?: string;
  /** write goldens here (flat) instead of next to the scenarios */
  outDir?: string;
  /** write the golden even if a wait step failed */
  force?: boolean;
  /** print transcripts instead of writing files */
  stdout?: boolean;
  /** no normalisation (implies stdout) */
  raw?: boolean;
  keepTmp?: boolean;
  tmpBase?: string;
  verbose?: boolean;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export async function recordMain(opts: RecordOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const err = opts.err ?? ((l: string) => process.stderr.write(l + '\n'));
  const stdout = opts.stdout || opts.raw;
  const serverCmd =
    opts.serverCmd ?? (opts.qemu ? DEFAULT_SERVER_CMD.replace(/^\S+/, () => shlexQuote(opts.qemu!)) : DEFAULT_SERVER_CMD);
  const header =
    opts.serverCmd === undefined || opts.serverCmd === DEFAULT_SERVER_CMD
      ? HEADER_TAG
      : `## recorded with --server-cmd ${opts.serverCmd}`;
  let failed = 0;
  for (const path of findScenarios(opts.scn)) {
    let scn;
    try {
      scn = parseScenario(path);
    } catch (e) {
      failed++;
      err(`ERROR ${path}: bad scenario: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const res = await runScenario(scn, serverCmd, {
      tmpBase: opts.tmpBase,
      keepTmp: opts.keepTmp,
      checkRoundtrip: true,
      verbose: opts.verbose,
      raw: opts.raw,
      err,
    });
    for (const w of res.warnings) err(`  warning: ${path}: ${w}`);
    if (res.errors.length) {
      failed++;
      err(`ERROR ${path}: ${res.errors.join('; ')}`);
      const output = pyStrip(res.serverOutput);
      if (output) err(`  server output: ${pyTail(output, 2000)}`);
      if (!opts.force) {
        if (stdout) out(res.lines.join('\n'));
        continue;
      }
    }
    const text = goldenText(res.lines, header);
    if (stdout) {
      out(`=== ${path}`);
      out(text.slice(0, -1));
      continue;
    }
    let target: string;
    if (opts.outDir) {
      mkdirSync(opts.outDir, { recursive: true });
      target = pyJoin(opts.outDir, scn.name + '.golden');
    } else target = splitext(path)[0] + '.golden';
    writeFileSync(target, text);
    out(`recorded ${target} (${res.lines.length} lines)`);
  }
  return failed ? 1 : 0;
}
