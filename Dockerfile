# The one image of the service: every app compiled to dist/apps/<app>/main.js, run by plain Node with
# production dependencies only. The entrypoint takes the app: gateway, worker, admin <command…>, migrate,
# openstack-sim, demo seed (see docs/operators.md).
#   docker build -t oshift-self-service .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=… -e REDIS_URL=… oshift-self-service gateway
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    WORKER_HTTP_HOST=0.0.0.0 \
    WORKER_HTTP_PORT=9464 \
    SIM_HOST=0.0.0.0
WORKDIR /srv
COPY package.json package-lock.json ./
# --legacy-peer-deps: no optional peers either (TypeScript, for @nestjs/swagger's build-time plugin).
RUN npm ci --omit=dev --legacy-peer-deps --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/oshift
# Everything is owned by root and readable by all, writable by none of the users the image runs as: the apps
# write nothing to disk, so a read-only root file system works. OpenShift runs the image under an arbitrary UID;
# elsewhere it runs as `node` (UID 1000, numeric so that runAsNonRoot can check it).
USER 1000
EXPOSE 8080 9464
ENTRYPOINT ["oshift"]
CMD ["gateway"]
