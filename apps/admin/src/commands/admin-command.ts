import type { AdminContext } from '../admin.context';

/** One top-level word of the CLI (`user`, `cluster`, …). */
export interface AdminCommand {
  readonly name: string;
  /** Usage lines for `admin help`, without the leading `admin `. */
  readonly usage: readonly string[];
  run(args: string[], context: AdminContext): Promise<void>;
}
