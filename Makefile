# im2k: Internet Mail 2000.  `make` builds, `make test` tests, `make demo`
# runs two ISPs end to end, `make demo-smtp` one ISP and the old world
# (SMTP in and out).  SAN=1 builds with ASan and UBSan.
# `make setup DOMAIN=a.example IP=192.0.2.1` installs (the home named in
# conf-home, under DESTDIR when set), `make check` checks the installation.

CC ?= cc
WERROR ?= -Werror
CFLAGS ?= -O2 -g
WARN = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
  -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 \
  -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(WERROR)
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
B = build/san
else
SANFLAGS =
B = build/std
endif
ALLCFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -Ilib -I$(B)
LDLIBS = -lsodium -lcdb -lresolv

LIBMODS = die buf kept bytes hex file mdq maildir table addr netstr job token rfc822 envelope \
  servers home status packet msg udp keys lines ctl priv server hier smtp dns discover smtpc stamp \
  grow prioq htab backoff window
LIBOBJ = $(LIBMODS:%=$(B)/lib/%.o) $(B)/lib/auto_home.o $(B)/lib/auto_users.o

PROGS = im2k-inject/im2k-inject im2k-inject/im2k-smtpd \
  im2k-archive/im2k-archive im2k-archive/im2k-status \
  im2k-notifyd/im2k-notifyd im2k-notifyd/im2k-remote \
  im2k-inboxd/im2k-inboxd im2k-fetchd/im2k-fetchd im2k-pickup/im2k-pickup \
  im2k-admin/im2k-setup im2k-admin/im2k-check im2k-admin/im2k-mkarchive \
  im2k-admin/im2k-servers im2k-admin/im2k-users im2k-admin/im2k-keygen
BINS = $(addprefix $(B)/bin/,$(notdir $(PROGS)))

UNITS = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/t_*.c))
UNITBINS = $(UNITS:%=$(B)/tests/%)
TOOLS = $(B)/tests/im2k-probe $(B)/tests/im2k-relay $(B)/tests/im2k-notes $(B)/tests/im2k-index $(B)/tests/im2k-fault.so

.PHONY: all test unit scenario demo demo-smtp demo-stop clean deps check-deps fuzz bench torture setup check stampcost
all: $(BINS) $(UNITBINS) $(TOOLS)

$(B)/lib/auto_home.c: conf-home
	@mkdir -p $(@D)
	printf 'const char auto_home[] = "%s";\n' "$$(head -n 1 conf-home)" > $@
$(B)/lib/auto_users.c: conf-users
	@mkdir -p $(@D)
	{ printf '#include "users.h"\nconst char *const auto_users[USERS_N] = {\n'; \
	  head -n 7 conf-users | sed 's/.*/  "&",/'; printf '};\n'; } > $@
$(B)/lib/auto_users.o: lib/users.h

$(B)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c -o $@ $<
$(B)/lib/auto_%.o: $(B)/lib/auto_%.c
	$(CC) $(ALLCFLAGS) -c -o $@ $<
$(B)/libim2k.a: $(LIBOBJ)
	rm -f $@ && ar rcs $@ $(LIBOBJ)

