/**
 * `node -r @swc-node/register bench/profile-nodestatus.ts [SECONDS]`: starts the benchmark's system and loads the
 * authenticated gateway's `nodestatus` alone (32 connections), so that a gateway run with
 * `BENCH_GATEWAY_NODE_OPTIONS="-r ./bench/cpu-profile.preload.cjs"` profiles that call only.
 */
import 'reflect-metadata';
import { loadBenchConfig } from './bench.config';
import { BenchSystem } from './bench-system';
import { measure } from './load';
import { readProcess } from './proc-stats';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const config = loadBenchConfig(['--quick']);
  const system = await BenchSystem.start(config);
  try {
    const target = {
      url: `${system.gatewayUrl}/api/openshift/${system.statusClusterId}/nodestatus`,
      headers: { authorization: system.viewer.authorization },
    };
    const pid = system.gatewayProcess?.pid ?? 0;
    const cpuBefore = readProcess(pid)?.cpuSeconds ?? 0;
    const result = await measure(target, { durationS: seconds, rounds: 1, warmupS: 0, connections: 32 });
    // The gateway's CPU time per request: what the load on the machine moves least.
    const cpuSeconds = (readProcess(pid)?.cpuSeconds ?? 0) - cpuBefore;
    const { reqPerSec, p50Ms, p99Ms, requests } = result;
    const cpuMsPer1000 = Math.round(((cpuSeconds * 1000) / requests) * 1000 * 10) / 10;
    process.stdout.write(`${JSON.stringify({ reqPerSec: Math.round(reqPerSec), p50Ms, p99Ms, cpuMsPer1000 })}\n`);
  } finally {
    await system.stop();
  }
}

void main();
