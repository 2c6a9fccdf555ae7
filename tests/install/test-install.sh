#!/bin/sh
# Installs the build into a temporary DESTDIR, then compiles and runs a
# program outside the source tree with nothing but pkg-config, as a user of
# the installed package would.
#
#   test-install.sh BUILDDIR OUTSIDE.C PREFIX LIBDIR
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

builddir=$1
source=$2
prefix=$3
libdir=$4
case $libdir in
  /*) ;;
  *) libdir=$prefix/$libdir ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

meson install -C "$builddir" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log"
  echo "FAIL: meson install"
  exit 1
}

root=$tmp/root
for f in "$root$libdir/pkgconfig/pod-glib-1.pc" \
         "$root$prefix/include/pod-glib-1/pod-glib.h" \
         "$root$libdir/libpod-glib-1.so"; do
  [ -e "$f" ] || { echo "FAIL: not installed: ${f#$root}"; exit 1; }
done

# The .pc file names the real prefix; point a copy of it at the DESTDIR.
# (pkg-config --define-prefix would guess the prefix from the .pc file's
# place, which is wrong for a multiarch libdir, and would move glib's too.)
mkdir "$tmp/pc"
sed "s|^prefix=.*|prefix=$root$prefix|" "$root$libdir/pkgconfig/pod-glib-1.pc" \
  >"$tmp/pc/pod-glib-1.pc"
export PKG_CONFIG_PATH="$tmp/pc"

# The public headers other than the umbrella must refuse direct inclusion.
printf '#include <gopod-pod.h>\nint main (void) { return 0; }\n' >"$tmp/direct.c"
if ${CC:-cc} -c -o "$tmp/direct.o" "$tmp/direct.c" \
     $(pkg-config --cflags pod-glib-1) 2>/dev/null; then
  echo "FAIL: <gopod-pod.h> can be included directly"
  exit 1
fi

cflags=$(pkg-config --cflags pod-glib-1)
libs=$(pkg-config --libs pod-glib-1)
echo "cflags: $cflags"
echo "libs: $libs"
${CC:-cc} -Wall -Werror -o "$tmp/outside" "$source" $cflags $libs

# Only the installed library may be found: no build-tree path is given.
env -u GI_TYPELIB_PATH LD_LIBRARY_PATH="$root$libdir" "$tmp/outside"

# The introspection data and the VAPI, when built, are installed too.
if [ -e "$builddir/introspection/Gopod-1.0.typelib" ]; then
  find "$root" -name Gopod-1.0.typelib | grep -q . || { echo "FAIL: typelib not installed"; exit 1; }
  find "$root" -name Gopod-1.0.gir | grep -q . || { echo "FAIL: GIR not installed"; exit 1; }
fi
if [ -e "$builddir/introspection/pod-glib-1.vapi" ]; then
  find "$root" -name pod-glib-1.vapi | grep -q . || { echo "FAIL: VAPI not installed"; exit 1; }
fi
echo "PASS: installed pod-glib-1 builds and runs an outside program"
