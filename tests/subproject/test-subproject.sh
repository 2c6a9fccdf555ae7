#!/bin/sh
# Builds a small outside application that takes this checkout as a meson
# subproject (tests/subproject/app: dependency('pod-glib-1', fallback: ...),
# introspection and docs off), in a temporary folder, and runs it: the way a
# GNOME application vendors a library, in a Flatpak manifest or a tarball.
#
#   test-subproject.sh SOURCE_ROOT APP_DIR OUTSIDE.C
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

source_root=$1
app=$2
program=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp "$app/meson.build" "$program" "$tmp/"
mkdir "$tmp/subprojects"
ln -s "$source_root" "$tmp/subprojects/pod-glib"

# --wrap-mode=forcefallback: the subproject is used even when an installed
# pod-glib-1 would satisfy the dependency.
meson setup "$tmp/build" "$tmp" --wrap-mode=forcefallback >"$tmp/setup.log" 2>&1 || {
  cat "$tmp/setup.log"
  echo "FAIL: meson setup of the vendoring application"
  exit 1
}
grep -q "Subproject pod-glib finished" "$tmp/setup.log" || {
  cat "$tmp/setup.log"
  echo "FAIL: pod-glib was not built as a subproject"
  exit 1
}
meson compile -C "$tmp/build" >"$tmp/compile.log" 2>&1 || {
  cat "$tmp/compile.log"
  echo "FAIL: meson compile of the vendoring application"
  exit 1
}

# The program runs against the subproject's library, found through the
# build's own rpath: nothing else is on the library path.
env -u LD_LIBRARY_PATH -u GI_TYPELIB_PATH "$tmp/build/outside"
echo "PASS: an application vendoring pod-glib as a subproject builds and runs"
