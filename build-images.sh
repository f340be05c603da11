#!/usr/bin/env bash
#
# Builds the nethvoice-preflight NS8 module image.
#
#  1. the Go binary, with the machine's own Go toolchain, into imageroot/bin/
#     (static: CGO_ENABLED=0);
#  2. the UI, with the machine's own node/npm (npm ci, vue-cli build),
#     into the staging directory (ui/dist is not touched);
#  3. the image, with buildah: from scratch, imageroot -> /imageroot,
#     the built UI -> /ui, org.nethserver.* and org.opencontainers.* labels,
#     committed as ${REPOBASE}/nethvoice-preflight:<version>;
#  4. the Software Center repository of that image (tools/repodata): in
#     ${REPODIR}, repodata.json with the image's entry (its version and
#     labels), nethvoice-preflight/metadata.json and nethvoice-preflight/logo.png.
#
# The image is always tagged with a semantic version, never "latest" (the
# Software Center keeps semver tags only, add-module needs a tag, and an
# instance on a non-semver tag is never offered updates;
# ns8-native-research.md §5):
#   - IMAGETAG, when set, and it must be one (1.2.3, 1.3.0-rc.1);
#   - else the git tag of HEAD, when it is one (a release: git tag 1.2.3);
#   - else <VERSION>-dev.<commits>.g<commit>, a pre-release of the version
#     in the VERSION file (0.1.0-dev.42.g1a2b3c4), or <VERSION>-dev.0
#     outside a git checkout.
# `build-images.sh --print-tag` prints that version and exits.
#
# Needs bash, go, node/npm and buildah; no container daemon, no `buildah run`,
# vfs storage (works as root on a plain Debian 12 with `apt install buildah`).
#
# Environment:
#   REPOBASE   image repository base  (default ghcr.io/nethvoice-preflight)
#   IMAGETAG   image tag, a semantic version (default: see above)
#   REPODIR    repository directory   (default build/repository)
#   GOARCH     target architecture    (default: the Go toolchain's own)
#
# Output: progress goes to stderr; the last (only) line on stdout is the
# committed image name. When GITHUB_OUTPUT is set, `images=<name>` is
# appended to it as well.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
export PATH="$PATH:/usr/local/go/bin"

repobase="${REPOBASE:-ghcr.io/nethvoice-preflight}"
reponame="nethvoice-preflight"
repodir="${REPODIR:-build/repository}"

# Oldest NS8 core this module is meant for. The module only reads Redis keys
# and runs plain agent actions, so it needs nothing of recent cores.
min_core="3.12.0"

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# SemVer 2.0.0 (semver.org) without build metadata: an image tag cannot
# hold "+". Same rule as internal/repodata.ValidTag.
semver_re='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?$'

