import { generateWebhookSecret } from '@oshift/webhooks';
import type { AdminContext } from '../admin.context';
import { CommandError } from '../command.error';
import { formatTable } from '../table.format';
import { type CommandRegistration, outputOption, type OutputOptions } from './admin-command';

/** `webhook add|list|remove|test`: signed POSTs to a customer's system when a job of their cluster ends. */
export const webhookCommands: CommandRegistration = (program, run) => {
  const webhook = program.command('webhook').description('signed job-end notices to a cluster’s own systems');

  webhook
    .command('add')
    .description(
      'POST every job end of the cluster to the URL, signed (Standard Webhooks and X-Oshift-Signature) with a new ' +
        'secret it prints once, or with the one read from stdin',
    )
    .argument('<cluster>', 'cluster id')
    .argument('<url>', 'https:// URL (http:// to loopback only where WEBHOOK_ALLOW_LOOPBACK allows it)')
    .option('--secret-stdin', 'read the signing secret (whsec_…) from stdin instead of making one')
    .action(
      run(async (context, clusterId: string, url: string, options: { secretStdin?: boolean }) => {
        const secret = options.secretStdin ? await context.secrets.read('Signing secret') : generateWebhookSecret();
        const id = await (await context.webhookAdmin()).add(clusterId, url, secret, context.config.actor);
        context.print(`webhook ${id} added for ${clusterId}`);
        if (!options.secretStdin) context.print(`signing secret (shown once, give it to the receiver): ${secret}`);
      }),
    );

  webhook
    .command('list')
    .description('the webhooks, of one cluster or all, each with its latest delivery')
    .argument('[cluster]', 'cluster id')
    .addOption(outputOption())
    .action(
      run(async (context, clusterId: string | undefined, options: OutputOptions) => list(context, clusterId, options)),
    );

  webhook
    .command('remove')
    .description('stop notifying a webhook (pending deliveries to it are dropped)')
    .argument('<id>', 'webhook id')
    .action(
      run(async (context, id: string) => {
        await (await context.webhookAdmin()).remove(id, context.config.actor);
        context.print(`webhook ${id} removed`);
      }),
    );

  webhook
    .command('test')
    .description('send a signed webhook.test event now and say what the receiver answered')
    .argument('<id>', 'webhook id')
    .action(
      run(async (context, id: string) => {
        const attempt = await (await context.webhookAdmin()).test(id);
        if (!attempt.ok) throw new CommandError(`test delivery failed: ${attempt.error ?? 'no answer'}`);
        context.print(`test delivery answered ${attempt.status}`);
      }),
    );
};

async function list(context: AdminContext, clusterId: string | undefined, options: OutputOptions): Promise<void> {
  const webhooks = await (await context.webhookAdmin()).list(clusterId);
  if (options.output === 'json') return context.printJson(webhooks);
  context.print(
    formatTable(
      ['ID', 'CLUSTER', 'URL', 'LAST DELIVERY', 'STATUS', 'ATTEMPTS', 'AT'],
      webhooks.map((webhook) => {
        const last = webhook.lastDelivery;
        return [
          webhook.id,
          webhook.clusterId,
          webhook.url,
          last && `${last.event} ${last.state}`,
          last && (last.status ?? last.error),
          last?.attempts,
          last?.at?.toISOString(),
        ];
      }),
    ),
  );
}
