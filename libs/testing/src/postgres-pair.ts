import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './free-port';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries (the newest installed major version). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(a) - Number(b)) : [];
  const bin = versions.length > 0 ? join(root, versions[versions.length - 1], 'bin') : '';
  if (!bin || !existsSync(join(bin, 'pg_ctl'))) throw new Error('PostgreSQL server binaries not found under ' + root);
  return bin;
}

/** Postgres refuses to run as root: as root (CI), the servers run as the `postgres` user. */
function asServerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** One PostgreSQL server in its own data folder, on a loopback port. */
class PostgresServer {
  private settings: Record<string, string> = {};

  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly port: number,
    private readonly pair: PostgresPair,
  ) {}

  /** Starts it (`pg_ctl start`, waiting until it accepts connections), with extra `-c` settings. */
  async start(settings: Record<string, string> = this.settings): Promise<void> {
    this.settings = settings;
    const options = [`-p ${this.port}`, `-k ${this.pair.dir}`, "-c listen_addresses='127.0.0.1'"];
    for (const [name, value] of Object.entries(settings)) options.push(`-c ${name}='${value}'`);
    await this.pair.pgCtl(
      'start',
      '-D',
      this.dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      `${this.dataDir}.log`,
      '-o',
      options.join(' '),
    );
  }

  /** `pg_ctl stop`: `immediate` is a crash (no shutdown checkpoint), `fast` a clean stop. */
  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    await this.pair.pgCtl('stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60').catch(() => undefined);
  }

  /** A clean restart with the same settings (an upgrade, a configuration change): not a failover. */
  async restart(): Promise<void> {
    await this.stop('fast');
    await this.start();
  }

  /** Makes a standby the primary (`pg_ctl promote`), waiting until it accepts writes. */
  async promote(): Promise<void> {
    await this.pair.pgCtl('promote', '-D', this.dataDir, '-w', '-t', '60');
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }
}

/**
 * A PostgreSQL primary and a streaming standby (`pg_basebackup -R`) of Debian's binaries, in a temporary folder,
 * each on a free loopback port: what a managed Postgres (Patroni, CloudNativePG) runs behind its stable address.
 * The primary commits synchronously to the standby (`synchronous_standby_names = '*'`, `synchronous_commit =
 * on`): a commit it reports is on both, so a promoted standby has every committed row.
 */
export class PostgresPair {
  readonly primary: PostgresServer;
  readonly standby: PostgresServer;

  private constructor(
    readonly dir: string,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
    ports: [number, number],
  ) {
    this.primary = new PostgresServer('primary', join(dir, 'primary'), ports[0], this);
    this.standby = new PostgresServer('standby', join(dir, 'standby'), ports[1], this);
  }

  /** Starts both and creates `database` on the primary (empty: the caller applies the migrations). */
  static async start(database: string): Promise<PostgresPair> {
    const dir = mkdtempSync(join(tmpdir(), 'oshift-pg-'));
    const user = asServerUser();
    if (user) chownSync(dir, user.uid, user.gid);
    const pair = new PostgresPair(dir, postgresBin(), user, [await freePort(), await freePort()]);
    await pair.exec('initdb', '-D', pair.primary.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync');
    await pair.primary.start({
      wal_level: 'replica',
      max_wal_senders: '5',
      synchronous_standby_names: '*',
      synchronous_commit: 'on',
      fsync: 'off',
    });
    await pair.exec(
      'pg_basebackup',
      '-h',
      '127.0.0.1',
      '-p',
      String(pair.primary.port),
      '-U',
      'postgres',
      '-D',
      pair.standby.dataDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    );
    // Once promoted, the standby has no standby of its own: it must not wait for one on every commit.
    await pair.standby.start({ hot_standby: 'on', synchronous_standby_names: '', fsync: 'off' });
    const admin = new Client({ connectionString: pair.primary.url('postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
      const { rows } = await admin.query(`SELECT sync_state FROM pg_stat_replication`);
      if (rows[0]?.sync_state !== 'sync') throw new Error(`standby not synchronous: ${JSON.stringify(rows)}`);
    } finally {
      await admin.end();
    }
    return pair;
  }

  async stop(): Promise<void> {
    await Promise.all([this.primary.stop('immediate'), this.standby.stop('immediate')]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `pg_ctl` as the server user. */
  pgCtl(...args: string[]): Promise<unknown> {
    return this.exec('pg_ctl', ...args);
  }

  private async exec(program: string, ...args: string[]): Promise<void> {
    try {
      await run(join(this.bin, program), args, {
        uid: this.user?.uid,
        gid: this.user?.gid,
        cwd: this.dir,
        timeout: 120000,
      });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`);
    }
  }
}
