#!/bin/sh
# run.sh WORKDIR - the installed artifacts work for an outside program.
#
# `make install` into a staging DESTDIR with a PREFIX other than the build's
# default (so a .pc that kept the build-time prefix is caught); app.c is then
# built only from what pkg-config says about the staged dlnet.pc, linked once
# against the shared and once against the static library, and both binaries
# are run; then the same through find_package(dlnet) by the CMake project
# tests/cmake. The man pages and HTML reference of `make docs` (built before
# this runs) must be installed, one page per public function.
# With HAVE_MPI=yes (make passes it when mpicc exists) the MPI companion is
# installed too, and mpi/distributed.c is built from what pkg-config says
# about dlnet_mpi.pc. Finally `make uninstall` must remove every installed file.
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

rm -rf "$stage" "$work/app-shared" "$work/app-static" "$work/app-mpi" "$work/cmake"
quietly $make -C "$root" --no-print-directory install DESTDIR="$stage" PREFIX="$prefix"

libdir=$stage$prefix/lib
docs=$root/${DOCS:-build/docs}
[ -d "$docs/man/man3" ] && [ -d "$docs/html" ] || fail "run make docs first"
expected=$(
    echo "$prefix/include/dlnet.h $prefix/lib/libdlnet.a $prefix/lib/libdlnet.so
$prefix/lib/$soname $prefix/lib/libdlnet.so.$version $prefix/lib/pkgconfig/dlnet.pc
$prefix/lib/cmake/dlnet/dlnetConfig.cmake $prefix/lib/cmake/dlnet/dlnetConfigVersion.cmake" | tr ' ' '\n'
    [ -z "${HAVE_MPI:-}" ] || echo "$prefix/include/dlnet_mpi.h $prefix/lib/libdlnet_mpi.a
$prefix/lib/libdlnet_mpi.so $prefix/lib/libdlnet_mpi.so.${version%.*} $prefix/lib/libdlnet_mpi.so.$version
$prefix/lib/pkgconfig/dlnet_mpi.pc" | tr ' ' '\n'
    (cd "$docs/man" && find man3 -type f) | sed "s|^|$prefix/share/man/|"
    (cd "$docs" && find html -type f) | sed "s|^|$prefix/share/doc/libdlnet/|")
(cd "$stage" && find . ! -type d | sed 's|^\.||' | sort) > "$work/installed"
echo "$expected" | sort > "$work/expected"
diff "$work/expected" "$work/installed" > "$work/log" ||
    fail "installed files differ from the expected set (< expected, > installed):
$(cat "$work/log")"

# One real page per public function, holding its declaration and doc text.
man3=$stage$prefix/share/man/man3
for f in $(sh "$root/build-aux/api-functions.sh" "$root/include/dlnet.h"); do
    grep -q "^.fB.*[ *]$f(" "$man3/$f.3" 2>/dev/null || fail "$f.3 is missing or has no synopsis"
done
page_has() { grep -qF -- "$2" "$man3/$1.3" || fail "$1.3 does not contain '$2'"; }
page_has dln_net_create 'Create a network of depth L >= 1 with widths d_0..d_L'
page_has dln_net_create 'dln_status dln_net_create(dln_net **out,'
page_has dln_loss_grad 'grad_l F = W_{L:l+1}^T E W_{l-1:1}^T + lam_l W_l'
page_has dln_loss_hessian_eigs 'thick-restart block Lanczos'
page_has dln_loss_hessian_eigs '.SH RETURN VALUE'
grep -qF 'dln_loss_grad' "$stage$prefix/share/doc/libdlnet/html/dlnet_8h.html" ||
    fail "the installed HTML reference does not document dln_loss_grad"
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

# CMake: find_package(dlnet) through CMAKE_PREFIX_PATH; the build tree's
# rpath (CMake's default for imported libraries) finds the staged library.
quietly cmake -S "$root/tests/cmake" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$stage$prefix" \
    -DDLNET_VERSION="$version" -DAPP_SOURCE="$root/tests/installed/app.c" \
    -DCMAKE_C_FLAGS="-std=c11 -Wall -Wextra -Werror"
quietly cmake --build "$work/cmake"
readelf -d "$work/cmake/app_shared" | grep -q "NEEDED.*\[$soname\]" || fail "cmake app_shared does not need $soname"
if readelf -d "$work/cmake/app_static" | grep -q 'NEEDED.*libdlnet'; then fail "cmake app_static needs libdlnet.so"; fi
env -u LD_LIBRARY_PATH "$work/cmake/app_shared"
env -u LD_LIBRARY_PATH "$work/cmake/app_static"

# ldconfig: never for a prefix outside the loader's search path; for one of
# its built-in directories, yes (when ldconfig exists at all).
case $(sh "$root/build-aux/ldconfig.sh" -n "$prefix/lib") in
    ldconfig) fail "make install would run ldconfig for the private prefix $prefix" ;;
esac
if command -v ldconfig >/dev/null 2>&1; then
    [ "$(sh "$root/build-aux/ldconfig.sh" -n /lib)" = ldconfig ] ||
        fail "make install would not run ldconfig for /lib"
fi

quietly $make -C "$root" --no-print-directory uninstall DESTDIR="$stage" PREFIX="$prefix"
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall left files behind:
$left"
left=$(find "$stage" -depth -type d -path "*/cmake/dlnet" -o -type d -path "*/doc/libdlnet")
[ -z "$left" ] || fail "make uninstall left directories behind: $left"
echo "installed-check: install (library, pkg-config, CMake package, man pages, HTML), linking through"
echo "installed-check: pkg-config and find_package(dlnet), shared and static, and uninstall all work"
