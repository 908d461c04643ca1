import { DataSource } from 'typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source-options';

/** Applies every pending migration and returns the names of those it ran. */
export async function migrate(settings: DatabaseSettings): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions({ ...settings, poolSize: 1 }), logging: false });
  await dataSource.initialize();
  try {
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
