#!/bin/sh
# run.sh WORKDIR - the installed artifacts work for an outside program.
#
# `make install` into a staging DESTDIR with a PREFIX other than the build's
# default (so a .pc that kept the build-time prefix is caught); app.c is then
# built only from what pkg-config says about the staged dlnet.pc, linked once
# against the shared and once against the static library, and both binaries
# are run. With HAVE_MPI=yes (make passes it when mpicc exists) the MPI
# companion is installed too, and mpi/distributed.c is built from what
# pkg-config says about dlnet_mpi.pc. Finally `make uninstall` must remove
# every installed file.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
stage=$work/stage
prefix=/opt/dlnet-check
make=${MAKE:-make}
version=$(sed -n 's/^#define DLN_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/dlnet.h")
soname=libdlnet.so.${version%.*}

fail() { echo "installed-check: $*" >&2; exit 1; }
quietly() { # run a command, show its output only if it fails
    "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; fail "failed: $*"; }
}

rm -rf "$stage" "$work/app-shared" "$work/app-static" "$work/app-mpi"
quietly $make -C "$root" --no-print-directory install DESTDIR="$stage" PREFIX="$prefix"

libdir=$stage$prefix/lib
expected="$prefix/include/dlnet.h $prefix/lib/libdlnet.a $prefix/lib/libdlnet.so
$prefix/lib/$soname $prefix/lib/libdlnet.so.$version $prefix/lib/pkgconfig/dlnet.pc"
[ -n "${HAVE_MPI:-}" ] && expected="$expected $prefix/include/dlnet_mpi.h $prefix/lib/libdlnet_mpi.a
$prefix/lib/libdlnet_mpi.so $prefix/lib/libdlnet_mpi.so.${version%.*} $prefix/lib/libdlnet_mpi.so.$version
$prefix/lib/pkgconfig/dlnet_mpi.pc"
installed=$(cd "$stage" && find . ! -type d | sed 's|^\.||' | sort)
[ "$installed" = "$(echo $expected | tr ' ' '\n' | sort)" ] ||
    fail "installed files differ from the expected set:
$installed"
[ "$(readlink "$libdir/libdlnet.so")" = "$soname" ] || fail "libdlnet.so does not point to $soname"
[ "$(readelf -d "$libdir/libdlnet.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = "$soname" ] ||
    fail "SONAME of libdlnet.so.$version is not $soname"

# The .pc carries the install prefix ...
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --variable=prefix dlnet)" = "$prefix" ] || fail "dlnet.pc prefix is not $prefix"
[ "$(pkg-config --modversion dlnet)" = "$version" ] || fail "dlnet.pc version is not $version"
# ... and relocates to the staging tree with --define-prefix.
pc="pkg-config --define-prefix"
cflags=$($pc --cflags dlnet)
libs=$($pc --libs dlnet)
static_libs=$($pc --static --libs dlnet)
case " $cflags " in *" -I$stage$prefix/include "*) ;; *) fail "cflags '$cflags' miss the staged include dir" ;; esac
case " $libs " in *" -L$libdir "*) ;; *) fail "libs '$libs' miss the staged lib dir" ;; esac

cd "$work"
cc -std=c11 -Wall -Wextra -Werror "$root/tests/installed/app.c" $cflags $libs -lm -o app-shared
# Force the archive for -ldlnet only; BLAS/LAPACKE stay shared system libraries.
static_libs=$(echo " $static_libs " | sed 's| -ldlnet | -Wl,-Bstatic -ldlnet -Wl,-Bdynamic |')
cc -std=c11 -Wall -Wextra -Werror "$root/tests/installed/app.c" $cflags $static_libs -o app-static

readelf -d app-shared | grep -q "NEEDED.*\[$soname\]" || fail "app-shared does not need $soname"
if readelf -d app-static | grep -q 'NEEDED.*libdlnet'; then fail "app-static needs libdlnet.so"; fi
LD_LIBRARY_PATH=$libdir ldd ./app-shared | grep -q "$soname => $libdir/$soname" ||
    fail "app-shared does not resolve $soname from the staged install"
LD_LIBRARY_PATH=$libdir ./app-shared
env -u LD_LIBRARY_PATH ./app-static
if [ -n "${HAVE_MPI:-}" ]; then
    mpicc -std=c11 -Wall -Wextra -Werror "$root/mpi/distributed.c" $($pc --cflags dlnet_mpi) \
        $($pc --libs dlnet_mpi) -lm -o app-mpi || fail "mpi/distributed.c does not build from dlnet_mpi.pc"
    readelf -d app-mpi | grep -q "NEEDED.*libdlnet_mpi.so.${version%.*}" || fail "app-mpi does not need libdlnet_mpi"
fi

quietly $make -C "$root" --no-print-directory uninstall DESTDIR="$stage" PREFIX="$prefix"
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall left files behind:
$left"
echo "installed-check: install, pkg-config (shared and --static), uninstall all work"
