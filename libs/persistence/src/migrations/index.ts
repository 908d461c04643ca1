import { InitialSchema1795814875000 } from './1795814875000-InitialSchema';

/** Every migration, oldest first, run from the TypeScript sources. */
export const migrations = [InitialSchema1795814875000];
