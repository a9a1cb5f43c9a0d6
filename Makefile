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

CC ?= cc
CXX ?= c++
# Build tree; `make asan` uses another one so that both can coexist.
BUILD ?= build
LIBOUT ?= lib
OPT ?= -O2 -g
WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
SAN ?=

# BLAS/LAPACKE flags come from pkg-config; recursive variables so that they
# are read after `deps` has installed what is missing.
BLAS_PC ?= openblas
PC_CFLAGS = $(shell pkg-config --cflags $(BLAS_PC) lapacke)
PC_LIBS = $(shell pkg-config --libs $(BLAS_PC) lapacke) -lm
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
        readme-check python-check python-install python-uninstall bench-python examples examples-check \
        demo asan valgrind bench peers docs plots install uninstall clean

all: $(STATIC) $(SHARED) pkgconfig/dlnet.pc

help:
	@echo "make            build $(STATIC) and $(SHARED)"
	@echo "make demo       build and run examples/quickstart"
	@echo "make examples   build the examples (build/examples/); examples-check runs them"
	@echo "make plots      figures of docs/img from the examples' CSV output (gnuplot)"
	@echo "make check      all test suites, header C/C++ check, exported symbols, installed use,"
	@echo "                examples, the README example (readme-check)"
	@echo "make asan       clean rebuild with address+undefined sanitizers, run the tests"
	@echo "make valgrind   run the tests under valgrind"
	@echo "make bench      benchmarks (ratios measured in one run)"
	@echo "make docs       API reference with Doxygen, HTML and man pages (warnings are errors)"
	@echo "make install PREFIX=... DESTDIR=... / make uninstall"
	@echo "make python-check    the Python package's tests (part of make check)"
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
# so that `pkg-config --define-prefix` can relocate a staged (DESTDIR) install.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' \
    -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR_INSTALL))|' \
    -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCDIR_INSTALL))|' \
    -e 's|@VERSION@|$(VERSION)|' -e 's|@BLAS_PC@|$(BLAS_PC)|'

pkgconfig/dlnet.pc: pkgconfig/dlnet.pc.in Makefile
	$(PC_SUBST) $< > $@

# ---- tests ------------------------------------------------------------------
$(BUILD)/tests/suites.h: $(TEST_SRC) Makefile
	@mkdir -p $(@D)
	@printf '%s\n' $(foreach s,$(TEST_SUITES),"DLN_SUITE($(s))") > $@

$(BUILD)/tests/%.o: tests/%.c $(wildcard tests/*.h) include/dlnet.h $(BUILD)/tests/suites.h | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) $(WARN) $(SAN) -Iinclude -Isrc -I$(BUILD)/tests $(PC_CFLAGS) \
	    $(CHECK_CFLAGS) -c $< -o $@

# tests/check_alloc.c counts the library's allocations through these wrappers.
TEST_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

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
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror -Iinclude -o $(BUILD)/header/use \
	    tests/header/use.cpp -L$(LIBOUT) -Wl,-rpath,$(abspath $(LIBOUT)) -ldlnet
	$(BUILD)/header/use
	@echo "header-check: dlnet.h compiles as C11 and C++11"

symbols-check: $(SHARED)
	sh tests/symbols.sh $(SHARED) include/dlnet.h

installed-check: all
	@sh build-aux/deps.sh --check static
	MAKE="$(MAKE)" sh tests/installed/run.sh "$(BUILD)/installed"

check:
	@sh build-aux/deps.sh core cxx static python
	@$(MAKE) --no-print-directory check-all

check-all: all run-tests layers-check header-check symbols-check installed-check examples-check \
           readme-check python-check
	@echo "make check: all passed"

# Layers call only downward and files form no cycle (build-aux/layers.txt);
# layers_test.sh shows that the check rejects both.
layers-check: $(OBJ)
	sh tests/layers_test.sh "$(CC)"
	sh tests/layers.sh $(BUILD)/obj build-aux/layers.txt

# The C example of README.md, compiled and run exactly as printed.
readme-check: $(SHARED) | deps
	CC="$(CC)" WARN="$(WARN)" sh tests/readme/run.sh $(BUILD)/readme $(LIBOUT)

# ---- Python package (python/) -----------------------------------------------
# The interpreter: $(PYTHON) if given, else the first of python3, /usr/bin/python3
# that has NumPy, CFFI and pytest (build-aux/python.sh says what is missing).
PYTHON ?=
PY = $(shell sh build-aux/python.sh $(PYTHON) 2>/dev/null)
PYTHON_SITE ?= $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')

python-check: $(SHARED)
	@sh build-aux/deps.sh python
	@sh build-aux/python.sh $(PYTHON) >/dev/null
	CC="$(CC)" $(PY) -m pytest -q -p no:cacheprovider python/tests

# Offline: Debian's setuptools and pip, no build isolation, no index. The
# package records $(LIBDIR_INSTALL) as a place to find libdlnet.
python-install: install
	@sh build-aux/python.sh $(PYTHON) >/dev/null
	DLNET_LIBDIR=$(LIBDIR_INSTALL) $(PY) -m pip install --no-build-isolation --no-deps \
	    --no-index --upgrade --target $(DESTDIR)$(PYTHON_SITE) ./python
	rm -rf python/build python/dlnet.egg-info

python-uninstall:
	rm -rf $(DESTDIR)$(PYTHON_SITE)/dlnet $(DESTDIR)$(PYTHON_SITE)/dlnet-*.dist-info

bench-python: $(SHARED) $(BUILD)/bench/grad_hvp
	@sh build-aux/python.sh $(PYTHON) >/dev/null
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} $(PY) bench/python_overhead.py $(BUILD)/bench/grad_hvp

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

# ---- sanitizers and valgrind ------------------------------------------------
asan:
	rm -rf build/asan
	$(MAKE) BUILD=build/asan LIBOUT=build/asan/lib OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" run-tests

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

peers: $(BUILD)/bench/grad_hvp
	sh bench/peers $(BUILD)/bench/grad_hvp

docs:
	@sh build-aux/deps.sh docs
	sh docs/build.sh

plots: examples
	@sh build-aux/deps.sh plots
	sh docs/plots.sh $(BUILD)

# ---- install ----------------------------------------------------------------
# The installed .pc gets the PREFIX of this install, whatever the build used.
install: all
	install -d $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig $(DESTDIR)$(INCDIR_INSTALL)
	install -m 644 include/dlnet.h $(DESTDIR)$(INCDIR_INSTALL)/dlnet.h
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so.$(VERSION)
	ln -sf libdlnet.so.$(VERSION) $(DESTDIR)$(LIBDIR_INSTALL)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so
	$(PC_SUBST) pkgconfig/dlnet.pc.in > $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet.pc
	chmod 644 $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet.pc
	@# a root install into the live system refreshes the loader cache
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
	    ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(INCDIR_INSTALL)/dlnet.h $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.a \
	    $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so.$(VERSION) $(DESTDIR)$(LIBDIR_INSTALL)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR_INSTALL)/libdlnet.so $(DESTDIR)$(LIBDIR_INSTALL)/pkgconfig/dlnet.pc

clean:
	rm -rf build lib/libdlnet.* pkgconfig/dlnet.pc
