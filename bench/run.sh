#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds interlink-glib and its benchmark program as a release build in
# BUILD_DIR, then runs every benchmark with its raw-GLib floor.
#
#   bench/run.sh [BUILD_DIR] [interlink-bench options]
#
# BUILD_DIR defaults to _build_bench and is created if needed. An existing
# one is switched to buildtype=release. Options such as --only=do-send,
# --runs=N or --quick are passed to the program (see --help). A whole run
# took about 3 minutes on the 2-core machine described in bench/README.md.
set -eu

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=_build_bench
case "${1:-}" in
  ''|-*) ;;
  *)
    build_dir=$1
    shift
    ;;
esac

if [ -f "$build_dir/build.ninja" ]; then
  meson configure "$build_dir" -Dbuildtype=release -Dbenchmarks=true
else
  meson setup "$build_dir" "$source_dir" -Dbuildtype=release \
    -Dbenchmarks=true -Dtests=false -Dexamples=false \
    -Dintrospection=disabled
fi

meson compile -C "$build_dir" interlink-bench

exec "$build_dir/bench/interlink-bench" "$@"
