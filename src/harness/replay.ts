// `replay`: run scenarios against a server and compare with their goldens,
// printing what compare.py prints (PASS/FAIL lines, then "N passed, N failed").
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { compareLines } from './compare-lines.js';
import { unifiedDiff } from './difflib.js';
import { goldenText, readGolden } from './golden.js';
import { PendingLists } from './pending.js';
import { pyClip, pySplitlines, pyStrip, pyTail } from './py-text.js';
import { repoRoot } from './repo-root.js';
import { runScenario } from './run-scenario.js';
import { findScenarios, parseScenario, pyJoin, splitext, type Scenario } from './scenario.js';
import { DEFAULT_SERVER_CMD } from './server-process.js';
import { shlexQuote } from './shlex.js';
import { wallClock, type HarnessClock } from './wall-clock.js';

export type ReplayTarget = 'sim' | 'qemu' | 'cmd';

export interface ReplayOptions {
  paths: string[];
  target: ReplayTarget;
  /** server command template for target 'cmd' ({args}, {sock}, {tmp}) */
  targetCmd?: string;
  /** overrides the template for target 'sim' */
  simCmd?: string;
  strict?: boolean;
  diff?: boolean;
  saveActual?: string;
  repeat?: number;
  verbose?: boolean;
  out?: (line: string) => void;
  /** diagnostics (verbose output, pending-list problems); default stderr */
  err?: (line: string) => void;
  tmpBase?: string;
  /**
   * a pending list to use instead of looking for pending.json above each
   * scenario; the lists describe qmp-sim, so target 'qemu' ignores them
   * unless this is given
   */
  pendingFile?: string;
  /** scenarios run at the same time (output order is unchanged); default 1 */
  jobs?: number;
  clock?: HarnessClock;
}

export interface ReplaySummary {
  passed: number;
  failed: number;
  pending: number;
}

const SIM_TEMPLATE_TAIL = 'serve {args} -qmp unix:{sock},server=on,wait=off';

/** The server command template for a target. */
export function serverCommand(opts: Pick<ReplayOptions, 'target' | 'targetCmd' | 'simCmd'>): string {
  switch (opts.target) {
    case 'sim':
      return opts.simCmd ?? `${shlexQuote(pyJoin(repoRoot(), 'bin/qmp-sim'))} ${SIM_TEMPLATE_TAIL}`;
    case 'qemu':
      return DEFAULT_SERVER_CMD;
    case 'cmd':
      if (!opts.targetCmd) throw new Error("replay: target 'cmd' needs targetCmd");
      return opts.targetCmd;
  }
}

/** compare.py's label: path below a directory given on the command line, else base name; no extension. */
export function scenarioLabel(path: string, roots: string[]): string {
  const p = resolve(path);
  for (const root of roots) {
    const r = resolve(root);
    if (isDir(r) && p.startsWith(r + sep)) return splitext(relative(r, p))[0];
  }
  return splitext(path.split('/').pop()!)[0];
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function goldenPath(scnPath: string): string {
  return splitext(scnPath)[0] + '.golden';
}

interface Outcome {
  label: string;
  path: string;
  problem: string | null;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function checkOne(path: string, opts: ReplayOptions, serverCmd: string): Promise<Outcome> {
  const label = scenarioLabel(path, opts.paths);
  const golden = goldenPath(path);
  let scn: Scenario;
  try {
    scn = parseScenario(path);
  } catch (e) {
    return { label, path, problem: `bad scenario: ${messageOf(e)}` };
  }
  if (!existsSync(golden)) return { label, path, problem: `no golden transcript ${golden}` };
  let expected: string[];
  try {
    expected = readGolden(golden);
  } catch (e) {
    return { label, path, problem: `bad golden transcript ${golden}: ${messageOf(e)}` };
  }
  const repeat = opts.repeat ?? 1;
  let problem: string | null = null;
  for (let run = 0; run < repeat; run++) {
    const res = await runScenario(scn, serverCmd, {
      tmpBase: opts.tmpBase,
      verbose: opts.verbose,
      err: opts.err,
      clock: opts.clock,
    });
    if (opts.saveActual) {
      const out = pyJoin(opts.saveActual, label + '.actual');
      try {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, goldenText(res.lines, `## actual transcript (${label})`));
      } catch (e) {
        (opts.err ?? ((l: string) => process.stderr.write(l + '\n')))(`warning: cannot save ${out}: ${messageOf(e)}`);
      }
    }
    problem = compareLines(expected, res.lines, opts.strict);
    const last = res.lines[res.lines.length - 1];
    if (res.errors.length && (problem === null || !res.lines.length || last.startsWith('# could not'))) {
      problem = res.errors.join('; ');
      const tail = pySplitlines(pyStrip(res.serverOutput)).slice(-1);
      if (tail.length) problem += ` (server said: ${pyClip(tail[0], 200)})`;
    }
    if (problem !== null) {
      if (repeat > 1) problem = `run ${run + 1}: ${problem}`;
      const output = pyStrip(res.serverOutput);
      if (opts.verbose && output) problem += '\n  server output: ' + pyTail(output, 1000);
      if (opts.diff) problem += '\n' + unifiedDiff(expected, res.lines, 'golden', 'actual', 2).join('\n');
      break;
    }
  }
  return { label, path, problem };
}

/** Runs tasks at most `jobs` at a time, starting them in order. */
function limiter(jobs: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            active--;
            queue.shift()?.();
          });
      };
      if (active < jobs) start();
      else queue.push(start);
    });
}

export async function replayMain(opts: ReplayOptions): Promise<ReplaySummary> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const err = opts.err ?? ((l: string) => process.stderr.write(l + '\n'));
  const clock = opts.clock ?? wallClock;
  const serverCmd = serverCommand(opts);
  const pending = opts.target === 'qemu' && !opts.pendingFile ? null : new PendingLists(opts.pendingFile);
  const t0 = clock.now();
  const limit = limiter(Math.max(1, opts.jobs ?? 1));
  const paths = findScenarios(opts.paths);
  const outcomes = paths.map((p) => limit(() => checkOne(p, opts, serverCmd)));
  const summary: ReplaySummary = { passed: 0, failed: 0, pending: 0 };
  const stale: string[] = [];
  for (const o of outcomes) {
    const { label, path, problem } = await o;
    const listed = pending?.lookup(path);
    if (problem === null) {
      summary.passed++;
      out(`PASS ${label}`);
      if (listed) stale.push(label);
    } else if (listed) {
      summary.pending++;
      out(`PENDING ${label}: ${problem}`);
    } else {
      summary.failed++;
      out(`FAIL ${label}: ${problem}`);
    }
  }
  for (const p of pending?.problems ?? []) err(`warning: ${p}`);
  if (opts.verbose) err(`(${(clock.now() - t0).toFixed(1)}s)`);
  if (summary.pending || stale.length) {
    out(`${summary.pending} pending` + (stale.length ? ` (listed as pending but passed: ${stale.join(', ')})` : ''));
  }
  out(`${summary.passed} passed, ${summary.failed} failed`);
  return summary;
}
