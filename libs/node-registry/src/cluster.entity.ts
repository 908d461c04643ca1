import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A customer cluster and the OpenStack project its VMs live in. The secret is never stored in
 * clear: `secretRef` is `env:NAME`, `file:PATH` or `enc:v2:…` (AES-256-GCM under CLUSTER_SECRET_KEY, bound
 * to this row's `secret_ref`; `enc:v1:` ones, unbound, until `secrets reseal`).
 */
@Entity({ name: 'clusters' })
export class ClusterEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'auth_url', type: 'text' })
  authUrl!: string;

  @Column({ type: 'text', nullable: true })
  region!: string | null;

  @Column({ type: 'text', default: 'public' })
  interface!: 'public' | 'internal' | 'admin';

  @Column({ name: 'project_id', type: 'text', nullable: true })
  projectId!: string | null;

  @Column({ name: 'project_name', type: 'text', nullable: true })
  projectName!: string | null;

  @Column({ name: 'project_domain', type: 'text', nullable: true })
  projectDomain!: string | null;

  @Column({ type: 'text', nullable: true })
  username!: string | null;

  @Column({ name: 'user_domain', type: 'text', nullable: true })
  userDomain!: string | null;

  @Column({ name: 'application_credential_id', type: 'text', nullable: true })
  applicationCredentialId!: string | null;

  @Column({ name: 'secret_ref', type: 'text' })
  secretRef!: string;

  /** The cluster's Kubernetes/OpenShift API (e.g. `https://api.prod-a.example.com:6443`); null: not connected. */
  @Column({ name: 'kube_api_url', type: 'text', nullable: true })
  kubeApiUrl!: string | null;

  /** Where its bearer token is: `env:`, `file:` or `enc:v2:` bound to `kube_token_ref`; set with the URL. */
  @Column({ name: 'kube_token_ref', type: 'text', nullable: true })
  kubeTokenRef!: string | null;

  /** The CA (PEM) that signs the API's certificate; null: the system's CAs. */
  @Column({ name: 'kube_ca_pem', type: 'text', nullable: true })
  kubeCaPem!: string | null;

  /** How a server's name maps to its node's when neither its name nor its hostname label matches. */
  @Column({ name: 'kube_node_pattern', type: 'text', nullable: true })
  kubeNodePattern!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
