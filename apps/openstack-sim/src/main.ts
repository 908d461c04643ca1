import { loadConfigOrExit } from '@oshift/config';
import { OpenStackSimulator, demoProject, fleetProjects, type SimProjectSpec } from '@oshift/openstack-sim';
import { loadSimConfig, type SimConfig } from './sim.config';

/** The demo project with the servers `SIM_LOCKED_SERVERS` locks and `SIM_HELD_TASK_STATES` keeps busy. */
function withFaults(project: SimProjectSpec, faults: SimConfig['faults']): SimProjectSpec {
  const held = new Map(faults.heldTaskStates);
  for (const name of [...faults.lockedServers, ...held.keys()])
    if (!project.servers.some((s) => s.name === name)) throw new Error(`unknown server ${name} in SIM_* fault lists`);
  return {
    ...project,
    servers: project.servers.map((s) => ({
      ...s,
      locked: faults.lockedServers.includes(s.name),
      taskState: held.get(s.name),
    })),
  };
}

/** The OpenStack simulator as its own process, serving the demo cluster (and `SIM_FLEET_CLUSTERS` more). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadSimConfig());
  const simulator = await OpenStackSimulator.start({
    host: config.http.host,
    port: config.http.port,
    kubePort: config.http.kubePort,
    publicUrl: config.http.publicUrl,
    region: config.region,
    projects: [withFaults(demoProject(), config.faults), ...fleetProjects(config.fleet.clusters, config.fleet.workers)],
    knobs: config.knobs,
  });
  const kube = simulator.kubernetes();
  process.stdout.write(
    `openstack-sim listening on ${simulator.url} (Keystone ${simulator.identityUrl}, Nova ${simulator.computeUrl}); ` +
      `the demo cluster's Kubernetes API at ${kube.tlsUrl} and ${kube.url} (token and CA: GET /_sim/kubernetes)\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`openstack-sim: error while stopping on ${signal}: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`openstack-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
