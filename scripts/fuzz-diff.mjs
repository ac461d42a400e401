#!/usr/bin/env node
// `npm run fuzz:diff -- --cases N [--seed S]`: the differential property tests
// (test/differential.test.ts, test/differential-team.test.ts) at depth: N random,
// cut, mutated and garbage frames through both backends under every policy and
// selector, and N / 100 random sequences of team traffic and changes under every
// mode. npm test runs 100,000 cases; a soak: --cases 10000000 (about an hour).
// A disagreement prints the frame as hex and both outputs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { cases: { type: 'string' }, seed: { type: 'string' } } });
const cases = Number(values.cases ?? 100_000);
if (!Number.isInteger(cases) || cases < 1) {
  console.error(`fuzz:diff: expected --cases to be a positive integer, got ${JSON.stringify(values.cases)}`);
  process.exit(2);
}
const env = { ...process.env, LAGHASH_DIFF_FRAMES: String(cases), LAGHASH_DIFF_TEAM_RUNS: String(Math.max(300, Math.ceil(cases / 100))) };
const args = ['vitest', 'run', 'test/differential.test.ts', 'test/differential-team.test.ts'];
if (values.seed !== undefined) args.push(`--sequence.seed=${values.seed}`);
console.log(`fuzz:diff: ${cases} frames, ${env.LAGHASH_DIFF_TEAM_RUNS} team sequences, both backends`);
const r = spawnSync('npx', ['--no-install', ...args], { cwd: fileURLToPath(new URL('..', import.meta.url)), env, stdio: 'inherit' });
process.exit(r.status ?? 1);
