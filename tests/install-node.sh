#!/usr/bin/env bash
# Installs Node.js 20 and npm where the machine has none or an older one
# (Debian 12's apt nodejs is 18; the UI build and the browser tests need
# >= 20). Both come from the npm registry, which also publishes Node.js's
# own binaries (the node-linux-<arch> packages, bin/node) beside npm; each
# tarball is checked against its pinned SHA-512 (the registry's dist.integrity)
# before it is unpacked. Needs curl (installed with apt when missing).
#
# Usage: tests/install-node.sh [PREFIX]    (default /usr/local)
# Installs PREFIX/lib/nodejs-<version>/ and PREFIX/bin/{node,npm,npx}.
set -euo pipefail

NODE_VERSION=20.20.2
NPM_VERSION=10.9.9
NPM_SHA512=d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862
case "$(uname -m)" in
x86_64)
    arch=x64
    node_sha512=3de1d033cc007661ed640d66068732819c6ce4b8945adb097b3413901774898f7cecaa46ac3d4edad544c9dbcc662b9771e45a9f1b7bae34e70c407038fba3a1
    ;;
aarch64)
    arch=arm64
    node_sha512=2c25c99cd4c58b21ae601c36819488e4e04531b92300fb7cb2a0ff34aad6a04d90983812b9b4ea16783a19a349f4427c1e9c413067165a96db72ce15a3e0a71a
    ;;
*)
    echo "install-node: no Node.js package for $(uname -m): install Node.js >= 20 by hand" >&2
    exit 1
    ;;
esac
prefix=${1:-/usr/local}
registry=${NPM_REGISTRY:-https://registry.npmjs.org}

if ! command -v curl >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { # name url sha512
    curl -sSfL --retry 3 -o "$tmp/$1.tgz" "$2"
    echo "$3  $tmp/$1.tgz" | sha512sum -c --quiet - || {
        echo "install-node: $2 does not have the pinned SHA-512" >&2
        exit 1
    }
}
fetch node "$registry/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" "$node_sha512"
fetch npm "$registry/npm/-/npm-$NPM_VERSION.tgz" "$NPM_SHA512"

dest="$prefix/lib/nodejs-$NODE_VERSION"
rm -rf "$dest"
mkdir -p "$dest/npm" "$prefix/bin"
tar xzf "$tmp/node.tgz" -C "$dest" --strip-components=1 --no-same-owner
tar xzf "$tmp/npm.tgz" -C "$dest/npm" --strip-components=1 --no-same-owner
ln -sf "$dest/bin/node" "$prefix/bin/node"
for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s/bin/node" "%s/npm/bin/%s-cli.js" "$@"\n' "$dest" "$dest" "$tool" >"$prefix/bin/$tool"
    chmod 0755 "$prefix/bin/$tool"
done
echo "install-node: node $("$prefix/bin/node" --version), npm $("$prefix/bin/npm" --version) in $prefix/bin"
