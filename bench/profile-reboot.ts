/**
 * `node -r @swc-node/register bench/profile-reboot.ts [SECONDS] [ROUNDS]`: starts the benchmark's system and loads
 * the authenticated gateway's `POST reboot` alone (32 connections, a different node per request, queued jobs marked
 * done every 100 ms as in the benchmark's reboot case), then prints per round requests per second, the gateway's
 * CPU time per 1,000 reboots and, when the gateway runs with
 * `BENCH_GATEWAY_NODE_OPTIONS="-r ./bench/round-trips.preload.cjs"`, its Postgres statements and Redis commands per
 * request.
 */
import 'reflect-metadata';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { measure } from './load';
import { readProcess } from './proc-stats';
import { perUnit, roundTrips } from './round-trips';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const rounds = Number(process.argv[3] ?? 1);
  const config = loadBenchConfig(['--quick']);
  const system = await BenchSystem.start(config);
  const freer = setInterval(() => void system.endQueuedJobs().catch(() => undefined), 100);
  try {
    const target = system.rebootLoad(system.gatewayUrl);
    const pid = system.gatewayProcess?.pid ?? 0;
    const settings = { durationS: seconds, rounds: 1, warmupS: 0, connections: 32 };
    // Warm-up; a gateway that died (a preload gone wrong, say) is said at once, with its last words.
    const alive = () => {
      if (!system.gatewayProcess?.running)
        throw new Error(`gateway exited: ${system.gatewayProcess?.logs.slice(-2000)}`);
    };
    await measure(target, { ...settings, durationS: 3 });
    alive();
    for (let round = 0; round < rounds; round++) {
      const countsBefore = await counted(pid);
      const cpuBefore = readProcess(pid)?.cpuSeconds ?? 0;
      const result = await measure(target, settings);
      // The gateway's CPU time per request: what the load on the machine moves least.
      const cpuSeconds = (readProcess(pid)?.cpuSeconds ?? 0) - cpuBefore;
      alive();
      const countsAfter = await counted(pid);
      const { reqPerSec, p50Ms, p99Ms, requests, statuses } = result;
      const cpuMsPer1000 = Math.round(((cpuSeconds * 1000) / requests) * 1000 * 10) / 10;
      const perRequest = countsAfter ? perUnit(countsBefore ?? {}, countsAfter, requests) : undefined;
      const line = { reqPerSec: Math.round(reqPerSec), p50Ms, p99Ms, cpuMsPer1000, statuses, perRequest };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } finally {
    clearInterval(freer);
    await system.stop();
  }
}

/** The preload's counts so far, or undefined when the gateway runs without it. */
async function counted(pid: number): Promise<Record<string, number> | undefined> {
  return process.env.BENCH_GATEWAY_NODE_OPTIONS?.includes('round-trips') ? roundTrips(pid) : undefined;
}

void main();
