# kptrace-batch - a plain GNU Makefile.  'make help' lists the targets.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
BUILD      ?= build

PKGS := libxml-2.0 jansson zlib libxxhash libplist-2.0 sqlite3 libarchive libpq
TEST_PKGS := cmocka
# Debian packages the build and 'make demo' need (its fixtures: clang, llvm, lld; lldb), then
# those only the tests need; 'make demo-deps' installs the first, 'make deps' both
DEB_PKGS := gcc make pkg-config libxml2-dev libjansson-dev zlib1g-dev libxxhash-dev libplist-dev \
            libarchive-dev libsqlite3-dev libpq-dev lldb-16 clang llvm lld-16
DEB_TEST_PKGS := libcmocka-dev sqlite3 parallel mandoc chromium strace postgresql clang-format
# macOS: Xcode's command line tools bring cc, ld64, lldb, dsymutil, libxml2, zlib
BREW_PKGS := pkg-config jansson xxhash libplist libarchive sqlite libpq llvm lld
BREW_TEST_PKGS := cmocka mandoc parallel coreutils postgresql@17
FIXTURES := build/fixtures

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wvla -Wwrite-strings -Wundef -fno-common
# -Werror for developers and CI (CI sets CI=true), never for packagers
WARN += $(if $(or $(filter 1,$(DEV)),$(CI)),-Werror)

OPT := -O2
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -O1, as ASan's documentation advises: the instrumented build compiles in 40% less time
OPT := -O1
endif

# Homebrew's libarchive is keg-only (macOS ships an older one without its .pc file)
ifeq ($(shell uname -s),Darwin)
export PKG_CONFIG_PATH := $(shell brew --prefix libarchive 2>/dev/null)/lib/pkgconfig:$(PKG_CONFIG_PATH)
endif
# asked once when make starts ('=' asked pkg-config again for every object: 175 runs a build)
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS  = $(WARN) $(OPT) -g -D_GNU_SOURCE -I. -include util/banned.h $(DEPS_CFLAGS) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS_ALL    = $(DEPS_LIBS) -lstdc++

