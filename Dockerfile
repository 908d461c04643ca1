# The one image of the service: every app compiled to dist/apps/<app>/main.js, run by plain Node with
# production dependencies only. The entrypoint takes the app: gateway, worker, admin <command…>, migrate,
# openstack-sim, demo seed (see docs/operators.md).
#   docker build -t oshift-self-service \
#     --build-arg VERSION="$(node -p 'require("./package.json").version')" --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE=https://git.example.com/oshift/self-service .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=… -e REDIS_URL=… oshift-self-service gateway
# NODE_IMAGE is the runtime's base (Node 24 LTS, slim); BUILD_IMAGE, the base of the stages that build and install
# (the same by default; CI gives it its registry and CA settings, which so never reach the runtime image).
ARG NODE_IMAGE=node:24-bookworm-slim
ARG BUILD_IMAGE=${NODE_IMAGE}

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# npm's cache in a build cache mount: a changed lockfile downloads only what changed.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, with no install script run (so no telemetry postinstall: @scarf/scarf, which
# swagger-ui-dist pulls in, never runs). swagger-ui-dist itself goes: the gateway serves the OpenAPI document with
# the UI off, and @nestjs/swagger requires it only to serve the UI. No TypeScript (an optional peer of
# @nestjs/swagger): the build fails if an npm version installs it anyway. Type declarations and the
# dependencies' source maps are for editors and debuggers, not for running: they go too (a third of
# @kubernetes/client-node's 57 MB).
FROM ${BUILD_IMAGE} AS deps
WORKDIR /srv
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=peer --legacy-peer-deps --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/swagger-ui-dist node_modules/@scarf \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete \
 && test ! -e node_modules/typescript

FROM ${NODE_IMAGE} AS runtime
ARG SOURCE=""
ARG VERSION=""
ARG REVISION=""
LABEL org.opencontainers.image.title="oshift-self-service" \
      org.opencontainers.image.description="Self-service API for a managed OpenShift-on-OpenStack platform" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# Stack traces name the TypeScript sources (dist/ carries the source maps).
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    BUILD_REVISION=${REVISION} \
    HOST=0.0.0.0 \
    PORT=8080 \
    WORKER_HTTP_HOST=0.0.0.0 \
    WORKER_HTTP_PORT=9464 \
    SIM_HOST=0.0.0.0
WORKDIR /srv
COPY package.json package-lock.json ./
COPY --from=deps /srv/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/oshift
# Everything is owned by root and readable by all, writable by none of the users the image runs as: the apps
# write nothing to disk, so a read-only root file system works. OpenShift runs the image under an arbitrary UID;
# elsewhere it runs as `node` (UID 1000, numeric so that runAsNonRoot can check it).
USER 1000
EXPOSE 8080 9464
ENTRYPOINT ["oshift"]
CMD ["gateway"]
