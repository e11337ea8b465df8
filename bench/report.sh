#!/bin/sh
# report.sh RAW OUT: the table of medians from run.sh's measurements
# ("ROW FS IM2K PEER REF", one line per run), printed and written to OUT
# (markdown) with a description of the machine.  Each row is followed by
# "ratio NAME VALUE": NAME is the row, with ".ext4j" for the runs on the
# loop-mounted journaled ext4; VALUE is im2k / peer (for
# inbox_bytes_per_notification, the bytes themselves).
raw=$1 out=$2
[ -s "$raw" ] || { echo "report.sh: no measurements in $raw" >&2; exit 111; }

machine() {
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- kernel: $(uname -srm)"
  echo "- cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
  echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "- /: $(findmnt -n -o FSTYPE,OPTIONS /) (journal: $(dumpe2fs -h "$(findmnt -n -o SOURCE /)" 2>/dev/null | grep -q has_journal && echo yes || echo no))"
  echo "- loop: ext4 made by mkfs.ext4 -j on a file under /var/tmp, mounted -o loop (journal: yes)"
  echo "- $(. /etc/os-release; echo "$PRETTY_NAME"); postfix $(dpkg-query -W -f '${Version}' postfix 2>/dev/null), nginx $(dpkg-query -W -f '${Version}' nginx 2>/dev/null), nsd $(dpkg-query -W -f '${Version}' nsd 2>/dev/null), dnsperf $(dpkg-query -W -f '${Version}' dnsperf 2>/dev/null), libsodium $(dpkg-query -W -f '${Version}' libsodium23 2>/dev/null)"
}

# medians per (row, fs), in the order rows first appear
table() {
  awk '
  function med(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    if (n == 0) return "-"
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    k = $1 " " $2
    if (!(k in seen)) { seen[k] = 1; order[++n] = k }
    im[k] = im[k] " " $3; runs[k]++
    if ($4 != "-") pe[k] = pe[k] " " $4
    if ($5 != "-") rf[k] = rf[k] " " $5
  }
  END {
    unit["fanout_visible"] = "s"; goal["fanout_visible"] = "<= 0.1"
    unit["fanout_receiver_bytes"] = "B/rcpt"; goal["fanout_receiver_bytes"] = "0 B for im2k"
    unit["fanout_sender_bytes"] = "B/rcpt"; goal["fanout_sender_bytes"] = "<= 0.05"
    unit["inject_rate"] = "msg/s"; goal["inject_rate"] = ">= 2"
    unit["pickup_rate"] = "msg/s"; goal["pickup_rate"] = ">= 1"
    unit["download_100m"] = "MiB/s"; goal["download_100m"] = ">= 0.6"
    unit["fetchd_rps"] = "answers/s"; goal["fetchd_rps"] = ">= 0.5"
    unit["inbox_bytes_per_notification"] = "B"; goal["inbox_bytes_per_notification"] = "<= 256"
    unit["inbox_rps"] = "/s"; goal["inbox_rps"] = ">= 1"
    peer["fanout_visible"] = "Postfix"; peer["fanout_receiver_bytes"] = "Postfix"
    peer["fanout_sender_bytes"] = "Postfix"; peer["inject_rate"] = "Postfix sendmail"
    peer["pickup_rate"] = "Postfix delivery"; peer["download_100m"] = "UDP sendmmsg pair"
    peer["fetchd_rps"] = "UDP echo pair"; peer["inbox_rps"] = "NSD+dnsperf"
    peer["inbox_bytes_per_notification"] = "-"
    ref["download_100m"] = "nginx+curl"; ref["inbox_bytes_per_notification"] = "RSS kB"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, " "); row = p[1]; fs = p[2]
      a = med(im[k]); b = (k in pe) ? med(pe[k]) : "-"; c = (k in rf) ? med(rf[k]) : "-"
      if (row == "inbox_bytes_per_notification") r = a
      else if (b == "-" || b + 0 == 0) r = "-"
      else r = a / b
      name = row (fs == "root" ? "" : "." fs)
      printf "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d\n", name, fs, unit[row], a, peer[row], b, \
        (c == "-" ? "-" : ref[row] " " c), (r == "-" ? "-" : sprintf("%.4g", r)), goal[row], row, runs[k]
    }
  }' "$raw"
}

rows=$(table)
{
  echo "# im2k benchmarks"
  echo
  echo "Made by \`make bench\` (bench/run.sh); medians of the runs shown."
  echo "Ratios are im2k / peer (for inbox_bytes_per_notification, the bytes"
  echo "per notification); \"fs\" is the file system of the mail benchmarks:"
  echo "root is /, ext4j a loop-mounted journaled ext4.  Loopback only, one"
  echo "machine, im2k and its peer in the same run."
  echo
  echo "## Machine"
  echo
  machine
  echo
  echo "## Results"
  echo
  echo "| row | fs | unit | im2k | peer | peer value | reference | ratio | goal | runs |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  echo "$rows" | awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $11 }'
  echo
  echo "For scripts:"
  echo
  echo '```'
  echo "$rows" | awk -F'|' '{ printf "ratio %s %s\n", $1, $8 }'
  echo '```'
} >"$out"
echo "$rows" | awk -F'|' '{
  printf "%-36s %-6s im2k %-12s %-18s %-12s %-22s goal %s\n", $1, $2, $4 " " $3, $5, $6, $7, $9
  printf "ratio %s %s\n", $1, $8 }'
echo "bench: wrote $out" >&2