# the stages, in the order a run goes through them; driver/ alone knows that order
STAGES   := ingest readers symbolicate cluster report history
LIB_SRCS := $(wildcard util/*.c) $(wildcard model/*.c) $(foreach d,$(STAGES),$(wildcard $(d)/*.c)) \
            $(filter-out driver/main.c,$(wildcard driver/*.c))
RULES    := $(sort $(wildcard cluster/rules/xnusig-1/*))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/clu_rules_data.o
HDRS     := $(wildcard util/*.h model/*.h driver/*.h $(STAGES:%=%/*.h))
TESTS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZERS  := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard fuzz/fuzz_*.c))

.PHONY: all help deps demo-deps check test unit cli-test sanitize check-deps check-cycles check-headers demo \
        install uninstall clean fuzz-regress fuzz fixtures samples sym-test golden bench

all: $(BUILD)/kptrace-batch $(FUZZERS)  ## build the tool (and the fuzz targets, so they cannot rot)

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed 's/:.*## /\t/'

# each object depends on the headers it includes, as the compiler saw them (-MMD writes
# $(BUILD)/x.d beside x.o; -MP adds an empty rule per header, so a removed header is no
# error). An object whose .d is missing (built before this rule) is built once more.
DEPFLAGS = -MMD -MP

$(BUILD)/%.o: %.c $(BUILD)/%.d
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

# the signature rules ship inside the binary
$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/clu_rules_data.c: $(RULES) $(BUILD)/embed
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ $(RULES)

$(BUILD)/gen/clu_rules_data.o: $(BUILD)/gen/clu_rules_data.c $(BUILD)/gen/clu_rules_data.d
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Wno-missing-prototypes -c $< -o $@

$(BUILD)/libkpt.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/kptrace-batch: $(BUILD)/driver/main.o $(BUILD)/libkpt.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

$(BUILD)/tests/test_lldb: fixtures
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libkpt.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $(TEST_CFLAGS) -DKPT_SOURCE_DIR='"$(CURDIR)"' $(ALL_LDFLAGS) -o $@ $< \
	  $(BUILD)/libkpt.a $(LIBS_ALL) $(TEST_LIBS)

# fuzz targets: libFuzzer entry points, linked with a stdin driver here
$(BUILD)/fuzz/%: fuzz/%.c fuzz/driver.c $(BUILD)/libkpt.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< fuzz/driver.c $(BUILD)/libkpt.a $(LIBS_ALL)

build/machofix: tests/fixtures/machofix.c
	@mkdir -p build
	$(CC) -O1 -o $@ $<

build/uuidfix: tests/fixtures/uuidfix.c
	@mkdir -p build
	$(CC) -O1 -o $@ $<

$(FIXTURES)/.stamp: tests/fixtures/build.sh tests/fixtures/hangs.sh tests/fixtures/hangs_intel.sh tests/fixtures/kern.c tests/fixtures/iokit.cpp \
                    tests/fixtures/kext.c build/machofix
	bash tests/fixtures/build.sh $(FIXTURES) build/machofix
	@touch $@

fixtures: $(FIXTURES)/.stamp  ## build real Mach-O kernels, kexts, dSYMs and reports (clang, lld, dsymutil)

samples: fixtures  ## the fixture KDKs and reports that 'make demo' symbolicates

bench: $(BUILD)/kptrace-batch fixtures build/uuidfix build/machofix  ## benchmark figures (see bench/RESULTS.md); BENCH_N reports
	@UUIDFIX=build/uuidfix MACHOFIX=build/machofix sh bench/bench.sh $(BUILD)/kptrace-batch $(FIXTURES) $(or $(BENCH_N),1000)
	@sh bench/history.sh $(BUILD)/kptrace-batch $(FIXTURES) $(or $(BENCH_HISTORY_N),100000)
	@sh bench/history_pg.sh $(BUILD)/kptrace-batch $(FIXTURES) $(or $(BENCH_HISTORY_N),100000)
	@sh bench/archive.sh $(BUILD)/kptrace-batch $(FIXTURES) $(or $(BENCH_ARCHIVE_N),5000)
	@sh bench/scale.sh $(BUILD)/kptrace-batch $(FIXTURES) $(or $(BENCH_SCALE_N),100000)
	@sh bench/cores.sh $(BUILD)/kptrace-batch $(FIXTURES) $(or $(BENCH_CORES_COPIES),10)
	@sh bench/memory.sh $(BUILD)/kptrace-batch $(or $(BENCH_MEMORY_N),100)

# each test script is a target of its own (cli-NAME, sym-NAME: tests/cli/NAME.sh), so that
# 'make -j' runs them side by side; 'make check' passes -j and -Otarget, which keeps each
# script's output together. Longest first: make starts them in this order.
SYM_TESTS := sym-symbolicate sym-page sym-hangs
sym-test: $(SYM_TESTS)  ## symbolication tests: real lldb on the fixtures, fake lldbs
$(SYM_TESTS): sym-%: $(BUILD)/kptrace-batch fixtures $(BUILD)/py/python3
	@PATH="$(CURDIR)/$(BUILD)/py:$$PATH" sh tests/cli/$*.sh $(BUILD)/kptrace-batch $(FIXTURES)

# python3 behind a version manager's shim (pyenv runs shell scripts before every call: half a
# second of CPU each here, some 30 calls in a build's tests) is asked once which interpreter
# it runs; the test scripts find that one first on PATH (no python3: no link, they skip)
$(BUILD)/py/python3:
	@mkdir -p $(dir $@) && py=$$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null); \
	case $$py in /*) ln -sf "$$py" $@ ;; esac

deps: DEB_WANT = $(DEB_PKGS) $(DEB_TEST_PKGS)
deps: BREW_WANT = $(BREW_PKGS) $(BREW_TEST_PKGS)
demo-deps: DEB_WANT = $(DEB_PKGS)
demo-deps: BREW_WANT = $(BREW_PKGS)
deps:  ## install what the build and tests need: Debian packages (apt-get), or on macOS Homebrew's
demo-deps:  ## install what the build and 'make demo' need (not the tests' browser, linters, ...)
deps demo-deps:
	@if [ "$$(uname -s)" = Darwin ]; then \
	  xcode-select -p >/dev/null 2>&1 || { echo "deps: install Xcode's command line tools first (xcode-select --install): cc, ld64, lldb, dsymutil, libxml2, zlib"; exit 1; }; \
	  command -v brew >/dev/null || { echo "deps: Homebrew is needed for $(BREW_WANT) (https://brew.sh)"; exit 1; }; \
	  missing=""; for p in $(BREW_WANT); do brew list --versions $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "deps: brew install$$missing"; brew install $$missing; \
	  else echo "deps: all Homebrew packages present"; fi; \
	  exit 0; \
	fi; \
	missing=""; for p in $(DEB_WANT); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	else echo "deps: all Debian packages present"; fi

unit: $(TESTS)  ## run the cmocka unit tests
	@set -e; for t in $(TESTS); do echo "== $$t"; $$t; done

# longest first (bench/TESTTIME.md): make -j starts them in this order, so that no long
# script is left alone at the end
CLI_TESTS := cli-history_pg cli-run cli-jobs cli-shard cli-inputs cli-hostile cli-hostile2 \
             cli-history cli-cases cli-hostile3 cli-commit cli-memory cli-labels
.PHONY: $(CLI_TESTS) $(SYM_TESTS)
cli-test: $(CLI_TESTS)  ## the command-line tests (tests/cli/cases: CASES_UPDATE=1 rewrites them) and the hostile-input suite
$(CLI_TESTS): cli-%: $(BUILD)/kptrace-batch fixtures $(BUILD)/py/python3
	@PATH="$(CURDIR)/$(BUILD)/py:$$PATH" KPT_FIXTURES=$(FIXTURES) sh tests/cli/$*.sh $(BUILD)/kptrace-batch

golden: $(BUILD)/kptrace-batch fixtures  ## whole outputs against tests/golden (GOLDEN_UPDATE=1 rewrites them)
	@sh tests/cli/golden.sh $(BUILD)/kptrace-batch $(FIXTURES)

fuzz-regress: $(FUZZERS)  ## replay the test inputs and the corpus through every fuzz target
	@sh fuzz/regress.sh $(BUILD)/fuzz

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
fuzz: $(BUILD)/gen/clu_rules_data.c
fuzz:  ## run every fuzz target under libFuzzer (clang) for FUZZ_SECONDS each; crashes land in build/libfuzzer
	@mkdir -p build/libfuzzer; fail=0; \
	for f in fuzz/fuzz_*.c; do n=$$(basename $$f .c); \
	  $(FUZZ_CC) -g -O1 -D_GNU_SOURCE -I. $(DEPS_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o build/libfuzzer/$$n $$f $(LIB_SRCS) $(BUILD)/gen/clu_rules_data.c $(LIBS_ALL) || exit 1; \
	  mkdir -p build/libfuzzer/corpus-$$n; \
	  echo "== $$n for $(FUZZ_SECONDS) s"; \
	  build/libfuzzer/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
	    -artifact_prefix=build/libfuzzer/$$n- -print_final_stats=1 build/libfuzzer/corpus-$$n \
	    tests/data samples fuzz/seeds $(wildcard ../shared/corpus/*/) || fail=1; done; \
	[ $$fail = 0 ] || { echo "fuzz: crashes in build/libfuzzer/*-crash-*"; exit 1; }

