// `npm test` after the build and the type-checks: every suite on SQLite, then
// the end-to-end suites again on PostgreSQL and Redis when the test services
// are there (.ci/run starts them; by hand: eval "$(bash .ci/services.sh start)").
// The same test files, another engine; the counts of each engine are printed
// at the end. In CI (CI set, as .ci/run does) a missing service and a skipped
// test are failures: CI must show both engines, every suite run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ci = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const pgUrl = process.env.KWHUB_TEST_PG_URL?.trim();
const redisUrl = process.env.KWHUB_TEST_REDIS_URL?.trim();

const missing = [!pgUrl && 'KWHUB_TEST_PG_URL (PostgreSQL)', !redisUrl && 'KWHUB_TEST_REDIS_URL (Redis)'].filter(Boolean);
if (ci && missing.length > 0) {
  // a service that did not start is a failure, not a skip
  console.error(`CI: ${missing.join(' and ')} not set; .ci/run starts PostgreSQL and Redis and sets both`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'kwhub-test-engines-'));

/** one vitest run; its counts from the JSON reporter */
function run(name, args, env) {
  const out = join(dir, `${name}.json`);
  const r = spawnSync('npx', ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  let j = null;
  try {
    j = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    // vitest did not get as far as a report: its exit status says why
  }
  return {
    name,
    status: r.status ?? 1,
    files: j?.testResults.length ?? 0,
    passed: j?.numPassedTests ?? 0,
    failed: j?.numFailedTests ?? 0,
    skipped: (j?.numPendingTests ?? 0) + (j?.numTodoTests ?? 0),
    failedFiles: j ? j.testResults.filter((f) => f.status === 'failed').length : 0,
  };
}

const runs = [run('SQLite', [], { KWHUB_TEST_ENGINE: 'sqlite' })];
if (pgUrl) {
  console.log(`\nThe end-to-end suites again, on PostgreSQL${redisUrl ? ' and Redis' : ' (Redis not set: counters in memory)'}:`);
  runs.push(run(redisUrl ? 'PostgreSQL + Redis' : 'PostgreSQL', ['test/e2e', 'test/sdk'], { KWHUB_TEST_ENGINE: 'postgres' }));
}
rmSync(dir, { recursive: true, force: true });

console.log('\nTests per engine:');
for (const r of runs) {
  console.log(`  ${r.name.padEnd(20)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.files} test files${r.failedFiles ? `, ${r.failedFiles} of them failed` : ''})`);
}
if (!pgUrl) {
  console.log('  PostgreSQL           not run: KWHUB_TEST_PG_URL is not set');
  console.log('Start the test services with: eval "$(bash .ci/services.sh start)"');
}
if (pgUrl && !redisUrl) console.log('  (KWHUB_TEST_REDIS_URL is not set: the Redis and multi-instance suites were skipped)');

let failed = runs.some((r) => r.status !== 0 || r.failed > 0 || r.failedFiles > 0);
const skipped = runs.reduce((n, r) => n + r.skipped, 0);
if (ci && skipped > 0) {
  console.error(`CI: ${skipped} test(s) skipped; with PostgreSQL and Redis there every suite must run`);
  failed = true;
}
const passed = runs.reduce((n, r) => n + r.passed, 0);
// a file that failed to load, or a run that stopped, counts as a failure even with no failed test in it
const failures = runs.reduce((n, r) => n + Math.max(r.failed, r.failedFiles, r.status !== 0 ? 1 : 0), 0);
// the closing line, alone, as test harnesses read it
console.log(`\n${passed} passed, ${failures} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