define prog
$(B)/bin/$(notdir $(1)): $(1).c $(B)/libim2k.a lib/*.h
	@mkdir -p $$(@D)
	$$(CC) $$(ALLCFLAGS) -o $$@ $(1).c $(B)/libim2k.a $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog,$(p))))

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libim2k.a
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -Itests/unit -o $@ $< $(B)/libim2k.a $(LDLIBS)

$(B)/tests/im2k-%: tests/tools/im2k-%.c $(B)/libim2k.a lib/*.h
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -o $@ $< $(B)/libim2k.a $(LDLIBS)

# the fault library the torture tests preload: no sanitizer in it (it is
# loaded before the sanitizer's runtime), no fortified wrappers
$(B)/tests/im2k-fault.so: tests/tools/im2k-fault.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra $(WERROR) $(CFLAGS) -U_FORTIFY_SOURCE -fPIC -shared -o $@ $< -ldl

# Debian packages the build and the tests need; installed when root.
# swaks and postfix (for smtp-source and smtp-sink, left unconfigured: see
# tests/deps.sh) are the old world's SMTP peers; tinydns serves DNS tests.
DEPS = libsodium-dev libcdb-dev tinycdb daemontools ucspi-tcp strace python3 \
  swaks postfix tinydns groff-base man-db
deps:
	@sh tests/deps.sh $(DEPS)

# make setup DOMAIN=a.example IP=192.0.2.1 [INBOXPORT=2000] [FETCHPORT=2001]
# [DESTDIR=/stage]: the accounts in conf-users (as root, DESTDIR empty),
# then im2k-setup on $(DESTDIR)HOME, HOME being line 1 of conf-home.  With
# DESTDIR, im2k-setup -d sets no owners (a packager's build runs
# unprivileged) and writes run scripts for HOME.  make check: im2k-check.
DESTOPT = $(if $(DESTDIR),-d $(abspath $(DESTDIR)))
PORTS = $(if $(FETCHPORT),$(or $(INBOXPORT),2000) $(FETCHPORT),$(INBOXPORT))
setup: all
	@[ -n "$(DOMAIN)" ] && [ -n "$(IP)" ] || { echo "usage: make setup DOMAIN=a.example IP=192.0.2.1 [INBOXPORT=2000] [FETCHPORT=2001] [DESTDIR=/stage]" >&2; exit 100; }
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then sh im2k-admin/accounts.sh conf-users; fi
	@$(B)/bin/im2k-setup $(DESTOPT) "$$(head -n 1 conf-home)" "$(DOMAIN)" "$(IP)" $(PORTS)
	@# the SMTP gateway's archive (conf-users line 7), where im2k-smtpd stores
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then "$$(head -n 1 conf-home)/bin/im2k-mkarchive" "$$(sed -n 7p conf-users)" >/dev/null; fi
check: all
	@$(B)/bin/im2k-check $(DESTOPT) "$$(head -n 1 conf-home)"

test: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) KEEP=$(KEEP) sh tests/demo.sh
# one ISP on 127.0.7.2 and the old world: swaks in through im2k-smtpd,
# im2k-remote out to Postfix's smtp-sink on 127.0.7.3 (old.example's
# route in control/smtproutes); shares demo-run/ with make demo, and
# demo-stop stops either
demo-smtp: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) KEEP=$(KEEP) sh tests/demo-smtp.sh
demo-stop:
	@sh tests/demo.sh stop

# libFuzzer harnesses (clang): each runs FUZZTIME seconds
FUZZTIME ?= 60
fuzz:
	@sh tests/deps.sh clang libclang-rt-14-dev
	sh fuzz/run.sh $(FUZZTIME)

# benchmarks beside Postfix, nginx and NSD, on loopback (root, Debian):
# installs what it needs, writes bench/results.md; never part of make test.
# BENCHREPS runs of each (default 3), BENCHONLY limits the rows.
BENCHTOOLS = $(B)/bench/udpbench $(B)/bench/im2kb-load $(B)/bench/stampcost
$(B)/bench/udpbench: bench/udpbench.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -o $@ $<
$(B)/bench/im2kb-load: bench/im2kb-load.c $(B)/libim2k.a lib/*.h
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -o $@ $< $(B)/libim2k.a $(LDLIBS)
$(B)/bench/stampcost: bench/stampcost.c $(B)/libim2k.a lib/*.h
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -o $@ $< $(B)/libim2k.a $(LDLIBS)
# what postage costs a sender and its receiver (prints; no peer, no
# results file): make stampcost
stampcost: $(B)/bench/stampcost
	@$(B)/bench/stampcost
bench: deps
	@$(MAKE) --no-print-directory all $(BENCHTOOLS)
	@B=$(B) sh bench/run.sh

# the crash, fault, bad-input, bound and network tests, deep: at least
# 1,000 crash trials and 1,000 fault trials (as root; TORTURE_VALGRIND=1
# runs the daemons under valgrind memcheck)
torture: deps
	@[ -z "$(TORTURE_VALGRIND)" ] || sh tests/deps.sh valgrind
	@$(MAKE) --no-print-directory all
	@B=$(B) sh tests/torture/run.sh

clean:
	rm -rf build
