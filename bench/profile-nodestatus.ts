/**
 * `node -r @swc-node/register bench/profile-nodestatus.ts [SECONDS] [--compare ROUNDS] [--job] [--against
 * baseline]`: starts the benchmark's system and loads the authenticated gateway's `nodestatus` alone (32
 * connections), so that a gateway run with `BENCH_GATEWAY_NODE_OPTIONS="-r ./bench/cpu-profile.preload.cjs"`
 * profiles that call only. `--job`: the job poll instead (`GET job/{id}` of the benchmark's finished job). With
 * `--compare N`, N rounds load the gateway and the gateway without authentication (`--against baseline`: the
 * baseline server) in turn, and the line gives both, with the ratios of their CPU time per request and of their
 * requests per second (medians of the rounds).
 */
import 'reflect-metadata';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { measure } from './load';
import { readProcess } from './proc-stats';

interface Loaded {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPer1000: number;
}

/** Loads `url` for `seconds` and reads the CPU time the process `pid` used meanwhile. */
async function load(url: string, authorization: string, pid: number, seconds: number): Promise<Loaded> {
  const cpuBefore = readProcess(pid)?.cpuSeconds ?? 0;
  const result = await measure(
    { url, headers: { authorization } },
    { durationS: seconds, rounds: 1, warmupS: 0, connections: 32 },
  );
  // The server's CPU time per request: what the load on the machine moves least.
  const cpuSeconds = (readProcess(pid)?.cpuSeconds ?? 0) - cpuBefore;
  const { reqPerSec, p50Ms, p99Ms, requests } = result;
  const cpuMsPer1000 = Math.round(((cpuSeconds * 1000) / requests) * 1000 * 10) / 10;
  return { reqPerSec: Math.round(reqPerSec), p50Ms, p99Ms, cpuMsPer1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const compareAt = process.argv.indexOf('--compare');
  const rounds = compareAt < 0 ? 0 : Number(process.argv[compareAt + 1] ?? 3);
  const config = loadBenchConfig(['--quick']);
  const system = await BenchSystem.start(config);
  try {
    const cluster = `/api/openshift/${system.statusClusterId}`;
    const path = process.argv.includes('--job') ? `${cluster}/job/${system.finishedJobId}` : `${cluster}/nodestatus`;
    const { authorization } = system.viewer;
    const gateway = () => load(`${system.gatewayUrl}${path}`, authorization, system.gatewayProcess?.pid ?? 0, seconds);
    if (rounds === 0) {
      process.stdout.write(`${JSON.stringify(await gateway())}\n`);
      return;
    }
    const againstAt = process.argv.indexOf('--against');
    const baseline = againstAt >= 0 && process.argv[againstAt + 1] === 'baseline';
    const [otherUrl, otherProcess] = baseline
      ? [system.baselineUrl, system.baselineProcess]
      : [system.openGatewayUrl, system.openGatewayProcess];
    const open = () => load(`${otherUrl}${path}`, authorization, otherProcess?.pid ?? 0, seconds);
    // Both warmed first (JIT, connections), unmeasured.
    await load(`${system.gatewayUrl}${path}`, authorization, 0, 2);
    await load(`${otherUrl}${path}`, authorization, 0, 2);
    const runs: { gateway: Loaded; open: Loaded }[] = [];
    for (let round = 0; round < rounds; round++) runs.push({ gateway: await gateway(), open: await open() });
    const ratio = (pick: (run: { gateway: Loaded; open: Loaded }) => number) =>
      Math.round(median(runs.map(pick)) * 1000) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        runs,
        // The other's CPU per request over the gateway's, and the gateway's req/s over its.
        cpuRatio: ratio((run) => run.open.cpuMsPer1000 / run.gateway.cpuMsPer1000),
        reqPerSecRatio: ratio((run) => run.gateway.reqPerSec / run.open.reqPerSec),
      })}\n`,
    );
  } finally {
    await system.stop();
  }
}

void main();
