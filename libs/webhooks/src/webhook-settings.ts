import { z } from 'zod';
import { parseWebhookAllowCidrs } from './webhook-url.policy';

/**
 * `WEBHOOK_ALLOW_CIDRS`, for the config schema of every process that checks webhook URLs (worker, admin CLI):
 * comma-separated CIDRs where internal receivers may be; a bad entry stops the process with one line naming it.
 */
export const webhookAllowCidrs = z
  .string()
  .optional()
  .transform((value, ctx): string[] => {
    try {
      return parseWebhookAllowCidrs(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  });
