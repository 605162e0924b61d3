#!/usr/bin/env bash
# Finch benchmarks: JMH micro-benchmarks, the load comparison against nginx on 127.0.0.1 (Finch, OkHttp, Apache
# HttpClient 5, Jetty, Reactor Netty, the JDK client, wrk and h2load), JFR profiles of Finch, and the report
# (docs/benchmarks.md, docs/benchmarks/*.csv, docs/benchmarks/throughput.png). About 10 minutes with the defaults.
#
#   benchmarks/run.sh                 the full run
#   benchmarks/run.sh --quick         a smoke run of a minute or two (tiny windows; the results are not meaningful)
#   benchmarks/run.sh --skip-jmh --skip-profile ...
#
# Settings (environment): JAVA_HOME (JDK 17+; 21+ for the profile summaries), H1_PORT=18080, H2_PORT=18081,
# WARMUP=0.5 WINDOW=2 (seconds per client and cell), ROUNDS=1, GLOBAL_WARMUP=2 (seconds per client and protocol),
# CLIENTS (default: all), JMH_ARGS, RESULTS (default docs/benchmarks), PROFILES ("protocol:workload:concurrency ...").
#
# Needs Maven and a JDK; installs nginx, wrk and h2load (Debian/Ubuntu packages) when they are missing. Everything
# listens on 127.0.0.1 only, and nginx is stopped on exit, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE=$ROOT/benchmarks
RESULTS=${RESULTS:-$ROOT/docs/benchmarks}
DOC=$ROOT/docs/benchmarks.md
H1_PORT=${H1_PORT:-18080}
H2_PORT=${H2_PORT:-18081}
WARMUP=${WARMUP:-0.5}
WINDOW=${WINDOW:-2}
ROUNDS=${ROUNDS:-1}
GLOBAL_WARMUP=${GLOBAL_WARMUP:-2}
CLIENTS=${CLIENTS:-}
JMH_ARGS=${JMH_ARGS:--f 1 -wi 2 -w 1s -i 3 -r 1s}
PROFILES=${PROFILES:-http1:get-100B:16 http1:get-1MiB:16}
PROFILE_WINDOW=${PROFILE_WINDOW:-6}
MAX_MINUTES=${MAX_MINUTES:-15}

RUN_JMH=1
RUN_LOAD=1
RUN_PROFILE=1
INSTALL=1
for arg in "$@"; do
  case $arg in
    --quick)
      WARMUP=0.3 WINDOW=0.5 GLOBAL_WARMUP=0.6 PROFILE_WINDOW=1
      JMH_ARGS="-f 1 -wi 1 -w 200ms -i 1 -r 200ms"
      RESULTS=${RESULTS_QUICK:-$(mktemp -d /tmp/finch-bench-quick.XXXXXX)}
      DOC=$RESULTS/benchmarks.md
      cp "$ROOT/docs/benchmarks.md" "$DOC" 2>/dev/null || true
      ;;
    --skip-jmh) RUN_JMH=0 ;;
    --skip-load) RUN_LOAD=0 ;;
    --skip-profile) RUN_PROFILE=0 ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
log() { printf '\n== %s (%ds)\n' "$*" $(( $(date +%s) - started )); }

# ------------------------------------------------------------------------------------------------ tools
if [[ -n ${JAVA_HOME:-} ]]; then JAVA=$JAVA_HOME/bin/java; JFR=$JAVA_HOME/bin/jfr; else JAVA=java; JFR=jfr; fi
command -v "$JAVA" >/dev/null || { echo "no java: set JAVA_HOME to a JDK 17+" >&2; exit 1; }
command -v mvn >/dev/null || { echo "Maven (mvn) is needed" >&2; exit 1; }
JAVA_MAJOR=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
(( JAVA_MAJOR >= 17 )) || { echo "JDK 17+ needed, found $JAVA_MAJOR" >&2; exit 1; }

missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v h2load >/dev/null || missing+=(nghttp2-client)
command -v curl >/dev/null || missing+=(curl)
command -v fc-list >/dev/null || missing+=(fontconfig fonts-dejavu-core) # the chart needs a font
if (( ${#missing[@]} )); then
  (( INSTALL )) || { echo "missing: ${missing[*]} (run without --no-install)" >&2; exit 1; }
  log "installing ${missing[*]}"
  SUDO=; (( EUID == 0 )) || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# Identical for every client; the harness runs in a JVM of its own.
JVM_FLAGS=(-Xms2g -Xmx2g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
(( JAVA_MAJOR >= 22 )) && JVM_FLAGS+=(--enable-native-access=ALL-UNNAMED)
# Netty turns its Unsafe paths off on Java 25+ unless this is given; allowing it is what a tuned deployment does.
(( JAVA_MAJOR >= 23 )) && JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow)

# ------------------------------------------------------------------------------------------------ build
log "building benchmarks/target/benchmarks.jar"
# spotless is skipped: its formatter does not run on every JDK, and a benchmark run must not rewrite sources.
(cd "$ROOT" && mvn -B -q -Pbenchmarks -pl benchmarks -am -DskipTests -Dspotless.skip=true package)
JAR=$MODULE/target/benchmarks.jar
mkdir -p "$RESULTS"

# ------------------------------------------------------------------------------------------------ nginx
TMP=$(mktemp -d /tmp/finch-bench.XXXXXX)
NGINX_STARTED=0
cleanup() {
  local rc=$?
  if (( NGINX_STARTED )) && [[ -f $TMP/nginx.pid ]]; then
    kill -QUIT "$(cat "$TMP/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [[ -f $TMP/nginx.pid ]] || break; sleep 0.1; done
    [[ -f $TMP/nginx.pid ]] && kill -KILL "$(cat "$TMP/nginx.pid")" 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
# Long steps run in the background and are waited for, so that a signal is handled at once (bash defers traps while
# a foreground command runs): the step's processes are stopped, then cleanup stops nginx.
CHILD=
on_signal() {
  if [[ -n $CHILD ]]; then
    pkill -TERM -P "$CHILD" 2>/dev/null || true
    kill -TERM "$CHILD" 2>/dev/null || true
  fi
  exit 130
}
trap on_signal INT TERM
step() {
  "$@" &
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=
  return $rc
}

for port in "$H1_PORT" "$H2_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port on 127.0.0.1 is in use; set H1_PORT / H2_PORT" >&2; exit 1
  fi
done

log "starting nginx on 127.0.0.1:$H1_PORT (HTTP/1.1) and 127.0.0.1:$H2_PORT (h2c)"
mkdir -p "$TMP/www" "$TMP/client_body" "$TMP/proxy" "$TMP/fastcgi" "$TMP/uwsgi" "$TMP/scgi"
head -c 100 /dev/zero | tr '\0' 'x' > "$TMP/www/100b"
head -c 1048576 /dev/zero | tr '\0' 'x' > "$TMP/www/1m"
head -c 65536 /dev/zero | tr '\0' 'y' > "$TMP/post.bin"
USER_LINE=""
(( EUID == 0 )) && USER_LINE="user root;" # workers must read the files in our private temp dir
for f in nginx.conf post.conf; do
  sed -e "s#@DIR@#$TMP#g" -e "s#@H1_PORT@#$H1_PORT#g" -e "s#@H2_PORT@#$H2_PORT#g" -e "s#@USER@#$USER_LINE#" \
    "$MODULE/nginx/$f" > "$TMP/$f"
done
"$NGINX" -t -q -p "$TMP" -c "$TMP/nginx.conf"
"$NGINX" -p "$TMP" -c "$TMP/nginx.conf"
NGINX_STARTED=1
for _ in $(seq 50); do [[ -s $TMP/nginx.pid ]] && break; sleep 0.1; done

# Smoke test: every URL answers as the workloads expect, over both protocols.
check() { [[ $2 == "$3" ]] || { echo "smoke test failed: $1: got '$2', want '$3'" >&2; exit 1; }; }
check "GET /100b" "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$H1_PORT/100b")" "200 100"
check "GET /1m" "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$H1_PORT/1m")" "200 1048576"
check "POST /post" "$(curl -s --data-binary @"$TMP/post.bin" "http://127.0.0.1:$H1_PORT/post")" "ok"
check "h2c GET /100b" "$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{size_download}' \
  "http://127.0.0.1:$H2_PORT/100b")" "2 100"
check "h2c POST /post" "$(curl -s --http2-prior-knowledge --data-binary @"$TMP/post.bin" \
  "http://127.0.0.1:$H2_PORT/post")" "ok"

# ------------------------------------------------------------------------------------------------ run
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo "?")
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo "?")
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
{
  echo "run: $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($cpu), $mem, $(uname -sr)"
  echo "JDK: $("$JAVA" -version 2>&1 | head -2 | tail -1); harness flags: ${JVM_FLAGS[*]}"
  echo "server: $("$NGINX" -v 2>&1 | sed 's/nginx version: //'), 1 worker, 127.0.0.1 (config: benchmarks/nginx/); tools: wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), $(h2load --version 2>&1 | head -1)"
  echo "settings: JMH \`$JMH_ARGS -prof gc\`; load: global warm-up ${GLOBAL_WARMUP} s per client and protocol, then per client and cell a ${WARMUP} s warm-up and a ${WINDOW} s window, ${ROUNDS} round(s), client order rotated from cell to cell"
} > "$RESULTS/machine.txt"

