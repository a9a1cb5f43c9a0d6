# libdlnet - build, test, install.  `make help` lists the targets.
# The version is written once, in include/dlnet.h.
VERSION := $(shell sed -n 's/^\#define DLN_VERSION_STRING "\(.*\)"$$/\1/p' include/dlnet.h)
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
SONAME := libdlnet.so.$(VERSION_MAJOR).$(VERSION_MINOR)

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR_INSTALL ?= $(PREFIX)/lib
INCDIR_INSTALL ?= $(PREFIX)/include
CMAKEDIR_INSTALL ?= $(LIBDIR_INSTALL)/cmake/dlnet
# The documentation (`make docs`, in DOCS_OUT) is installed when it was built.
DOCDIR ?= $(PREFIX)/share/doc/libdlnet
MANDIR ?= $(PREFIX)/share/man
DOCS_OUT := build/docs

CC ?= cc
CXX ?= c++
# Build tree; `make asan` uses another one so that both can coexist.
BUILD ?= build
LIBOUT ?= lib
OPT ?= -O2 -g
WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
SAN ?=

# The MPI companion (mpi/) is built and checked only when an MPI compiler exists.
MPICC ?= mpicc
MPIRUN ?= mpirun
HAVE_MPI := $(shell command -v $(MPICC) >/dev/null 2>&1 && echo yes)

# BLAS/LAPACKE flags come from pkg-config; recursive variables so that they
# are read after `deps` has installed what is missing.
BLAS_PC ?= openblas
PC_CFLAGS = $(shell pkg-config --cflags $(BLAS_PC) lapacke zlib)
PC_LIBS = $(shell pkg-config --libs $(BLAS_PC) lapacke zlib) -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

CFLAGS_LIB = -std=c11 $(OPT) $(WARN) $(SAN) -fPIC -fvisibility=hidden -Iinclude -Isrc $(PC_CFLAGS)
CFLAGS_APP = -std=c11 $(OPT) $(WARN) $(SAN) -Iinclude

