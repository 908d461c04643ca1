import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cluster's connection to its own Kubernetes/OpenShift API, all optional (a cluster without a URL is not
 * connected and keeps working from Nova alone): the API's URL, a reference to its bearer token (`env:`, `file:`
 * or sealed `enc:v2:` bound to `clusters.<id>.kube_token_ref`, never the token itself), the CA that signs its
 * certificate (PEM), and the pattern naming a server's node when neither its name nor its hostname label does.
 * The token goes with the URL: a check constraint keeps the two set or unset together.
 */
export class ClusterKubeApi1796090019410 implements MigrationInterface {
  name = 'ClusterKubeApi1796090019410';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE clusters
         ADD COLUMN kube_api_url text,
         ADD COLUMN kube_token_ref text,
         ADD COLUMN kube_ca_pem text,
         ADD COLUMN kube_node_pattern text,
         ADD CONSTRAINT clusters_kube_token_with_url CHECK ((kube_api_url IS NULL) = (kube_token_ref IS NULL))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE clusters
         DROP CONSTRAINT clusters_kube_token_with_url,
         DROP COLUMN kube_node_pattern,
         DROP COLUMN kube_ca_pem,
         DROP COLUMN kube_token_ref,
         DROP COLUMN kube_api_url`,
    );
  }
}
