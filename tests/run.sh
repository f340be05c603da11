#!/usr/bin/env bash
# The test command of the README: installs what the tests need on a Debian
# machine (apt packages, Go tools and modules), then runs the static checks,
# the unit tests, the end-to-end suites (real redis-server, ...) and the
# image build test. Every server it needs is started and stopped by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

# command:debian-package pairs the suites need; add new servers here.
required=(
    redis-server:redis-server
    buildah:buildah
    unshare:util-linux
)
need_pkgs=()
for pair in "${required[@]}"; do
    cmd=${pair%%:*} pkg=${pair##*:}
    command -v "$cmd" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
if ((${#need_pkgs[@]})); then
    echo "== installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# redis-server from the package starts a system instance; the tests start their own.
systemctl disable --now redis-server >/dev/null 2>&1 || true

STATICCHECK_VERSION=v0.8.2
if ! command -v staticcheck >/dev/null 2>&1; then
    echo "== installing staticcheck"
    go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
fi

echo "== go mod download"
go mod download

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './ui/*'))
if [[ -n $unformatted ]]; then echo "gofmt would change: $unformatted"; exit 1; fi
echo "== go vet"
go vet ./...
echo "== staticcheck"
staticcheck ./...

echo "== go test"
go test -count=1 -timeout 15m ./... 2>&1 | tee /tmp/nethvoice-preflight-test.log

# Every fuzz target, for a bounded time each (seed corpora already ran as
# part of go test above).
echo "== fuzz (${FUZZTIME:-4s} per target)"
for pkg in $(go list ./...); do
    for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
        if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-4s}" "$pkg" >/tmp/nethvoice-preflight-fuzz.log 2>&1; then
            cat /tmp/nethvoice-preflight-fuzz.log
            echo "fuzz target $target of $pkg failed"
            exit 1
        fi
        echo "fuzz $target ok"
    done
done

passed=$(grep -c '^ok ' /tmp/nethvoice-preflight-test.log || true)
echo "packages: ${passed} passed, 0 failed"
