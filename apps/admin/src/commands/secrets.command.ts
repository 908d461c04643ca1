import type { EntityManager } from 'typeorm';
import { AuditAction, AuditLog, AuditOutcome } from '@oshift/audit';
import {
  clusterKubeTokenBinding,
  clusterSecretBinding,
  ClusterSecretError,
  type ClusterSecrets,
  type SecretBinding,
  webhookSecretBinding,
} from '@oshift/node-registry';
import { queryRows } from '@oshift/persistence';
import type { AdminContext } from '../admin.context';
import { CommandError } from '../command.error';
import type { CommandRegistration } from './admin-command';

/** Where sealed secrets are kept: each table's `secret_ref` (and a cluster's Kubernetes token), bound to the row's id. */
const PLACES = [
  {
    label: 'clusters',
    table: 'clusters',
    column: 'secret_ref',
    clusterColumn: 'id',
    touch: ', updated_at = now()',
    binding: clusterSecretBinding,
  },
  {
    label: 'cluster kubernetes tokens',
    table: 'clusters',
    column: 'kube_token_ref',
    clusterColumn: 'id',
    touch: ', updated_at = now()',
    binding: clusterKubeTokenBinding,
  },
  {
    label: 'webhooks',
    table: 'webhooks',
    column: 'secret_ref',
    clusterColumn: 'cluster_id',
    touch: '',
    binding: webhookSecretBinding,
  },
] as const;
type Place = (typeof PLACES)[number];

interface Tally {
  resealed: number;
  current: number;
  notSealed: number;
  failed: number;
}

/**
 * `secrets reseal [--dry-run]`: seals every stored secret again in the bound format (`enc:v2:`) under the current
 * CLUSTER_SECRET_KEY: unbound `enc:v1:` ones, and those still under CLUSTER_SECRET_KEY_PREVIOUS after a rotation.
 * One transaction per row, audited; idempotent; prints counts and the places that did not open, never a secret.
 */
export const secretsCommand: CommandRegistration = (program, run) => {
  const secrets = program.command('secrets').description('the sealed secrets of clusters and webhooks');
  secrets
    .command('reseal')
    .description(
      'seal every stored secret again, bound to its row and under CLUSTER_SECRET_KEY (after an upgrade or a key rotation)',
    )
    .option('--dry-run', 'only count what would be sealed again')
    .option('--cluster <id>', "only this cluster's secret and its webhooks' secrets")
    .action(
      run(async (context, options: { dryRun?: boolean; cluster?: string }) => {
        const sealer = context.sealedSecrets('secrets reseal needs CLUSTER_SECRET_KEY (32 bytes, base64)');
        let failed = 0;
        for (const place of PLACES) {
          const tally = await resealPlace(context, sealer, place, options);
          failed += tally.failed;
          context.print(
            `${place.label}: ${tally.resealed} ${options.dryRun ? 'would be resealed' : 'resealed'}, ` +
              `${tally.current} already bound, ${tally.notSealed} not sealed (env: or file:), ${tally.failed} failed`,
          );
        }
        if (options.dryRun) context.print('dry run: nothing changed');
        if (failed > 0) {
          throw new CommandError(
            `${failed} sealed secret(s) did not open and were left as they are: enter each again ` +
              '(cluster update --secret-stdin, or webhook remove and add)',
          );
        }
      }),
    );
};

async function resealPlace(
  context: AdminContext,
  sealer: ClusterSecrets,
  place: Place,
  { dryRun, cluster }: { dryRun?: boolean; cluster?: string },
): Promise<Tally> {
  const tally: Tally = { resealed: 0, current: 0, notSealed: 0, failed: 0 };
  const dataSource = await context.dataSource();
  const rows = await queryRows<{ id: string }>(
    dataSource,
    `SELECT id::text AS id FROM ${place.table}
      WHERE ${place.column} IS NOT NULL AND ($1::text IS NULL OR ${place.clusterColumn} = $1) ORDER BY id`,
    [cluster ?? null],
  );
  for (const { id } of rows) {
    const binding = place.binding(id);
    try {
      const change = await dataSource.transaction((manager) =>
        resealRow(manager, sealer, place, id, binding, dryRun ? null : context.config),
      );
      if (change === 'resealed') tally.resealed += 1;
      else if (change === 'current') tally.current += 1;
      else if (change === 'not-sealed') tally.notSealed += 1;
    } catch (error) {
      if (!(error instanceof ClusterSecretError)) throw error;
      tally.failed += 1;
      context.warn(error.message);
    }
  }
  return tally;
}

/** One row, locked while its secret is sealed again (`who` null: a dry run, nothing written). */
async function resealRow(
  manager: EntityManager,
  sealer: ClusterSecrets,
  place: Place,
  id: string,
  binding: SecretBinding,
  who: { actor: string; source: string } | null,
): Promise<'resealed' | 'current' | 'not-sealed' | 'gone'> {
  const [row] = await queryRows<{ secret_ref: string; cluster_id: string }>(
    manager,
    `SELECT ${place.column} AS secret_ref, ${place.clusterColumn} AS cluster_id FROM ${place.table}
      WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row?.secret_ref) return 'gone';
  const outcome = sealer.reseal(row.secret_ref, binding);
  if (outcome.change !== 'resealed' || !who) return outcome.change;
  await queryRows(manager, `UPDATE ${place.table} SET ${place.column} = $2${place.touch} WHERE id = $1`, [
    id,
    outcome.ref,
  ]);
  await AuditLog.record(manager, {
    actor: who.actor,
    source: who.source,
    action: AuditAction.secretReseal,
    clusterId: row.cluster_id,
    target: binding,
    outcome: AuditOutcome.ok,
    detail: { from: outcome.from, to: 'enc:v2' },
  });
  return 'resealed';
}
