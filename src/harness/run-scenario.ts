// Run one scenario against a freshly started server and return its
// normalised transcript (record.py's run_scenario).
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectUnix, Connection } from './connection.js';
import { qjson } from './qjson.js';
import { IdentityNormaliser, Normaliser } from './normalise.js';
import { PyOSError } from './py-errors.js';
import { pyFloat, PyValueError } from './py-number.js';
import { decodeEscapes, ScenarioError, type Scenario } from './scenario.js';
import { buildCommand, CONNECT_TIMEOUT, DEFAULT_SERVER_CMD, expand, ServerProcess } from './server-process.js';
import { runShell } from './shell.js';
import { ShlexError, shlexQuote } from './shlex.js';
import { Transcript } from './transcript.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';
import { wallClock, type HarnessClock } from './wall-clock.js';

export interface RunOptions {
  /** parent directory for the scratch directory (default: the OS temp dir) */
  tmpBase?: string;
  keepTmp?: boolean;
  /** warn when re-serialising a message does not give back its bytes (record) */
  checkRoundtrip?: boolean;
  verbose?: boolean;
  /** no normalisation */
  raw?: boolean;
  clock?: HarnessClock;
  /** diagnostics (verbose output); default stderr */
  err?: (line: string) => void;
}

export interface RunResult {
  lines: string[];
  /** problems that make a recording unusable */
  errors: string[];
  warnings: string[];
  serverOutput: string;
}

/** QMP_WAIT_CAP=S caps every wait step at S seconds. */
function cap(seconds: number): number {
  const c = process.env.QMP_WAIT_CAP;
  return c ? Math.min(seconds, pyFloat(c)) : seconds;
}

function errorText(e: unknown): string {
  if (e instanceof PyOSError) return `${e.pyType}: ${e.message}`;
  if (e instanceof ScenarioError) return `ScenarioError: ${e.message}`;
  if (e instanceof PyValueError || e instanceof ShlexError) return `ValueError: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

export async function runScenario(
  scn: Scenario,
  serverCmd: string = DEFAULT_SERVER_CMD,
  opts: RunOptions = {},
): Promise<RunResult> {
  const clock = opts.clock ?? wallClock;
  const err = opts.err ?? ((l: string) => process.stderr.write(l + '\n'));
  const res: RunResult = { lines: [], errors: [], warnings: [], serverOutput: '' };
  const tmp = mkdtempSync(join(opts.tmpBase ?? tmpdir(), 'qmprec-'));
  const sock = join(tmp, 'qmp.sock');
  const norm = opts.raw ? new IdentityNormaliser() : new Normaliser([tmp, realpathSync(tmp)]);
  const tr = new Transcript(norm, opts.checkRoundtrip);
  const logPath = join(tmp, 'server.log');
  let proc: ServerProcess | null = null;
  let conn: Connection | null = null;
  try {
    for (const cmd of scn.setup) {
      const p = await runShell(expand(cmd, tmp, sock), tmp);
      if (p.status !== 0) {
        res.errors.push(`setup failed (${p.status}): ${cmd}: ${decodeUtf8(p.output, 'replace')}`);
        return res;
      }
    }
    const argv = buildCommand(serverCmd, scn, tmp, sock);
    if (!argv.length) throw new PyValueError('empty server command');
    if (opts.verbose) err('  starting: ' + argv.map(shlexQuote).join(' '));
    proc = await ServerProcess.start(argv, tmp, logPath);
    const server = proc;
    const first = await connectUnix(sock, clock, clock.now() + CONNECT_TIMEOUT, () => server.exited);
    if (!first) {
      res.errors.push(`could not connect to ${sock}`);
      tr.note('could not connect to the server');
      return res;
    }
    const connect = async (s: import('node:net').Socket | null): Promise<Connection> => {
      if (!s) {
        s = await connectUnix(sock, clock, clock.now() + scn.timeout);
        if (!s) throw new PyOSError('OSError', 'could not connect again', 'could not connect again');
      }
      const c = new Connection(s, tr, clock);
      if (!(await c.waitFor('other', null, scn.timeout))) {
        tr.note('no greeting');
        res.errors.push('no greeting');
      }
      return c;
    };
    conn = await connect(first);
    for (const step of scn.steps) {
      switch (step.kind) {
        case 'send':
          tr.sent(step.text);
          await conn.send(Buffer.concat([encodeUtf8(expand(step.text, tmp, sock)), Buffer.from('\n')]));
          break;
        case 'sendb':
          tr.sent(step.text, '>b');
          await conn.send(decodeEscapes(expand(step.text, tmp, sock)));
          break;
        case 'wait-return': {
          const t = cap(step.timeout ?? scn.timeout);
          if (!(await conn.waitFor('return', null, t, step.summarize))) {
            const why = conn.eof ? 'connection closed' : 'timeout';
            tr.note(`wait-return: no reply (${why})`);
            res.errors.push(`line ${step.line}: wait-return failed (${why})`);
          }
          break;
        }
        case 'wait-event': {
          const t = cap(step.timeout ?? scn.timeout);
          if (!(await conn.waitFor('event', { name: step.name, match: step.match }, t))) {
            const why = conn.eof ? 'connection closed' : 'timeout';
            const what = [step.name, ...[...step.match].map(([k, v]) => `${k}=${qjson(v)}`)].join(' ');
            tr.note(`wait-event ${what}: not received (${why})`);
            res.errors.push(`line ${step.line}: wait-event ${what} failed (${why})`);
          }
          break;
        }
        case 'wait-close': {
          const t = cap(step.timeout ?? scn.timeout);
          if (!(await conn.waitClose(t))) {
            tr.note('wait-close: connection still open (timeout)');
            res.errors.push(`line ${step.line}: wait-close timed out`);
          }
          break;
        }
        case 'sleep':
          await conn.readFor(step.ms / 1000);
          break;
        case 'close':
          conn.close();
          tr.note('client closed the connection');
          break;
        case 'connect':
          conn.close();
          tr.note('client connected again');
          conn = await connect(null);
          break;
        case 'shell': {
          const p = await runShell(expand(step.cmd, tmp, sock), tmp);
          tr.note('shell: ' + step.cmd);
          const out = decodeUtf8(p.output, 'replace').replace(/\n+$/, '');
          if (out) for (const ln of out.split('\n')) tr.note('| ' + norm.text(ln));
          tr.note(`exit status ${p.status}`);
          break;
        }
      }
    }
    if (!conn.closed) await conn.readFor(scn.drainMs / 1000);
  } catch (e) {
    // record.py catches OSError and ScenarioError; anything else would have
    // crashed it: recorded the same way here so that a run never throws
    res.errors.push(errorText(e));
  } finally {
    conn?.close();
    if (proc) await proc.killGroup(clock);
    try {
      res.serverOutput = decodeUtf8(readFileSync(logPath), 'replace');
    } catch {
      // no log: the server never started
    }
    if (opts.keepTmp) err(`  kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
    res.lines = tr.lines;
    res.warnings = tr.warnings;
  }
  return res;
}
