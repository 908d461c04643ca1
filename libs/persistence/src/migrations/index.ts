import { InitialSchema1795814875000 } from './1795814875000-InitialSchema';
import { JobLeases1795816662000 } from './1795816662000-JobLeases';
import { AuditRetention1796083300000 } from './1796083300000-AuditRetention';
import { JobApi1796090000000 } from './1796090000000-JobApi';
import { ClusterSafety1796090000100 } from './1796090000100-ClusterSafety';
import { RebootConfirm1796090000310 } from './1796090000310-RebootConfirm';
import { RollingPlan1796090019050 } from './1796090019050-RollingPlan';
import { HotQueryIndexes1796090019080 } from './1796090019080-HotQueryIndexes';
import { ScheduledReboots1796090019200 } from './1796090019200-ScheduledReboots';
import { RebootSilences1796090019300 } from './1796090019300-RebootSilences';
import { ClusterKubeApi1796090019410 } from './1796090019410-ClusterKubeApi';
import { JobReleases1796090019420 } from './1796090019420-JobReleases';
import { NodeDrain1796090020300 } from './1796090020300-NodeDrain';
import { JobTraceContext1796090021500 } from './1796090021500-JobTraceContext';
import { RetentionIndexes1796090022200 } from './1796090022200-RetentionIndexes';
import { StatusLineCadence1796090022210 } from './1796090022210-StatusLineCadence';

/** Every migration, oldest first, run from the TypeScript sources. */
export const migrations = [
  InitialSchema1795814875000,
  JobLeases1795816662000,
  AuditRetention1796083300000,
  JobApi1796090000000,
  ClusterSafety1796090000100,
  RebootConfirm1796090000310,
  RollingPlan1796090019050,
  HotQueryIndexes1796090019080,
  ScheduledReboots1796090019200,
  RebootSilences1796090019300,
  ClusterKubeApi1796090019410,
  JobReleases1796090019420,
  NodeDrain1796090020300,
  JobTraceContext1796090021500,
  RetentionIndexes1796090022200,
  StatusLineCadence1796090022210,
];