SRC := $(sort $(wildcard src/*.c))
OBJ := $(SRC:src/%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_SUITES := $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(filter tests/check_%.c,$(TEST_SRC))))
EXAMPLES := $(patsubst examples/%.c,%,$(sort $(wildcard examples/*.c)))
BENCHES := $(patsubst bench/%.c,%,$(sort $(wildcard bench/*.c)))

STATIC := $(LIBOUT)/libdlnet.a
SHARED := $(LIBOUT)/libdlnet.so.$(VERSION)
TESTBIN := $(BUILD)/tests/check_dlnet

.PHONY: all deps help check check-all layers-check test run-tests header-check symbols-check installed-check \
        readme-check python-check python-asan python-install python-uninstall bench-python examples \
        examples-check demo mpi mpi-check asan tsan fuzz fuzz-ci valgrind bench peers docs plots install \
        uninstall clean

all: $(STATIC) $(SHARED) pkgconfig/dlnet.pc $(if $(HAVE_MPI),mpi)

help:
	@echo "make            build $(STATIC) and $(SHARED)"
	@echo "make demo       build and run examples/quickstart"
	@echo "make examples   build the examples (build/examples/); examples-check runs them"
	@echo "make plots      figures of docs/img from the examples' CSV output (gnuplot)"
	@echo "make check      all test suites, header C/C++ check, exported symbols, installed use"
	@echo "                (pkg-config, CMake, man pages), examples, the README example"
	@echo "make asan       clean rebuild with address+undefined sanitizers, run the tests"
	@echo "make tsan       the threads suite under ThreadSanitizer"
	@echo "make fuzz       libFuzzer harnesses (clang, ASan+UBSan) in build/fuzz/; fuzz/README.md"
	@echo "make fuzz-ci    run each for FUZZ_TIME seconds (default 120) from fuzz/corpus"
	@echo "make valgrind   run the tests under valgrind"
	@echo "make bench      benchmarks (ratios measured in one run)"
	@echo "make docs       API reference with Doxygen: HTML, a man page per function (warnings are errors)"
	@echo "make install PREFIX=... DESTDIR=... / make uninstall (library, pkg-config, CMake package;"
	@echo "                man pages and HTML when make docs has built them)"
	@echo "make mpi        libdlnet_mpi (mpi/, when mpicc exists); mpi-check runs its example"
	@echo "                on 1, 2 and 4 ranks against one process (part of make check)"
	@echo "make python-check    the Python package's tests (part of make check; make asan runs"
	@echo "                     them again against the sanitized library)"
	@echo "make python-install  make install, then the Python package dlnet (offline, pip)"
	@echo "make bench-python    cost of the Python layer (vs C and PyTorch autograd)"

# Plain `make` only checks the packages (and prints the apt-get line for the
# missing ones); `make check` and `make demo` install them first as root.
deps:
	@sh build-aux/deps.sh --check core

$(BUILD)/obj/%.o: src/%.c include/dlnet.h $(wildcard src/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_LIB) -c $< -o $@

$(STATIC): $(OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $(OBJ)

$(SHARED): $(OBJ) src/libdlnet.map
	@mkdir -p $(@D)
	$(CC) -shared $(SAN) -Wl,-soname,$(SONAME) -Wl,--version-script=src/libdlnet.map \
	    -Wl,--no-undefined -o $@ $(OBJ) $(PC_LIBS)
	ln -sf libdlnet.so.$(VERSION) $(LIBOUT)/$(SONAME)
	ln -sf $(SONAME) $(LIBOUT)/libdlnet.so

# libdir/includedir are written relative to ${prefix} when they lie under it,
# so that `pkg-config --define-prefix` can relocate a staged (DESTDIR) install;
# the CMake files likewise, relative to their own directory.
under_prefix = $(patsubst $(PREFIX)/%,$(1)/%,$(2))
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' \
    -e 's|@LIBDIR@|$(call under_prefix,$${prefix},$(LIBDIR_INSTALL))|' \
    -e 's|@INCLUDEDIR@|$(call under_prefix,$${prefix},$(INCDIR_INSTALL))|' \
    -e 's|@VERSION@|$(VERSION)|' -e 's|@BLAS_PC@|$(BLAS_PC)|'

# From CMAKEDIR_INSTALL up to PREFIX ("../../.."), or PREFIX if not under it.
CMAKE_UP = $(shell echo '$(patsubst $(PREFIX)/%,%,$(CMAKEDIR_INSTALL))' | sed 's|[^/][^/]*|..|g')
CMAKE_PREFIX = $(if $(filter $(PREFIX)/%,$(CMAKEDIR_INSTALL)),$${CMAKE_CURRENT_LIST_DIR}/$(CMAKE_UP),$(PREFIX))
empty :=
space := $(empty) $(empty)
CMAKE_SUBST = sed -e 's|@PREFIX_FROM_HERE@|$(CMAKE_PREFIX)|' \
    -e 's|@LIBDIR@|$(call under_prefix,$${_dlnet_prefix},$(LIBDIR_INSTALL))|' \
    -e 's|@INCLUDEDIR@|$(call under_prefix,$${_dlnet_prefix},$(INCDIR_INSTALL))|' \
    -e 's|@VERSION@|$(VERSION)|' -e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' \
    -e 's|@VERSION_MINOR@|$(VERSION_MINOR)|g' -e 's|@SONAME@|$(SONAME)|' \
    -e 's|@STATIC_DEPS@|$(subst $(space),;,$(strip $(PC_LIBS)))|' \
    -e "s|@SIZEOF_VOID_P@|$$(echo __SIZEOF_POINTER__ | $(CC) -E -P -x c - | tail -n 1)|"

pkgconfig/dlnet.pc: pkgconfig/dlnet.pc.in Makefile
	$(PC_SUBST) $< > $@

# ---- tests ------------------------------------------------------------------
$(BUILD)/tests/suites.h: $(TEST_SRC) Makefile
	@mkdir -p $(@D)
	@printf '%s\n' $(foreach s,$(TEST_SUITES),"DLN_SUITE($(s))") > $@

$(BUILD)/tests/%.o: tests/%.c $(wildcard tests/*.h) include/dlnet.h $(wildcard src/*.h) $(BUILD)/tests/suites.h | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) $(WARN) $(SAN) -Iinclude -Isrc -I$(BUILD)/tests $(PC_CFLAGS) \
	    $(CHECK_CFLAGS) -c $< -o $@

# tests/check_alloc.c counts the library's allocations through these wrappers
# and injects failures (tests/check_nomem.c).
TEST_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free

$(TESTBIN): $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o) $(STATIC)
	$(CC) $(SAN) $(TEST_WRAP) -o $@ $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o) $(STATIC) \
	    $(CHECK_LIBS) $(PC_LIBS)

run-tests: $(TESTBIN)
	$(TESTBIN)

test: run-tests

# use.cpp is linked and run: a missing extern "C" only shows at link time.
header-check: $(SHARED) | deps
	@sh build-aux/deps.sh --check cxx
	@mkdir -p $(BUILD)/header
	$(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude -fsyntax-only -x c include/dlnet.h
	@set -e; for std in c++11 c++17; do \
	    echo "$(CXX) -std=$$std ... tests/header/use.cpp"; \
	    $(CXX) -std=$$std -Wall -Wextra -Wpedantic -Werror -Iinclude -o $(BUILD)/header/use-$$std \
	        tests/header/use.cpp -L$(LIBOUT) -Wl,-rpath,$(abspath $(LIBOUT)) -ldlnet; \
	    $(BUILD)/header/use-$$std; done
	@echo "header-check: dlnet.h compiles as C11, C++11 and C++17"

symbols-check: $(SHARED)
	sh tests/symbols.sh $(SHARED) include/dlnet.h

installed-check: all docs
	@sh build-aux/deps.sh --check static cmake
	MAKE="$(MAKE)" DOCS="$(DOCS_OUT)" HAVE_MPI="$(HAVE_MPI)" sh tests/installed/run.sh "$(BUILD)/installed"

check:
	@sh build-aux/deps.sh core cxx static cmake docs python
	@$(MAKE) --no-print-directory check-all

check-all: all run-tests layers-check header-check symbols-check installed-check examples-check \
           readme-check python-check $(if $(HAVE_MPI),mpi-check)
	@echo "make check: all passed"

# Layers call only downward and files form no cycle (build-aux/layers.txt);
# layers_test.sh shows that the check rejects both.
layers-check: $(OBJ)
	sh tests/layers_test.sh "$(CC)"
	sh tests/layers.sh build-aux/layers.txt $(OBJ)

# The C example of README.md, compiled and run exactly as printed.
readme-check: $(SHARED) | deps
	CC="$(CC)" WARN="$(WARN)" sh tests/readme/run.sh $(BUILD)/readme $(LIBOUT)

# ---- Python package (python/) -----------------------------------------------
# The interpreter: $(PYTHON) if given, else the first of python3, /usr/bin/python3
# that has what the package and its tests need (build-aux/python.sh says what is
# missing). It is chosen in the recipe, after deps.sh may have installed it.
PYTHON ?=
PYTHON_SITE ?=
PY_FIND = py=$$(sh build-aux/python.sh $(PYTHON))
# the site directory of python-install: $(PYTHON_SITE), else the interpreter's own
PY_SITE = { site="$(PYTHON_SITE)"; \
    [ -n "$$site" ] || site=$$($$py -c 'import sysconfig; print(sysconfig.get_path("purelib"))'); }

python-check: $(SHARED)
	@sh build-aux/deps.sh python
	$(PY_FIND) && CC="$(CC)" $$py -m pytest -q -p no:cacheprovider python/tests

# Offline: Debian's setuptools and pip, no build isolation, no index. The
# package records $(LIBDIR_INSTALL) as a place to find libdlnet.
python-install: install
	$(PY_FIND) && $(PY_SITE) && \
	DLNET_LIBDIR=$(LIBDIR_INSTALL) $$py -m pip install --no-build-isolation --no-deps \
	    --no-index --upgrade --target "$(DESTDIR)$$site" ./python
	rm -rf python/build python/dlnet.egg-info

python-uninstall:
	$(PY_FIND) && $(PY_SITE) && rm -rf "$(DESTDIR)$$site/dlnet" "$(DESTDIR)$$site"/dlnet-*.dist-info

bench-python: $(SHARED) $(BUILD)/bench/grad_hvp
	$(PY_FIND) && OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} \
	    $$py bench/python_overhead.py $(BUILD)/bench/grad_hvp

# ---- examples ---------------------------------------------------------------
$(BUILD)/examples/%: examples/%.c $(SHARED) | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_APP) -o $@ $< -L$(LIBOUT) -Wl,-rpath,$(abspath $(LIBOUT)) -ldlnet -lm

examples: $(EXAMPLES:%=$(BUILD)/examples/%)

examples-check: examples
	@set -e; for e in $(EXAMPLES); do \
	    if [ -f tests/examples/$$e.sh ]; then sh tests/examples/$$e.sh $(BUILD)/examples/$$e; \
	    else echo "examples-check: no test script for $$e" >&2; exit 1; fi; done

demo:
	@sh build-aux/deps.sh core
	@$(MAKE) --no-print-directory $(BUILD)/examples/quickstart
	$(BUILD)/examples/quickstart

# ---- MPI companion (mpi/, docs/distributed.md) --------------------------------
# Built by `all` and checked by `check` only when an MPI compiler exists; the
# core library never needs it. mpirun refuses root without
# --allow-run-as-root, and 4 ranks on fewer cores need --oversubscribe.
MPI_SONAME := libdlnet_mpi.so.$(VERSION_MAJOR).$(VERSION_MINOR)
MPI_SHARED := $(LIBOUT)/libdlnet_mpi.so.$(VERSION)
MPI_STATIC := $(LIBOUT)/libdlnet_mpi.a

mpi: $(MPI_SHARED) $(MPI_STATIC) pkgconfig/dlnet_mpi.pc

$(BUILD)/mpi/dlnet_mpi.o: mpi/dlnet_mpi.c mpi/dlnet_mpi.h include/dlnet.h
	@mkdir -p $(@D)
	$(MPICC) -std=c11 $(OPT) $(WARN) $(SAN) -fPIC -fvisibility=hidden -Iinclude -Impi -c $< -o $@

$(MPI_STATIC): $(BUILD)/mpi/dlnet_mpi.o
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $<

$(MPI_SHARED): $(BUILD)/mpi/dlnet_mpi.o $(SHARED) mpi/libdlnet_mpi.map
	$(MPICC) -shared $(SAN) -Wl,-soname,$(MPI_SONAME) -Wl,--version-script=mpi/libdlnet_mpi.map \
	    -Wl,--no-undefined -o $@ $< -L$(LIBOUT) -ldlnet
	ln -sf libdlnet_mpi.so.$(VERSION) $(LIBOUT)/$(MPI_SONAME)
	ln -sf $(MPI_SONAME) $(LIBOUT)/libdlnet_mpi.so

pkgconfig/dlnet_mpi.pc: pkgconfig/dlnet_mpi.pc.in Makefile
	$(PC_SUBST) $< > $@

$(BUILD)/mpi/distributed: mpi/distributed.c $(MPI_SHARED)
	$(MPICC) $(CFLAGS_APP) -Impi -o $@ $< -L$(LIBOUT) -Wl,-rpath,$(abspath $(LIBOUT)) \
	    -ldlnet_mpi -ldlnet -lm

$(BUILD)/mpi/errors: tests/mpi/errors.c $(MPI_SHARED)
	$(MPICC) $(CFLAGS_APP) -Impi -o $@ $< -L$(LIBOUT) -Wl,-rpath,$(abspath $(LIBOUT)) \
	    -ldlnet_mpi -ldlnet -lm

mpi-check: $(BUILD)/mpi/distributed $(BUILD)/mpi/errors
	@sh build-aux/deps.sh mpi
	MPIRUN="$(MPIRUN)" sh tests/mpi/run.sh $(BUILD)/mpi/distributed $(BUILD)/mpi/errors \
	    $(MPI_SHARED)

# ---- sanitizers and valgrind ------------------------------------------------
asan:
	rm -rf build/asan
	$(MAKE) BUILD=build/asan LIBOUT=build/asan/lib OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" run-tests python-asan

# The Python tests against the library of this build (made sanitized by
# `make asan`): the ASan runtime is preloaded into the interpreter, leaks are
# not reported (the interpreter's own would drown the library's, which the C
# suites check).
python-asan: $(SHARED)
	@sh build-aux/deps.sh python
	$(PY_FIND) && LD_PRELOAD=$$($(CC) -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
	    DLNET_LIBRARY=$(abspath $(SHARED)) CC="$(CC)" $$py -m pytest -q -p no:cacheprovider python/tests

# The threads suite under ThreadSanitizer, OpenBLAS single-threaded so that
# only the library's threads are checked (build-aux/tsan.supp says why).
TSAN_ENV = CK_RUN_SUITE=threads CK_FORK=no OPENBLAS_NUM_THREADS=1 \
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$(abspath build-aux/tsan.supp)"
tsan:
	rm -rf build/tsan
	$(MAKE) BUILD=build/tsan LIBOUT=build/tsan/lib OPT="-O1 -g" SAN="-fsanitize=thread" \
	    build/tsan/tests/check_dlnet
	$(TSAN_ENV) build/tsan/tests/check_dlnet

# ---- fuzzing (fuzz/README.md) -------------------------------------------------
# libFuzzer needs clang; the library is rebuilt with clang under ASan+UBSan.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_TIME ?= 120
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))

fuzz:
	@sh build-aux/deps.sh core fuzz
	$(MAKE) CC=clang BUILD=build/fuzz LIBOUT=build/fuzz/lib OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_TARGETS:%=build/fuzz/%)

# (inside the sub-make above: CC is clang, STATIC the sanitized library)
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(STATIC)
	$(CC) -std=c11 $(OPT) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer -Iinclude -o $@ $< $(STATIC) $(PC_LIBS)

# Each target for FUZZ_TIME seconds from its seed corpus (new inputs go to
# build/fuzz/corpus-NAME, the committed seeds stay as they are).
fuzz-ci: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do mkdir -p build/fuzz/corpus-$$t; \
	    echo "fuzz-ci: $$t for $(FUZZ_TIME) s"; \
	    OPENBLAS_NUM_THREADS=1 build/fuzz/$$t -close_fd_mask=3 -max_total_time=$(FUZZ_TIME) \
	        -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/ build/fuzz/corpus-$$t fuzz/corpus/$$t; done

valgrind: $(TESTBIN)
	@sh build-aux/deps.sh valgrind
	CK_FORK=no DLN_TEST_QUICK=1 OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=1 \
	    --leak-check=full --errors-for-leak-kinds=definite,indirect $(TESTBIN)

# ---- benchmarks, docs, plots ------------------------------------------------
$(BUILD)/bench/%: bench/%.c $(STATIC) | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 $(WARN) -Iinclude -Isrc $(PC_CFLAGS) -o $@ $< $(STATIC) $(PC_LIBS)

bench: $(BENCHES:%=$(BUILD)/bench/%)
	@set -e; for b in $(BENCHES); do echo "== $$b"; $(BUILD)/bench/$$b; done

peers: $(BUILD)/bench/grad_hvp $(BUILD)/bench/spectrum $(SHARED)
	sh bench/peers $(BUILD)/bench/grad_hvp
	sh bench/peers_spectrum $(BUILD)/bench/grad_hvp $(BUILD)/bench/spectrum
	sh bench/peers_eig

docs:
	@sh build-aux/deps.sh docs
	sh docs/build.sh $(DOCS_OUT)

plots: examples
	@sh build-aux/deps.sh plots
	sh docs/plots.sh $(BUILD)

# ---- install ----------------------------------------------------------------
# The installed .pc and CMake files get the PREFIX of this install, whatever
# the build used. The loader cache is refreshed only by a root install into
# a directory the loader searches (build-aux/ldconfig.sh): never for a
# staged (DESTDIR) or a private prefix.
install: all
	install -d $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig $(DESTDIR)$(INCDIR_INSTALL) \
	    $(DESTDIR)$(CMAKEDIR_INSTALL)
	install -m 644 include/dlnet.h $(DESTDIR)$(INCDIR_INSTALL)/dlnet.h
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so.$(VERSION)
	ln -sf libdlnet.so.$(VERSION) $(DESTDIR)$(LIBDIR_INSTALL)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so
	$(PC_SUBST) pkgconfig/dlnet.pc.in > $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet.pc
	$(CMAKE_SUBST) cmake/dlnetConfig.cmake.in > $(DESTDIR)$(CMAKEDIR_INSTALL)/dlnetConfig.cmake
	$(CMAKE_SUBST) cmake/dlnetConfigVersion.cmake.in \
	    > $(DESTDIR)$(CMAKEDIR_INSTALL)/dlnetConfigVersion.cmake
	chmod 644 $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet.pc $(DESTDIR)$(CMAKEDIR_INSTALL)/*.cmake
	@if [ -d $(DOCS_OUT)/man/man3 ]; then \
	    echo "install: man pages to $(DESTDIR)$(MANDIR)/man3, HTML to $(DESTDIR)$(DOCDIR)/html"; \
	    if [ include/dlnet.h -nt $(DOCS_OUT)/man/man3/dlnet.h.3 ]; then \
	        echo "install: warning: $(DOCS_OUT) is older than include/dlnet.h (make docs)"; fi; \
	    install -d $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(DOCDIR)/html && \
	    install -m 644 $(DOCS_OUT)/man/man3/*.3 $(DESTDIR)$(MANDIR)/man3 && \
	    install -m 644 $(DOCS_OUT)/html/* $(DESTDIR)$(DOCDIR)/html; \
	else echo "install: no $(DOCS_OUT) (make docs first): man pages and HTML not installed"; fi
	@if [ -n "$(HAVE_MPI)" ]; then \
	    install -m 644 mpi/dlnet_mpi.h $(DESTDIR)$(INCDIR_INSTALL)/dlnet_mpi.h; \
	    install -m 644 $(MPI_STATIC) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet_mpi.a; \
	    install -m 755 $(MPI_SHARED) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet_mpi.so.$(VERSION); \
	    ln -sf libdlnet_mpi.so.$(VERSION) $(DESTDIR)$(LIBDIR_INSTALL)/$(MPI_SONAME); \
	    ln -sf $(MPI_SONAME) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet_mpi.so; \
	    $(PC_SUBST) pkgconfig/dlnet_mpi.pc.in > $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet_mpi.pc; \
	    chmod 644 $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet_mpi.pc; fi
	@if [ -z "$(DESTDIR)" ]; then sh build-aux/ldconfig.sh $(LIBDIR_INSTALL); fi

# Man pages are named after the API (dln_*, DLN_*) and dlnet.h, so these
# patterns remove exactly what install put there, docs built or not.
uninstall:
	rm -f $(DESTDIR)$(INCDIR_INSTALL)/dlnet.h $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.a \
	    $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so.$(VERSION) $(DESTDIR)$(LIBDIR_INSTALL)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet.pc \
	    $(DESTDIR)$(CMAKEDIR_INSTALL)/dlnetConfig.cmake \
	    $(DESTDIR)$(CMAKEDIR_INSTALL)/dlnetConfigVersion.cmake \
	    $(DESTDIR)$(MANDIR)/man3/dln_*.3 $(DESTDIR)$(MANDIR)/man3/DLN_*.3 \
	    $(DESTDIR)$(MANDIR)/man3/dlnet.h.3 $(DESTDIR)$(MANDIR)/man3/dlnet.3
	rm -rf $(DESTDIR)$(DOCDIR)/html
	rmdir $(DESTDIR)$(CMAKEDIR_INSTALL) $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	rm -f $(DESTDIR)$(INCDIR_INSTALL)/dlnet_mpi.h $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet_mpi.a \
	    $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet_mpi.so.$(VERSION) $(DESTDIR)$(LIBDIR_INSTALL)/$(MPI_SONAME) \
	    $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet_mpi.so $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet_mpi.pc

clean:
	rm -rf build lib/libdlnet.* lib/libdlnet_mpi.* pkgconfig/dlnet.pc pkgconfig/dlnet_mpi.pc
