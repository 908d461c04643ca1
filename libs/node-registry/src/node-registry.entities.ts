import { ClusterEntity } from './cluster.entity';

/** The entities of the node registry, for the process's persistence module. */
export const nodeRegistryEntities = [ClusterEntity];
