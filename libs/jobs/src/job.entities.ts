import { JobLineEntity } from './job-line.entity';
import { JobEntity } from './job.entity';

/** The entities of the jobs lib, for the process's persistence module. */
export const jobEntities = [JobEntity, JobLineEntity];
