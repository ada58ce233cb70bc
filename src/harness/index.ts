// The transcript harness: replay/record/diff entry points for the CLI and
// the pieces tests use.
export { replayMain, serverCommand, scenarioLabel, goldenPath } from './replay.js';
export type { ReplayOptions, ReplaySummary, ReplayTarget } from './replay.js';
export { recordMain } from './record.js';
export type { RecordOptions } from './record.js';
export { diffMain, normaliseTranscript } from './diff.js';
export type { DiffOptions } from './diff.js';
export { runScenario } from './run-scenario.js';
export type { RunOptions, RunResult } from './run-scenario.js';
export {
  parseScenario,
  parseScenarioText,
  findScenarios,
  decodeEscapes,
  matchValue,
  argsText,
  ScenarioError,
  DEFAULT_TIMEOUT,
  DEFAULT_DRAIN_MS,
} from './scenario.js';
export type { Scenario, Step } from './scenario.js';
export { Normaliser, IdentityNormaliser, summarizeReturn } from './normalise.js';
export { compareLines, jsonDiff, describe } from './compare-lines.js';
export { qjson, qstr, formatG17 } from './qjson.js';
export { parseJson, tryParseJson, JsonDecodeError } from './json-reader.js';
export { JsonFloat } from './json-value.js';
export type { JsonValue, JsonObject } from './json-value.js';
export { goldenText, goldenLines, readGolden, HEADER_TAG } from './golden.js';
export { unifiedDiff } from './difflib.js';
export { shlexSplit, shlexQuote } from './shlex.js';
export { buildCommand, expand, DEFAULT_SERVER_CMD } from './server-process.js';
export { Transcript } from './transcript.js';
