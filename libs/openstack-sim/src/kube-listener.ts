import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { generate } from 'selfsigned';
import { kubeStatus } from './kube-objects.view';
import { registerKubeRoutes } from './kube.routes';
import type { SimCloud } from './sim-cloud';

/** The HTTPS listener of the simulated clusters' Kubernetes APIs. */
export interface KubeListener {
  app: FastifyInstance;
  /** `https://HOST:PORT`. */
  url: string;
  port: number;
  /** The PEM of the self-signed certificate the listener serves (a client's CA bundle). */
  caPem: string;
}

/**
 * Starts the HTTPS listener of the Kubernetes APIs (the same routes as under the simulator's plain listener), with
 * a certificate made at start for `localhost`, `127.0.0.1`, `::1` and `names`: `kubectl` sends a bearer token only
 * over TLS, as a real API server is only reached over it.
 */
export async function startKubeListener(
  cloud: SimCloud,
  host: string,
  port: number,
  names: readonly string[],
): Promise<KubeListener> {
  const altNames = ['localhost', '127.0.0.1', '::1', ...names]
    .filter((name, index, all) => name && all.indexOf(name) === index && name !== '0.0.0.0' && name !== '::')
    .map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name }));
  const pems = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: 64 * 1024,
    https: { key: pems.private, cert: pems.cert },
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send(kubeStatus(status, status === 500 ? 'InternalError' : 'BadRequest', error.message));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(kubeStatus(404, 'NotFound', 'the server could not find the requested resource', {})),
  );
  registerKubeRoutes(app, cloud);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const bound = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return {
    app,
    url: `https://${bound.includes(':') ? `[${bound}]` : bound}:${address.port}`,
    port: address.port,
    caPem: pems.cert,
  };
}