jmh() {
  # shellcheck disable=SC2086 # JMH_ARGS is a list of options
  "$JAVA" -jar "$JAR" $JMH_ARGS -prof gc -rf csv -rff "$RESULTS/jmh.csv" > "$TMP/jmh.log" 2>&1
}
if (( RUN_JMH )); then
  log "JMH micro-benchmarks ($JMH_ARGS -prof gc)"
  step jmh || { tail -40 "$TMP/jmh.log" >&2; exit 1; }
  grep -E '^(Benchmark|[A-Za-z0-9]+Benchmark\.[a-zA-Z]+ )' "$TMP/jmh.log" | grep -v ':gc\.\(count\|time\)' || true
fi

if (( RUN_LOAD )); then
  log "load comparison"
  args=(--http1 "http://127.0.0.1:$H1_PORT" --h2c "http://127.0.0.1:$H2_PORT" --warmup "$WARMUP" --window "$WINDOW"
        --rounds "$ROUNDS" --global-warmup "$GLOBAL_WARMUP" --max-minutes "$MAX_MINUTES" --out "$RESULTS/load.csv")
  [[ -n $CLIENTS ]] && args+=(--clients "$CLIENTS")
  load() {
    "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.finch.bench.load.LoadComparison "${args[@]}" 2>&1 \
      | grep -v -e '^WARNING' | tee "$RESULTS/load.log"
  }
  step load
  sleep 1.5 # post.log is flushed every second
  if [[ -f $TMP/post.log ]]; then
    awk '{ n++; if ($2 < 65536) short++ } END {
      printf "POST bodies: nginx logged %d POSTs, %d with fewer than 65,536 request bytes (requests cut off when a run ended)\n", n, short }' \
      "$TMP/post.log" | tee -a "$RESULTS/machine.txt"
  fi
fi

if (( RUN_PROFILE )) && (( JAVA_MAJOR >= 21 )); then
  finch=finch-conn
  grep -q '^[^,]*,[^,]*,[^,]*,finch,' "$RESULTS/load.csv" 2>/dev/null && finch=finch
  for p in $PROFILES; do
    IFS=: read -r proto workload conc <<< "$p"
    name="profile-$finch-$proto-$workload-c$conc"
    log "JFR profile of $finch: $proto $workload c=$conc"
    delay=$(awk -v a="$GLOBAL_WARMUP" -v b="$WARMUP" 'BEGIN {printf "%d", a + b + 1}')
    profile() {
      "$JAVA" "${JVM_FLAGS[@]}" "-XX:StartFlightRecording=delay=${delay}s,settings=profile,filename=$TMP/$name.jfr" \
        -cp "$JAR" dev.finch.bench.load.LoadComparison --protocols "$proto" --"$proto" \
        "http://127.0.0.1:$([[ $proto == h2c ]] && echo "$H2_PORT" || echo "$H1_PORT")" --clients "$finch" \
        --workloads "$workload" --concurrency-"$proto" "$conc" --no-baselines --global-warmup "$GLOBAL_WARMUP" \
        --warmup "$WARMUP" --window "$PROFILE_WINDOW" --out "$TMP/$name.csv" 2>&1 | grep -E '^\s+finch' || true
    }
    step profile
    {
      echo "# JFR profile of $finch, $proto $workload c=$conc, ${PROFILE_WINDOW} s window (benchmarks/run.sh)"
      "$JFR" view --width 180 hot-methods "$TMP/$name.jfr"
      "$JFR" view --width 180 allocation-by-class "$TMP/$name.jfr"
    } > "$RESULTS/$name.txt" 2>&1 || true
  done
fi

echo "load average: before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (1, 5, 15 min; other work on the machine shows here)" >> "$RESULTS/machine.txt"

log "report"
"$JAVA" -cp "$JAR" dev.finch.bench.report.Report --results "$RESULTS" --doc "$DOC"
log "done: $DOC, $RESULTS/"
