# demolib.sh: shared by demo.sh and demo-smtp.sh (sourced, after TOP, B
# and say are set).  demo_place ARG: with ARG "stop", stop the demo that
# runs in demo-run/ and exit; else stop any demo still running there and
# lay out a fresh demo-run/.  Sets D and T to it and sources tests/lib.sh.
# demouser NAME: the demo account NAME, made by the demo, at home in
# $D/home/NAME.

demo_place() {
  D=
  if [ -L demo-run ] || [ -d demo-run ]; then
    D=$(cd demo-run 2>/dev/null && pwd -P)
  fi
  if [ "$1" = stop ]; then
    [ -n "$D" ] || { say "nothing to stop"; exit 0; }
    T=$D; . tests/lib.sh; stop; say "stopped"; exit 0
  fi
  if [ -n "$D" ] && [ -f "$D/svscan.pid" ]; then
    T=$D; . tests/lib.sh; stop
  fi
  # demo-run must be reachable by the demo's accounts: if a parent
  # directory is closed to others, the demo lives in /var/tmp and
  # demo-run points there
  if setuidgid nobody test -x "$TOP" 2>/dev/null; then
    [ -L demo-run ] && rm -f demo-run
    rm -rf demo-run && mkdir demo-run || exit 111
    D="$TOP/demo-run"
  else
    rm -rf /var/tmp/im2k-demo demo-run
    mkdir -p /var/tmp/im2k-demo && ln -s /var/tmp/im2k-demo demo-run || exit 111
    D=/var/tmp/im2k-demo
  fi
  chmod 755 "$D"
  T=$D
  . tests/lib.sh
}

demouser() {
  if getent passwd "$1" >/dev/null; then
    getent passwd "$1" | cut -d: -f5 | grep -q '^im2k demo$' ||
      die "an account $1 exists that the demo did not make: not touching it"
    [ "$(getent passwd "$1" | cut -d: -f6)" = "$D/home/$1" ] || usermod -d "$D/home/$1" "$1" || die "usermod $1"
  else
    useradd --no-create-home --home-dir "$D/home/$1" --shell /bin/sh -c "im2k demo" -U "$1" || die "useradd $1"
  fi
  mkdir -p "$D/home/$1" && chown "$1:" "$D/home/$1" && chmod 700 "$D/home/$1"
}
