#!/usr/bin/env bash
# The benchmarks of docs/performance.md: runs every end-to-end benchmark
# (real binary through the agent emulator, real Redis, sshd, DNS, slapd)
# and prints a Markdown table, the manual baseline ratio, and the binary
# and image sizes. Needs root and what tests/run.sh installs (run it once).
#   BENCHTIME  go test -benchtime (default 5x)
#   IMAGE      an image to measure (default: build one with build-images.sh
#              when buildah is present; IMAGE=none skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== go test -bench (benchtime ${BENCHTIME:-5x}) on $(nproc) cores" >&2
go test -count=1 -run '^$' -bench . -benchtime "${BENCHTIME:-5x}" -timeout 30m ./tests/e2e/ | tee "$out" >&2

echo
echo "| benchmark | ns/op | task ms | report ms | maxrss KiB | SSH round trips/op |"
echo "|---|---:|---:|---:|---:|---:|"
awk '/^Benchmark/ {
    name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
    ns=""; rep="-"; rss="-"; rt="-"
    for (i = 3; i < NF; i++) {
        if ($(i+1) == "ns/op") ns=$i
        if ($(i+1) == "report-ms") rep=$i
        if ($(i+1) == "maxrss-KiB") rss=$i
        if ($(i+1) == "round-trips/op") rt=$i
    }
    printf "| %s | %s | %.0f | %s | %s | %s |\n", name, ns, ns/1e6, rep, rss, rt
}' "$out"
echo
awk '/^BenchmarkRunPreflightFullWorld/ {
    for (i = 3; i < NF; i++) {
        if ($(i+1) == "ns/op") ns=$i
        if ($(i+1) == "manual-ms") m=$i
        if ($(i+1) == "manual/preflight") r=$i
    }
    printf "Manual baseline (3 dig, ssh du, ssh mysql, nc; one after another): %s ms; run-preflight: %.0f ms; ratio manual/preflight = %s\n", m, ns/1e6, r
}' "$out"

# Issue 15: slow hosts and slow resolvers, each next to its floor and to
# the manual commands on the same hosts.
echo
awk '/^Benchmark/ {
    name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
    delete m
    for (i = 3; i < NF; i++) m[$(i+1)] = $i
    ms = m["ns/op"] / 1e6
    if (name == "ProbeNS7SlowCommands")
        printf "Slow NS7 (du 8 s, yum 6 s, rpm 0.5 s/call, config 0.15 s/call, account-provider-test 0.3 s): probe-ns7 %.0f ms = %.2f x its slowest command (report %s ms); on NS7: peak %s processes (%s idle), peak %s running or in disk wait, mean %s\n", ms, m["x-slowest"], m["report-ms"], m["ns7-peak-procs"], m["ns7-idle-procs"], m["ns7-peak-active"], m["ns7-mean-active"]
    if (name == "RunPreflightSlowNS7")
        printf "Slow NS7: run-preflight %.0f ms = %.2f x the slowest command; manual commands %s ms (ratio manual/preflight %s)\n", ms, m["x-slowest"], m["manual-ms"], m["manual/preflight"]
    if (name == "ProbeNS7MillionFileSpool")
        printf "Spool of 1 000 000 files (%.0f bytes apparent): probe-ns7 %.0f ms, its du %s ms (recordings by year and month, in a session of their own, concurrent with the rest); one du -sb over every path by ssh %s ms; manual commands %s ms (ratio %s); on NS7: peak %s processes, peak %s active, mean %s\n", m["data-bytes"], ms, m["du-ms"], m["one-du-ms"], m["manual-ms"], m["manual/preflight"], m["ns7-peak-procs"], m["ns7-peak-active"], m["ns7-mean-active"]
    if (name == "RunPreflightMillionFileSpool")
        printf "Spool of 1 000 000 files: run-preflight %.0f ms; manual commands %s ms (ratio %s)\n", ms, m["manual-ms"], m["manual/preflight"]
    if (name == "ValidateFQDNsInternalResolver")
        printf "Resolver without upstream (answers its zone, never its parents): validate-fqdns task %.0f ms, report %s ms, DNS of the slowest name %s ms = %.2f x the slowest answer it used (%s ms); manual dig of the 4 names %s ms\n", ms, m["report-ms"], m["dns-ms"], m["dns/slowest-answer"], m["slowest-answer-ms"], m["manual-ms"]
}' "$out"

bin=$(mktemp -d)/nethvoice-preflight
CGO_ENABLED=0 go build -o "$bin" ./cmd/nethvoice-preflight
echo "Binary (CGO_ENABLED=0, as build-images.sh): $(stat -c %s "$bin") bytes"
rm -rf "$(dirname "$bin")"

image=${IMAGE:-}
if [[ -z $image ]] && command -v buildah >/dev/null 2>&1; then
    repodir=$(mktemp -d)
    image=$(REPOBASE=localhost/nvpf-bench IMAGETAG=0.0.0-bench REPODIR="$repodir" ./build-images.sh 2>/dev/null | tail -n1)
    rm -rf "$repodir"
    built=1
fi
if [[ -n $image && $image != none ]]; then
    size=$(buildah --storage-driver vfs images --format '{{.Size}}' "$image" | head -n1)
    echo "Image $image: $size (buildah images)"
    if [[ ${built:-} ]]; then buildah --storage-driver vfs rmi "$image" >/dev/null 2>&1 || true; fi
else
    echo "Image: not measured (install buildah, or IMAGE=<name> of a built image)"
fi
