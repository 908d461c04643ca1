import { loadConfigOrExit } from '@oshift/config';
import { OpenStackSimulator, demoProject, fleetProjects } from '@oshift/openstack-sim';
import { loadSimConfig } from './sim.config';

/** The OpenStack simulator as its own process, serving the demo cluster (and `SIM_FLEET_CLUSTERS` more). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadSimConfig());
  const simulator = await OpenStackSimulator.start({
    host: config.http.host,
    port: config.http.port,
    publicUrl: config.http.publicUrl,
    region: config.region,
    projects: [demoProject(), ...fleetProjects(config.fleet.clusters, config.fleet.workers)],
    knobs: config.knobs,
  });
  process.stdout.write(
    `openstack-sim listening on ${simulator.url} (Keystone ${simulator.identityUrl}, Nova ${simulator.computeUrl})\n`,
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
