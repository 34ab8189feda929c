#!/bin/sh
# Installs the relayfile binary for this machine from a release, checked against the release's SHA256SUMS, without
# sudo, into ~/.local/bin (or $RELAYFILE_INSTALL).
#
#   curl -fsSL https://github.com/agentworkforce/relayfile-deno/releases/latest/download/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --version v0.2.0
#
# RELAYFILE_RELEASES_URL overrides where releases are read (a fork, a mirror, a test server).
set -eu

releases="${RELAYFILE_RELEASES_URL:-https://github.com/agentworkforce/relayfile-deno/releases}"
version="latest"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    -h | --help)
      echo "usage: install.sh [--version vX.Y.Z]   (env: RELAYFILE_INSTALL, RELAYFILE_RELEASES_URL)"
      exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  *) echo "install.sh: $(uname -s) is not supported here; on Windows run install.ps1" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install.sh: no release binary for $(uname -m)" >&2; exit 1 ;;
esac
asset="relayfile-$os-$arch"
if [ "$version" = latest ]; then
  from="$releases/latest/download"
else
  case "$version" in v*) ;; *) version="v$version" ;; esac
  from="$releases/download/$version"
fi
dir="${RELAYFILE_INSTALL:-$HOME/.local/bin}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM
fetch() {
  if command -v curl > /dev/null 2>&1; then curl -fsSL "$1" -o "$2"
  elif command -v wget > /dev/null 2>&1; then wget -q -O "$2" "$1"
  else echo "install.sh: needs curl or wget" >&2; exit 1
  fi
}
sha256() {
  if command -v sha256sum > /dev/null 2>&1; then sha256sum "$1" | awk '{print $1}'
  else shasum -a 256 "$1" | awk '{print $1}'
  fi
}

echo "relayfile: downloading $asset ($version) from $from"
fetch "$from/$asset" "$tmp/$asset" || { echo "install.sh: could not download $from/$asset" >&2; exit 1; }
fetch "$from/SHA256SUMS" "$tmp/SHA256SUMS" || { echo "install.sh: could not download SHA256SUMS" >&2; exit 1; }
expected="$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$tmp/SHA256SUMS")"
if [ -z "$expected" ]; then echo "install.sh: SHA256SUMS lists no $asset; nothing installed" >&2; exit 1; fi
actual="$(sha256 "$tmp/$asset")"
if [ "$expected" != "$actual" ]; then
  echo "install.sh: checksum mismatch for $asset (expected $expected, got $actual); nothing installed" >&2
  exit 1
fi
echo "relayfile: checksum ok ($actual)"

mkdir -p "$dir"
chmod 755 "$tmp/$asset"
cp "$tmp/$asset" "$dir/.relayfile.new.$$"
mv -f "$dir/.relayfile.new.$$" "$dir/relayfile"
echo "relayfile: installed $dir/relayfile ($("$dir/relayfile" --version 2> /dev/null || echo "version unknown"))"
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "relayfile: $dir is not on your PATH; add it:  export PATH=\"$dir:\$PATH\"" ;;
esac
