#!/bin/sh
# deps.sh [--check] GROUP... - make sure the Debian packages a make target
# needs are installed. As root, missing packages are installed with apt-get;
# otherwise (and always with --check, which plain `make` uses: building never
# installs anything) the exact apt-get line is printed and the script fails.
#   core      compiler-side libraries for building and testing libdlnet
#             (zlib: the CRC-32 of summary files)
#   cxx       the C++ compiler of `make header-check`
#   static    `make installed-check`: OpenBLAS's `pkg-config --static` flags
#             name -lgfortran, whose link library comes with libgfortran-N-dev
#   cmake     `make installed-check`: find_package(dlnet) from a CMake project
#   valgrind  make valgrind
#   docs      make docs (Doxygen; python3 for docs/manpages.py)
#   plots     make plots (gnuplot)
#   peers     bench/peers (PyTorch and NumPy from Debian)
#   python    the Python package's tests (NumPy, CFFI, pytest; pip and setuptools
#             for the offline install; PyTorch for the interop test)
#   data      examples/real_data (Fashion-MNIST; the example skips without it)
#   mpi       libdlnet_mpi and its check (OpenMPI's mpicc and mpirun)
set -u
pkgs_for() {
    case "$1" in
        core) echo "gcc libc6-dev make pkg-config libopenblas-dev liblapacke-dev zlib1g-dev check" ;;
        cxx) echo "g++" ;;
        static) # the libgfortran-N-dev that matches the gcc in use
            v=$(gcc -dumpversion 2>/dev/null | cut -d. -f1)
            if [ -n "$v" ]; then echo "libgfortran-$v-dev"; else echo "gfortran"; fi ;;
        cmake) echo "cmake" ;;
        valgrind) echo "valgrind" ;;
        docs) echo "doxygen python3" ;;
        plots) echo "gnuplot-nox" ;;
        peers) echo "python3 python3-numpy python3-torch" ;;
        python) echo "python3 python3-numpy python3-cffi python3-pytest python3-pip python3-setuptools python3-torch" ;;
        data) echo "dataset-fashion-mnist" ;;
        mpi) echo "libopenmpi-dev openmpi-bin" ;;
        *) echo "deps.sh: unknown group '$1'" >&2; exit 2 ;;
    esac
}

# Without dpkg this is not a Debian system: let the build report what is missing.
command -v dpkg-query >/dev/null 2>&1 || exit 0

install=1
if [ "${1:-}" = --check ]; then install=0; shift; fi
missing=""
for group in "$@"; do
    # pkgs_for runs in a subshell, so its `exit` only ends that: propagate it
    pkgs=$(pkgs_for "$group") || exit 2
    for p in $pkgs; do
        # gnuplot may come as gnuplot-nox, -qt or -x11: any of them will do
        case "$p" in
            gnuplot-nox) command -v gnuplot >/dev/null 2>&1 && continue ;;
        esac
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        case "$status" in
            *" installed") ;;
            *) missing="$missing $p" ;;
        esac
    done
done
[ -z "$missing" ] && exit 0

if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: installing missing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # wait for a concurrent apt/dpkg run instead of failing on its lock
    apt="apt-get -o DPkg::Lock::Timeout=600"
    if ! $apt install -y --no-install-recommends $missing >/dev/null 2>&1; then
        $apt update -qq >/dev/null 2>&1
        $apt install -y --no-install-recommends $missing || exit 1
    fi
    exit 0
fi
echo "libdlnet: missing Debian packages:$missing" >&2
echo "install them with:  sudo apt-get install -y$missing" >&2
exit 1