test: cli-test sym-test unit golden fuzz-regress check-deps check-cycles check-headers check-man check-format portable-check  ## every test on $(BUILD)

portable-check:  ## the sources with POSIX feature macros only, and the scripts free of GNU-only flags
	@for f in $(LIB_SRCS) driver/main.c; do \
	  $(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -Wall -Werror=implicit-function-declaration \
	    -I. -I$(BUILD) $(DEPS_CFLAGS) -fsyntax-only $$f || { echo "portable-check: $$f needs more than POSIX"; exit 1; }; \
	done; echo "portable-check: every source builds with POSIX feature macros only"
	@sh tools/check-portable.sh

check-man:  ## the manual page: mandoc -Tlint clean, and every long option of driver/cli.c documented
	@command -v mandoc >/dev/null || { echo "check-man: mandoc is missing (make deps installs it)"; exit 1; }
	@mandoc -Tlint -W warning kptrace-batch.1 || { echo "check-man: mandoc -Tlint warns"; exit 1; }
	@bad=0; for o in $$(grep -o '{ *"[a-z-]*", *[a-z_]*_argument' driver/cli.c | sed 's/{ *"\([a-z-]*\)".*/\1/' | sort -u); do \
	  grep -q "^\.It Fl -$$o\b\|Fl -$$o\b" kptrace-batch.1 || { echo "check-man: --$$o is not in kptrace-batch.1"; bad=1; }; \
	done; [ $$bad = 0 ] && echo "check-man: ok"

# 'make check' and 'make sanitize' run their tests side by side: -j one job per core unless
# the caller gave -j, and -Otarget to keep each target's output together
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
PAR = $(if $(filter -j% --jobserver%,$(MAKEFLAGS)),,-j$(JOBS)) -Otarget

# the tests that run code: under ASan+UBSan again. The static checks of 'make test'
# (check-deps, check-cycles, ...) read the same sources and would find the same.
SAN_TESTS := cli-test sym-test unit golden fuzz-regress
SANLOGS := $(CURDIR)/build/san/logs
sanitize:  ## every test again under ASan+UBSan (leaks included); any report fails the run
	@rm -rf $(SANLOGS) && mkdir -p $(SANLOGS)
	ASAN_OPTIONS=log_path=$(SANLOGS)/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$(SANLOGS)/ubsan:print_stacktrace=1 \
	  $(MAKE) $(PAR) BUILD=build/san SAN=1 $(SAN_TESTS)
	@if [ -n "$$(ls $(SANLOGS))" ]; then cat $(SANLOGS)/*; \
	  echo "sanitize: the reports above fail the run"; exit 1; fi; echo "sanitize: no report"

# the fixtures first (both builds read them), then the plain tests and the sanitized ones
# side by side, sharing the jobs
check: deps  ## install deps, then every test, plain and under ASan+UBSan
	$(MAKE) $(PAR) fixtures
	$(MAKE) $(PAR) test sanitize

check-deps:  ## a stage never includes another stage's header; no banned call; numbers read with util/cursor.h only; no bare 'return -1;' (tools/check-errors.sh)
	@bad=0; for d in $(STAGES); do \
	  for o in $(STAGES); do [ $$d = $$o ] && continue; \
	    if grep -n "#include \"$$o/" $$d/*.c $$d/*.h 2>/dev/null; then bad=1; fi; done; done; \
	  if grep -n '#include "\(ingest\|readers\|symbolicate\|cluster\|report\|history\|driver\|model\)/' util/*.[ch]; then bad=1; fi; \
	  if grep -n '#include "\(ingest\|readers\|symbolicate\|cluster\|report\|history\|driver\)/' model/*.[ch]; then bad=1; fi; \
	  if grep -nE '\b(strcpy|strcat|strncpy|strncat|sprintf|vsprintf|strtok|gets|atoi|sscanf) *\(' $(LIB_SRCS) driver/main.c; then bad=1; fi; \
	  if grep -nE '\bstrto(u?l|u?ll|d|f|ld|imax|umax) *\(' $(filter-out util/cursor.c,$(LIB_SRCS)) driver/main.c; then \
	    echo "check-deps: numbers are read with util/cursor.h (checked, bounded), not strto*"; bad=1; fi; \
	  sh tools/check-errors.sh $(LIB_SRCS) driver/main.c || bad=1; \
	  [ $$bad = 0 ] && echo "check-deps: ok" || { echo "check-deps: violations above"; exit 1; }

check-cycles: $(LIB_OBJS)  ## no call loop between the files of a stage (nm, tsort)
	@sh tools/check-cycles.sh $(LIB_OBJS)

# every C file of the tree, as .clang-format writes it (clang-format 14, Debian 12's); to fix:
# clang-format -i FILE. Not the fixture kernel and kext: they are test input, whose line
# numbers the golden outputs show.
FMT_SRCS = $(filter-out ./tests/fixtures/kern.c ./tests/fixtures/kext.c,\
	$(shell find . -path ./build -prune -o -path ./.git -prune -o -name '*.[ch]' -print))
check-format:  ## the tree is formatted as .clang-format says
	@command -v clang-format >/dev/null || { echo "check-format: clang-format is missing (make deps installs it)"; exit 1; }
	@clang-format --dry-run -Werror $(FMT_SRCS) 2>&1 | head -40; \
	  clang-format --dry-run -Werror $(FMT_SRCS) >/dev/null 2>&1 || { echo "check-format: run clang-format -i on the files above"; exit 1; }; \
	  echo "check-format: ok"

check-headers:  ## every header compiles on its own
	@for h in $(HDRS); do printf '#include "%s"\n' $$h | \
	  $(CC) $(WARN) -D_GNU_SOURCE -I. $(DEPS_CFLAGS) -fsyntax-only -x c - || exit 1; done; echo "check-headers: ok"

demo: demo-deps  ## run the tool on samples/ (and the fixture reports, symbolicated) into summary.md
	$(MAKE) $(BUILD)/kptrace-batch samples
	$(BUILD)/kptrace-batch -o summary.md --csv clusters.csv --reports-csv reports.csv \
	  --json summary.json --kdk-root $(FIXTURES)/kdks --kext $(FIXTURES)/kexts \
	  --cache build/demo-cache samples/ $(FIXTURES)/reports; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@cat summary.md

install: $(BUILD)/kptrace-batch  ## install to $(DESTDIR)$(BINDIR)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/kptrace-batch $(DESTDIR)$(BINDIR)/kptrace-batch
	ln -sf kptrace-batch $(DESTDIR)$(BINDIR)/kptrace
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 kptrace-batch.1 $(DESTDIR)$(MANDIR)/man1/kptrace-batch.1
	ln -sf kptrace-batch.1 $(DESTDIR)$(MANDIR)/man1/kptrace.1
	install -d $(DESTDIR)$(PREFIX)/share/kptrace-batch/rules/xnusig-1
	install -m 644 $(RULES) $(DESTDIR)$(PREFIX)/share/kptrace-batch/rules/xnusig-1/

uninstall:  ## remove what install put there
	rm -f $(DESTDIR)$(BINDIR)/kptrace-batch $(DESTDIR)$(BINDIR)/kptrace
	rm -f $(DESTDIR)$(MANDIR)/man1/kptrace-batch.1 $(DESTDIR)$(MANDIR)/man1/kptrace.1
	rm -rf $(DESTDIR)$(PREFIX)/share/kptrace-batch

# the header dependencies the compiler wrote; a .d not there yet is a target with no rule,
# which makes its object out of date
OBJ_DEPS := $(LIB_OBJS:.o=.d) $(BUILD)/driver/main.d
$(OBJ_DEPS):
-include $(wildcard $(OBJ_DEPS) $(TESTS:=.d))

clean:  ## remove build outputs
	rm -rf build summary.md clusters.csv reports.csv summary.json
