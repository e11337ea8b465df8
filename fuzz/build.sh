#!/bin/sh
# build.sh: build the libFuzzer harnesses fuzz/fuzz_*.c into build/fuzz/.
# The library is compiled with ASan+UBSan and coverage (fuzzer-no-link),
# every harness linked with -fsanitize=fuzzer.  Usage: fuzz/build.sh [NAME...]
# (NAME as in fuzz_NAME.c; all when none).  CC (clang), LIBWERROR and
# WERROR may be overridden from the environment.
set -eu
cd "$(dirname "$0")/.."

CC=${CC:-clang}
# clang's -Wformat=2 also flags the va_list formats in lib/die.c that gcc
# accepts, so the library is built without -Werror; the harnesses with it.
LIBWERROR=${LIBWERROR-}
WERROR=${WERROR--Werror}
B=build/fuzz
# the Makefile's WARN, less -Werror
WARN="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 \
-fstack-protector-strong -D_FORTIFY_SOURCE=2"
# UBSan must abort, not print and carry on, or libFuzzer never sees it.
SAN="address,undefined"
COMMON="-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -Ilib -I$B"
LIBCFLAGS="$WARN $LIBWERROR $COMMON -fsanitize=fuzzer-no-link,$SAN"
FUZZCFLAGS="$WARN $WERROR $COMMON -fsanitize=fuzzer,$SAN"
LDLIBS="-lsodium -lcdb -lresolv"

mkdir -p "$B/obj"

# the same generated files as the Makefile's $(B)/lib/auto_*.c
printf 'const char auto_home[] = "%s";\n' "$(head -n 1 conf-home)" > "$B/auto_home.c.tmp"
{ printf '#include "users.h"\nconst char *const auto_users[USERS_N] = {\n'
  head -n 7 conf-users | sed 's/.*/  "&",/'
  printf '};\n'; } > "$B/auto_users.c.tmp"
for f in auto_home auto_users; do
  if cmp -s "$B/$f.c.tmp" "$B/$f.c"; then rm -f "$B/$f.c.tmp"
  else mv "$B/$f.c.tmp" "$B/$f.c"; fi
done

# compile a source when its object is missing or older than it or than
# any header in lib/
objs=""
for src in lib/*.c "$B/auto_home.c" "$B/auto_users.c"; do
  o="$B/obj/$(basename "$src" .c).o"
  objs="$objs $o"
  if [ ! -f "$o" ] || [ -n "$(find "$src" lib/*.h -newer "$o" | head -n 1)" ]; then
    echo "cc $src"
    $CC $LIBCFLAGS -c -o "$o" "$src"
  fi
done
rm -f "$B/libim2k-fuzz.a"
ar rcs "$B/libim2k-fuzz.a" $objs

if [ $# -eq 0 ]; then
  for h in fuzz/fuzz_*.c; do
    n=${h#fuzz/fuzz_}
    set -- "$@" "${n%.c}"
  done
fi
for n in "$@"; do
  echo "ld $B/fuzz_$n"
  $CC $FUZZCFLAGS -o "$B/fuzz_$n" "fuzz/fuzz_$n.c" "$B/libim2k-fuzz.a" $LDLIBS
done
