#!/bin/sh
# Sets up a Debian 12 machine for interlink-glib, builds it, then either
# runs the word-frequency example on real input or runs every test suite.
#
#   ./bootstrap.sh example   # install, build, run examples/word-frequency
#   ./bootstrap.sh test      # install, build, run the C, Python and GJS tests
#
# Packages are installed with apt-get, as root or through sudo, and only
# when missing. Extra arguments go to meson setup (for example -Dwerror_library=true).
set -eu

mode=${1:-}
case "$mode" in
  example|test) shift ;;
  *)
    echo "usage: $0 example|test [meson setup options]" >&2
    exit 2
    ;;
esac

packages="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev
  libglib2.0-bin gobject-introspection libgirepository1.0-dev
  gir1.2-glib-2.0 python3 python3-gi gjs gi-docgen"

missing=
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=
  elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
  else
    echo "Missing packages:$missing" >&2
    echo "Install them as root (apt-get install$missing) and run this again." >&2
    exit 1
  fi
  echo "Installing:$missing"
  $as_root apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing
fi

cd "$(dirname "$0")"
build=${BUILD_DIR:-_build}

if [ -d "$build" ]; then
  meson setup --reconfigure "$build" "$@"
else
  meson setup "$build" "$@"
fi
meson compile -C "$build"

case "$mode" in
  example)
    exec "$build/examples/word-frequency"
    ;;
  test)
    exec meson test -C "$build" --print-errorlogs
    ;;
esac
