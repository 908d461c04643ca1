import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { isListening } from './service-discovery';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Debian's binaries (packages `redis-server`, `redis-sentinel`, `redis-tools`), as .ci/run installs them. */
const REDIS_SERVER = 'redis-server';
const REDIS_SENTINEL = 'redis-sentinel';
const REDIS_CLI = 'redis-cli';

/** Waits until `check` passes or `timeoutMs` runs out (then throws with `what`). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A free port whose Cluster bus port (port + 10000) is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 < 65536 && !(await isListening('127.0.0.1', port + 10000, 200))) return port;
  }
}

/** Asks one server or Sentinel a command with `redis-cli`; its answer as text (empty when it does not answer). */
export async function redisCli(port: number, ...command: string[]): Promise<string> {
  try {
    const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...command], { timeout: 5000 });
    return stdout.trim();
  } catch {
    return '';
  }
}

/** One Redis process (server or Sentinel) the test started, on a loopback port, logging into its folder. */
export class RedisProcess {
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly binary: string,
    private readonly args: string[],
    private readonly dir: string,
  ) {}

  async start(): Promise<void> {
    const log = openSync(join(this.dir, `${this.name}.log`), 'a');
    this.child = spawn(this.binary, this.args, { cwd: this.dir, stdio: ['ignore', log, log] });
    const child = this.child;
    await until(`${this.name} listening on ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`${this.name} exited:\n${this.logs.slice(-2000)}`);
      return (await redisCli(this.port, 'PING')) === 'PONG';
    });
  }

  /**
   * One Redis server with an append-only file (as a production Redis keeps its data across a restart), in a
   * temporary folder of its own; not started yet.
   */
  static async persistent(name = 'redis'): Promise<RedisProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'oshift-redis-'));
    const port = await freePort();
    return new RedisProcess(name, port, REDIS_SERVER, serverArgs(port, ['--appendonly', 'yes', '--dir', dir]), dir);
  }

  /** Stops the server cleanly (SIGTERM: it writes what it holds) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.kill('SIGTERM');
    await this.start();
  }

  /** Kills the process and removes its folder. */
  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills the process (SIGKILL: a crash, nothing flushed) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await gone;
  }

  get logs(): string {
    try {
      return readFileSync(join(this.dir, `${this.name}.log`), 'utf8');
    } catch {
      return '';
    }
  }
}

/** Settings of the Sentinels: how soon they call a silent primary down, and how long a failover may take. */
export interface SentinelTimings {
  downAfterMs: number;
  failoverTimeoutMs: number;
}

/**
 * A Redis primary, one replica and three Sentinels watching them (quorum 2), each a process of Debian's packages
 * on a free loopback port, in a temporary folder: what `REDIS_SENTINELS` points a deployment at.
 */
export class RedisSentinelSet {
  private constructor(
    readonly name: string,
    readonly servers: RedisProcess[],
    readonly sentinels: RedisProcess[],
    private readonly dir: string,
  ) {}

  static async start(timings: SentinelTimings, name = 'mymaster'): Promise<RedisSentinelSet> {
    const dir = mkdtempSync(join(tmpdir(), 'oshift-sentinel-'));
    const [primaryPort, replicaPort] = [await freePort(), await freePort()];
    const server = (role: string, port: number, extra: string[] = []) =>
      new RedisProcess(role, port, REDIS_SERVER, serverArgs(port, extra), dir);
    const primary = server('primary', primaryPort);
    const replica = server('replica', replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]);
    await primary.start();
    await replica.start();
    await until('replica in sync', async () =>
      (await redisCli(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    const sentinels: RedisProcess[] = [];
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      const config = join(dir, `sentinel-${index}.conf`);
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} ${timings.downAfterMs}`,
          `sentinel failover-timeout ${name} ${timings.failoverTimeoutMs}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(new RedisProcess(`sentinel-${index}`, port, REDIS_SENTINEL, [config], dir));
    }
    await Promise.all(sentinels.map((sentinel) => sentinel.start()));
    const set = new RedisSentinelSet(name, [primary, replica], sentinels, dir);
    // Every Sentinel knows the replica and the other Sentinels before anything depends on a failover.
    await until('Sentinels ready', async () => {
      const views = await Promise.all(sentinels.map((s) => redisCli(s.port, 'SENTINEL', 'MASTER', name)));
      return views.every((view) => /num-slaves\n1\n/.test(view) && /num-other-sentinels\n2\n/.test(view));
    });
    return set;
  }

  /** `REDIS_SENTINELS`: the Sentinels' addresses. */
  get addresses(): string {
    return this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',');
  }

  /** The port of the server the Sentinels name as primary now. */
  async primaryPort(): Promise<number> {
    for (const sentinel of this.sentinels) {
      const answer = await redisCli(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name);
      const port = Number(answer.split('\n')[1]);
      if (port) return port;
    }
    throw new Error('no Sentinel answers');
  }

  /** The server process that is primary now. */
  async primary(): Promise<RedisProcess> {
    const port = await this.primaryPort();
    const found = this.servers.find((server) => server.port === port);
    if (!found) throw new Error(`no server of this set on port ${port}`);
    return found;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((process) => process.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of three primaries, each with `replicas` replicas (none by default), made with
 * `redis-cli --cluster create`.
 */
export class RedisClusterSet {
  private constructor(
    readonly nodes: RedisProcess[],
    private readonly dir: string,
  ) {}

  static async start(replicas = 0): Promise<RedisClusterSet> {
    const dir = mkdtempSync(join(tmpdir(), 'oshift-cluster-'));
    const nodes: RedisProcess[] = [];
    for (let index = 0; index < 3 * (1 + replicas); index += 1) {
      const port = await freePortPair();
      const args = serverArgs(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '5000',
      ]);
      nodes.push(new RedisProcess(`node-${index}`, port, REDIS_SERVER, args, dir));
    }
    await Promise.all(nodes.map((node) => node.start()));
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run(
      REDIS_CLI,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      {
        timeout: 30000,
      },
    );
    await until('cluster state ok on every node', async () => {
      const states = await Promise.all(nodes.map((node) => redisCli(node.port, 'CLUSTER', 'INFO')));
      return states.every((state) => state.includes('cluster_state:ok'));
    });
    // A replica that has never finished its first sync refuses to take over ("Disconnected from master for longer
    // than allowed"), and its first full sync waits out the primary's 5 s diskless delay: a test that kills a
    // primary sooner would see its slots down for good, which is not the failover it means to test.
    await until('every replica in sync', async () => {
      const roles = await Promise.all(nodes.map((node) => redisCli(node.port, 'INFO', 'replication')));
      return roles.every((role) => role.includes('role:master') || role.includes('master_link_status:up'));
    });
    return new RedisClusterSet(nodes, dir);
  }

  /** `REDIS_CLUSTER_NODES`: every node's address (one would do: the client learns the others). */
  get addresses(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** The node that serves `key` now: the one that does not redirect it elsewhere (`MOVED`). */
  async primaryOf(key: string): Promise<RedisProcess> {
    for (const node of this.nodes) {
      const answer = await redisCli(node.port, 'EXISTS', key);
      if (/^\d+$/.test(answer)) return node;
    }
    throw new Error(`no node serves ${key}`);
  }

  /** How many keys starting with `prefix` each node holds (SCAN), in node order. */
  keysPerNode(prefix: string): Promise<number[]> {
    return Promise.all(
      this.nodes.map(async (node) => {
        const keys = await redisCli(node.port, '--scan', '--pattern', `${prefix}*`);
        return keys === '' ? 0 : keys.split('\n').length;
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A server on loopback only, without snapshots (the tests' data is theirs alone), plus `extra`. */
function serverArgs(port: number, extra: string[]): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra];
}
