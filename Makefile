# icc - interactive container commands.  See README.md and docs/.
#
#   make            build icc and icc-fs
#   make demo       install packages if missing, build, run icc's main job
#   make check      install test packages if missing, build, lint, run all tests
#   make asan       build with ASan/UBSan into build-asan/ and run the tests
#   make bench      benchmarks (tests/bench/), not part of check
#   make stress     repeated concurrency/fault suites; make fuzz: libFuzzer targets
#   make fresh-check the README's two commands on a bare Debian 12 tree (slow)
#   make install    PREFIX=/usr/local DESTDIR=  (binaries, man pages, bash completion)
#   make uninstall  the same PREFIX and DESTDIR
#   make man        rebuild docs/man/*.[178] from the scdoc sources (committed, so
#                   `man ./docs/man/icc.1` works without building)

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

# pkg-config is asked only when a compile or link needs it (recursive `=`
# plus a cache), never at parse time: on a bare machine `make demo` installs
# pkg-config and the -dev packages first (the deps target), and the build that
# follows runs in a sub-make that sees them.
PKGS     := fuse3 libbtrfsutil libcjson libarchive libcrypto vterm
PKG_CFLAGS = $(or $(_pkg_cflags),$(eval _pkg_cflags := $(call pkg_query,--cflags))$(_pkg_cflags))
PKG_LIBS   = $(or $(_pkg_libs),$(eval _pkg_libs := $(call pkg_query,--libs))$(_pkg_libs))
pkg_query  = $(shell pkg-config $(1) $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation \
	   -Wformat=2 -Wformat-nonliteral -Wformat-security \
	   -D_GNU_SOURCE -DFUSE_USE_VERSION=314 -Iinclude $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread $(EXTRA_LDLIBS)

LIB_SRC   := $(filter-out fs/daemon/%,$(wildcard fs/*/*.c))
FS_SRC    := $(wildcard fs/daemon/*.c)
CLI_SRC   := $(wildcard cli/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
FS_OBJ    := $(FS_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBICC := $(BUILD)/libicc.a
LIBCLI := $(BUILD)/libcli.a # the CLI without main(), for unit tests of its printers
ICC    := $(BUILD)/icc
ICCFS  := $(BUILD)/icc-fs

MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
MAN_SRC := $(wildcard docs/man/*.scd)
MAN_OUT := $(MAN_SRC:.scd=)

.PHONY: all demo check unit e2e asan fuzz stress bench install uninstall clean deps test-deps man \
	fresh-check pkgs-present lint

all: $(ICC) $(ICCFS)

# A build on a machine without the -dev packages says so once, up front.
pkgs-present:
	@pkg-config --exists $(PKGS) 2>/dev/null || { \
	  echo "icc: build packages missing (pkg-config $(PKGS)); run 'make deps' as root" >&2; exit 1; }

$(BUILD)/%.o: %.c $(wildcard include/icc/*/*.h fs/daemon/*.h cli/*.h) | pkgs-present
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(LIBICC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(LIBCLI): $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(ICC): $(CLI_OBJ) $(LIBICC)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIBICC) $(LDFLAGS) $(LDLIBS)

$(ICCFS): $(FS_OBJ) $(LIBICC)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $(FS_OBJ) $(LIBICC) $(LDFLAGS) $(LDLIBS)

# Unit tests: each tests/unit/test_X.c may define __wrap_F functions; the
# matching -Wl,--wrap=F flags are derived from the source.
$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBCLI) $(LIBICC)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIBCLI) $(LIBICC) \
	  $(shell grep -o '__wrap_[A-Za-z0-9_]*' $< | sort -u | sed 's/__wrap_/-Wl,--wrap=/') \
	  $(LDFLAGS) $(LDLIBS) -lcmocka

deps:
	@sh .ci/install-deps run

test-deps:
	@sh .ci/install-deps test

demo: deps
	@$(MAKE) --no-print-directory all
	@ICC=$(abspath $(ICC)) sh tests/demo.sh

unit: $(UNIT_BIN)

e2e: all

check: test-deps
	@$(MAKE) --no-print-directory all unit lint
	@sh tests/run.sh $(BUILD)

# Static checks of the tree (tests/lint/): no dependency cycles between files,
# no broken && chains in the e2e tests, no function in fs/ over 120 lines.
lint: all
	@sh tests/lint/include-cycles.sh $(BUILD)
	@sh tests/lint/chainlint.sh
	@long=$$(sh tests/lint/long-functions.sh 120); [ -z "$$long" ] || { echo "functions over 120 lines in fs/:"; echo "$$long"; exit 1; }
	@sh tests/lint/layout-doc.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  EXTRA_LDLIBS="-fsanitize=address,undefined" all unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 sh tests/run.sh build-asan

stress: all
	@ICC_STRESS_ROUNDS=$${ICC_STRESS_ROUNDS:-20} TESTS='t7*' sh tests/run.sh $(BUILD)

fuzz:
	@sh tests/fuzz/run.sh

# The README's two commands on a bare Debian 12 (debootstrap, pivot_root).
fresh-check:
	@sh tests/fresh/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/run.sh $(BUILD)

man: $(MAN_OUT)

# The page's date is the last commit of its source (reproducible on any day).
$(MAN_OUT): %: %.scd
	@echo "  SCDOC   $@"
	@SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct -- $< 2>/dev/null) && \
	  { [ -n "$$SOURCE_DATE_EPOCH" ] || unset SOURCE_DATE_EPOCH; } && \
	  scdoc <$< >$@.tmp && mv $@.tmp $@

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(ICC) $(DESTDIR)$(PREFIX)/bin/icc
	install -m 0755 $(ICCFS) $(DESTDIR)$(PREFIX)/sbin/icc-fs
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 cli/icc.bash $(DESTDIR)$(BASHCOMPDIR)/icc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/icc $(DESTDIR)$(PREFIX)/sbin/icc-fs
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard docs/man/*.1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(wildcard docs/man/*.7)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard docs/man/*.8)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/icc

clean:
	rm -rf build build-asan
