import type { Role } from './access-policy';

/** An authenticated caller and the roles they hold, per cluster id. */
export interface Principal {
  userId: string;
  username: string;
  /** How the caller proved who they are. */
  method: 'basic' | 'bearer';
  grants: ReadonlyMap<string, readonly Role[]>;
}
