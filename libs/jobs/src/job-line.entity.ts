import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One line of a job's output. Lines are only ever appended, so every poll sees the last one's output as a prefix. */
@Entity({ name: 'job_lines' })
export class JobLineEntity {
  @PrimaryColumn({ name: 'job_id', type: 'text' })
  jobId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'text' })
  line!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
