import { Client } from 'pg';
import { testServices } from './test-environment';

describe('test harness', () => {
  it('gives each run a private, migrated database', async () => {
    const { databaseUrl, redisPrefix } = testServices();
    expect(new URL(databaseUrl).pathname).toMatch(/^\/oshift_test_/);
    expect(redisPrefix).toMatch(/^oshift-test-/);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT name FROM schema_migrations ORDER BY id`);
    await client.end();
    expect(rows.map((row) => row.name)).toContain('InitialSchema1795814875000');
  });
});
