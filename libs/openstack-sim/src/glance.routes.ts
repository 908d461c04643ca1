import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimCloud, SimImage } from './sim-cloud';
import { novaTime, stableHex } from './sim-format';
import { UNAUTHORIZED_MESSAGE } from './sim-identity';
import { keystoneError } from './keystone.routes';

/**
 * A minimal Glance v2 under `/image`, enough for the `openstack` CLI: version discovery, `GET /v2/images`
 * (`name`, `status`, `visibility`, `owner`, `limit`, `marker`) and `GET /v2/images/{id}` for the servers' base
 * image and the snapshots `createImage` makes (`queued`, `saving` while uploading, then `active`).
 */
export function registerGlanceRoutes(
  app: FastifyInstance,
  cloud: SimCloud,
  urls: (request: FastifyRequest) => { image: string; identity: string },
): void {
  for (const path of ['/image', '/image/']) {
    app.get(path, async (request, reply) =>
      reply.code(300).send({
        versions: [{ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${urls(request).image}/v2/` }] }],
      }),
    );
  }

  app.get('/image/v2/images', async (request, reply) => {
    const projectId = authorize(request, reply, cloud, urls);
    if (!projectId) return reply;
    const query = new URL(request.url, 'http://sim.invalid').searchParams;
    const now = cloud.clock();
    const filters: [string, (body: Record<string, unknown>) => unknown][] = [
      ['name', (b) => b['name']],
      ['status', (b) => b['status']],
      ['visibility', (b) => b['visibility']],
      ['owner', (b) => b['owner']],
    ];
    let images = cloud.imagesOf(projectId).map((image) => imageBody(image, now));
    for (const [key, pick] of filters) {
      const wanted = query.get(key);
      if (wanted !== null) images = images.filter((body) => pick(body) === wanted);
    }
    images.sort((a, b) => String(b['created_at']).localeCompare(String(a['created_at'])));
    const marker = query.get('marker');
    if (marker !== null) {
      const at = images.findIndex((body) => body['id'] === marker);
      if (at < 0) return notFound(reply, `Marker ${marker} could not be found.`);
      images = images.slice(at + 1);
    }
    const limit = Number(query.get('limit') ?? 25);
    const page = images.slice(0, Number.isInteger(limit) && limit >= 0 ? limit : 25);
    const body: Record<string, unknown> = { images: page, first: '/v2/images', schema: '/v2/schemas/images' };
    if (page.length < images.length) body['next'] = `/v2/images?marker=${String(page[page.length - 1]['id'])}`;
    return reply.send(body);
  });

  app.get<{ Params: { id: string } }>('/image/v2/images/:id', async (request, reply) => {
    const projectId = authorize(request, reply, cloud, urls);
    if (!projectId) return reply;
    const image = cloud.imagesOf(projectId).find((i) => i.id === request.params.id);
    if (!image) return notFound(reply, `No image found with ID ${request.params.id}`);
    return reply.send(imageBody(image, cloud.clock()));
  });
}

/** The project of a valid token, or null once a 401 has been sent. */
function authorize(
  request: FastifyRequest,
  reply: FastifyReply,
  cloud: SimCloud,
  urls: (request: FastifyRequest) => { identity: string },
): string | null {
  const token = cloud.identity.validate(request.headers['x-auth-token'], cloud.clock());
  if (token) return token.projectId;
  reply
    .code(401)
    .header('www-authenticate', `Keystone uri="${urls(request).identity}"`)
    .send(keystoneError(401, UNAUTHORIZED_MESSAGE));
  return null;
}

/** Glance answers a missing image in plain text. */
function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).type('text/plain; charset=UTF-8').send(`404 Not Found\n\n${message}\n\n   `);
}

/** An image as Glance v2 shows it (api-ref `GET /v2/images/{image_id}`). */
function imageBody(image: SimImage, now: number): Record<string, unknown> {
  const status = now < image.savingAt ? 'queued' : now < image.activeAt ? 'saving' : 'active';
  const active = status === 'active';
  const size = 1_073_741_824;
  const body: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    status,
    visibility: image.projectId === null ? 'public' : 'private',
    protected: false,
    os_hidden: false,
    owner: image.projectId ?? stableHex('project', 'admin'),
    container_format: 'bare',
    disk_format: 'qcow2',
    min_disk: 0,
    min_ram: 0,
    size: active ? size : null,
    virtual_size: active ? size : null,
    checksum: active ? stableHex('md5', image.id) : null,
    os_hash_algo: active ? 'sha512' : null,
    os_hash_value: active ? stableHex('sha512', image.id) + stableHex('sha512-2', image.id) : null,
    tags: [],
    created_at: novaTime(image.createdAt),
    updated_at: novaTime(Math.min(now, image.activeAt)),
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
  if (image.serverId) Object.assign(body, { image_type: 'snapshot', instance_uuid: image.serverId });
  return body;
}