# image_version prints the version the image is tagged with (see the top).
image_version() {
    if [[ -n ${IMAGETAG:-} ]]; then
        [[ $IMAGETAG =~ $semver_re ]] || die "IMAGETAG=${IMAGETAG} is not a semantic version (such as 1.2.3 or 1.3.0-rc.1): the Software Center ignores other tags"
        printf '%s\n' "$IMAGETAG"
        return
    fi
    local tag version
    if tag=$(git describe --tags --exact-match HEAD 2>/dev/null) && [[ $tag =~ $semver_re ]]; then
        printf '%s\n' "$tag"
        return
    fi
    [[ -f VERSION ]] || die "no VERSION file: set IMAGETAG"
    version=$(tr -d '[:space:]' <VERSION)
    [[ $version =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] || die "VERSION holds '${version}', not a version such as 1.2.3"
    if git rev-parse --git-dir >/dev/null 2>&1; then
        printf '%s-dev.%s.g%s\n' "$version" "$(git rev-list --count HEAD)" "$(git rev-parse --short=7 HEAD)"
    else
        printf '%s-dev.0\n' "$version"
    fi
}

imagetag=$(image_version)
if [[ ${1:-} == --print-tag ]]; then
    printf '%s\n' "$imagetag"
    exit 0
fi
[[ $# -eq 0 ]] || die "unknown argument '$1' (the only one is --print-tag)"
image="${repobase}/${reponame}:${imagetag}"
revision=$(git rev-parse HEAD 2>/dev/null || true)

# Every buildah call uses vfs storage: no overlay/fuse support needed.
export STORAGE_DRIVER=vfs
bah() { buildah --storage-driver vfs "$@"; }

for tool in go buildah; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH"
done
compgen -G 'cmd/nethvoice-preflight/*.go' >/dev/null || die "cmd/nethvoice-preflight (the binary's main package) is missing"

# --- 1. Go binary -----------------------------------------------------------
goarch="${GOARCH:-$(go env GOARCH)}"
log "go build ./cmd/nethvoice-preflight (linux/${goarch}, static)"
mkdir -p imageroot/bin # build output only: not in git
CGO_ENABLED=0 GOOS=linux GOARCH="$goarch" \
    go build -trimpath -ldflags="-s -w -X github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli.Version=${imagetag}" \
    -o imageroot/bin/nethvoice-preflight ./cmd/nethvoice-preflight >&2
chmod 0755 imageroot/bin/nethvoice-preflight

# Stage exactly what goes into the image: no .gitignore or editor leftovers.
# (extract-image on the node skips .gitignore too; this keeps the image clean.)
stage=$(mktemp -d "${TMPDIR:-/tmp}/nvpf-build.XXXXXX")
container=""
cleanup() {
    if [[ -n $container ]]; then
        bah rm "$container" >/dev/null 2>&1 || true
    fi
    rm -rf "$stage"
}
trap cleanup EXIT

# --- 2. UI --------------------------------------------------------------------
# Vue 2 + vue-cli 4 (ui/package.json, locked by ui/package-lock.json); ui/build.js
# adds the NODE_OPTIONS=--openssl-legacy-provider webpack 4 needs on Node >= 17.
# The build goes straight to the staging directory, never to ui/dist: a
# developer's ui/dist (served by the browser tests, tests/ui) is left alone.
# Install scripts are skipped: none is needed, and Carbon's send telemetry.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "node and npm are needed to build the UI"
log "npm ci (ui)"
npm --prefix ui ci --no-audit --no-fund --ignore-scripts >&2
log "npm run build (ui)"
npm --prefix ui run build -- --dest "$stage/ui" >&2
[[ -f $stage/ui/index.html ]] || die "the UI build produced no index.html"

# --- 3. Image -------------------------------------------------------------------
cp -R imageroot "$stage/imageroot"
find "$stage" \( -name .gitignore -o -name '*~' -o -name '.*.swp' -o -name '.DS_Store' \) -exec rm -f {} +
# Deterministic permissions whatever the umask of the checkout: directories
# and executables 0755, other files 0644.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /0111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /0111 -exec chmod 0644 {} +
[[ -x $stage/imageroot/bin/nethvoice-preflight ]] || die "imageroot/bin/nethvoice-preflight is not executable"

log "buildah from scratch"
container=$(bah from scratch)
bah add "$container" "$stage/imageroot" /imageroot >/dev/null
bah add "$container" "$stage/ui" /ui >/dev/null

# Labels (ns8-platform.md §1.4):
#  - rootfull=0: a rootless module, its agent runs as the module's own user;
#  - min-core: see above;
#  - no org.nethserver.authorizations: least privilege. The module only reads
#    Redis keys every module can read (cluster/*, node/*, module/*) and writes
#    its own module/<id>/* keys; it calls no other agent's action, so it asks
#    for no role (self:selfadm is added by the core anyway);
#  - no tcp/udp-ports-demand: it listens on nothing;
#  - no max-per-node: several instances (e.g. one per NS7 host) are fine;
#  - no org.nethserver.images: it runs no container.
log "buildah config"
# The image is never run (the node extracts its files), so the entrypoint is a
# placeholder; the JSON form keeps buildah from wrapping it in `/bin/sh -c`.
bah config \
    --entrypoint='["/"]' \
    --created-by="nethvoice-preflight build-images.sh" \
    --os=linux \
    --arch="$goarch" \
    --label="org.nethserver.rootfull=0" \
    --label="org.nethserver.min-core=${min_core}" \
    --label="org.opencontainers.image.title=${reponame}" \
    --label="org.opencontainers.image.version=${imagetag}" \
    ${revision:+--label="org.opencontainers.image.revision=${revision}"} \
    "$container"

log "buildah commit ${image}"
image_id=$(bah commit --quiet "$container" "$image")
log "committed ${image} (${image_id})"
bah rm "$container" >/dev/null
container=""

# --- 4. Repository ------------------------------------------------------------
# What the Software Center reads (ns8-native-research.md §5): the entry of
# this image with the labels it really has, read back from the committed
# image, and its metadata.json and logo as the image ships them.
log "repository entry in ${repodir}"
rm -rf "${repodir:?}/repodata.json" "${repodir:?}/${reponame}"
bah inspect --type image "$image" |
    GOOS= GOARCH= go run ./tools/repodata -metadata "$stage/ui/metadata.json" -logo "$stage/ui/img/module_default_logo.png" \
        -source "${repobase}/${reponame}" -tag "$imagetag" -out "$repodir" >&2 ||
    die "the repository entry could not be written"

if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf 'images=%s\n' "${image,,}" >>"$GITHUB_OUTPUT"
fi
if [[ -z ${CI:-} ]]; then
    log "publish with: buildah --storage-driver vfs push ${image} docker://${image}"
fi
printf '%s\n' "$image"
