// The second engine of `npm test`: the end-to-end suites again, on PostgreSQL
// (and Redis) when the test services are there (.ci/run starts them; by hand:
// eval "$(bash .ci/services.sh start)"). The same test files, another engine.
import { spawnSync } from 'node:child_process';

if (!process.env.KWHUB_TEST_PG_URL) {
  if (process.env.CI) {
    // CI must show both engines: a service that did not start is a failure, not a skip
    console.error('CI: KWHUB_TEST_PG_URL is not set; .ci/run starts PostgreSQL and Redis and sets it');
    process.exit(1);
  }
  console.log('\nPostgreSQL: KWHUB_TEST_PG_URL is not set, so the end-to-end suites ran on SQLite only.');
  console.log('Start the test services with: eval "$(bash .ci/services.sh start)"');
  process.exit(0);
}
console.log('\nThe end-to-end suites again, on PostgreSQL and Redis:');
const r = spawnSync('npx', ['vitest', 'run', 'test/e2e', 'test/sdk'], {
  stdio: 'inherit',
  env: { ...process.env, KWHUB_TEST_ENGINE: 'postgres' },
});
process.exit(r.status ?? 1);
