import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connectRedis } from '@oshift/redis';

/** Redis for the demo: the configured one, else 127.0.0.1:6379, else a private redis-server. */
export class LocalRedis {
  private constructor(
    readonly url: string,
    private readonly child?: ChildProcess,
  ) {}

  static async start(configured: string | undefined): Promise<LocalRedis> {
    const candidate = configured ?? 'redis://127.0.0.1:6379';
    if (await answers(candidate)) return new LocalRedis(candidate);
    if (configured) throw new Error(`Redis at REDIS_URL does not answer: start it or unset REDIS_URL`);
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error('No Redis: start redis-server on 127.0.0.1:6379, set REDIS_URL, or install redis-server');
    }
    // Loaded only here: the built demo (whose `seed` runs in the production image) must not load the test lib.
    const { freePort } = await import('@oshift/testing');
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50 && !(await answers(url)); i += 1) await new Promise((r) => setTimeout(r, 100));
    return new LocalRedis(url, child);
  }

  get private(): boolean {
    return this.child !== undefined;
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}

async function answers(url: string): Promise<boolean> {
  const client = connectRedis(url, 'one-shot', { connectTimeout: 1000 });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
