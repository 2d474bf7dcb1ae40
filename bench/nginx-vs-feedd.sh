#!/usr/bin/env bash
# bench/nginx-vs-feedd.sh: feedd against nginx serving the very same bytes.
#
# Builds feedd, seeds a store (or uses STORE_DB), starts feedd and nginx
# (Debian's nginx-light) on loopback, copies into nginx's root the bytes
# feedd serves for the posts feed and for NTHREADS random thread feeds
# (each with feedd's own gzip bytes beside it as .gz, served by
# gzip_static), then loads both with wrk, server on CPU 0 and wrk on CPU
# 1, in alternating rounds, for four cases:
#
#   posts-identity  GET /feeds/posts.atom
#   posts-gzip      the same with Accept-Encoding: gzip
#   posts-304       the same with If-None-Match: the server's own ETag
#   threads         NTHREADS random thread feeds (a wrk Lua script)
#
# It reads each server's CPU time (utime+stime of /proc/PID/stat, all of
# nginx's processes) before and after each run, and prints, per case,
# requests per second and CPU per request of both and their feedd/nginx
# ratios. Loopback only; it stops the servers and removes its files when
# it ends, however it ends.
#
# Knobs (environment): DURATION (wrk seconds per run, 10), ROUNDS (3),
# CONNECTIONS (64), POSTS and COMMENTS (the fixture seeded when STORE_DB
# is unset: 10000 posts × 10), STORE_DB (an existing SQLite store to serve
# instead), NTHREADS (10000), FEEDD_PORT (18080), NGINX_PORT (18081),
# FEEDD_BIN (a feedd binary to run instead of building this tree's, for
# a baseline: an earlier commit's, over a STORE_DB of its schema), KEEP=1
# (keep the work directory).
#
#   bench/nginx-vs-feedd.sh                     # about 5 minutes
#   DURATION=20 ROUNDS=5 bench/nginx-vs-feedd.sh
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
POSTS=${POSTS:-10000}
COMMENTS=${COMMENTS:-10}
NTHREADS=${NTHREADS:-10000}
FEEDD_PORT=${FEEDD_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
STORE_DB=${STORE_DB:-}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/feedd-bench.XXXXXX)
chmod 755 "$work" # nginx's workers read its root
feedd_pid=
nginx_pid=
wrk_pid=

cleanup() {
	set +e
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	[ -n "$feedd_pid" ] && kill "$feedd_pid" 2>/dev/null && wait "$feedd_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null || break
		sleep 0.2
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

# Tools.
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
	log "installing nginx-light and wrk"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
for t in wrk taskset curl python3 go; do
	command -v "$t" >/dev/null || { log "missing $t"; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	log "needs 2 CPUs (server on 0, wrk on 1)"
	exit 1
fi

if [ -n "${FEEDD_BIN:-}" ]; then
	log "using feedd $FEEDD_BIN"
	cp "$FEEDD_BIN" "$work/feedd"
else
	log "building feedd"
	go build -o "$work/feedd" ./cmd/feedd
fi

db=${STORE_DB:-$work/feedd.db}
cat >"$work/config.yaml" <<YAML
listen: 127.0.0.1:$FEEDD_PORT
site: {title: Bench, base_url: "http://127.0.0.1:$FEEDD_PORT"}
store: {driver: sqlite, dsn: "$db"}
log: {level: warn}
YAML
if [ -z "$STORE_DB" ]; then
	log "seeding $POSTS posts × $COMMENTS comments"
	go build -o "$work/feedd-seed" ./cmd/feedd-seed
	"$work/feedd-seed" --config "$work/config.yaml" --posts "$POSTS" --comments-per-post "$COMMENTS" >&2
fi

log "starting feedd on 127.0.0.1:$FEEDD_PORT (CPU 0)"
taskset -c 0 "$work/feedd" serve --config "$work/config.yaml" >"$work/feedd.log" 2>&1 &
feedd_pid=$!
feedd=http://127.0.0.1:$FEEDD_PORT
for _ in $(seq 100); do
	curl -fs "$feedd/healthz" >/dev/null 2>&1 && break
	kill -0 "$feedd_pid" 2>/dev/null || { cat "$work/feedd.log" >&2; exit 1; }
	sleep 0.1
done
curl -fs "$feedd/healthz" >/dev/null

# The bytes feedd serves, into nginx's root under the same paths.
root=$work/root
mkdir -p "$root/feeds"
fetch() { # path: the identity and the gzip bytes, as feedd serves them
	mkdir -p "$root$(dirname "$1")"
	curl -fsS -o "$root$1" "$feedd$1"
	curl -fsS -H 'Accept-Encoding: gzip' -o "$root$1.gz" "$feedd$1"
}
fetch /feeds/posts.atom
gzip -t "$root/feeds/posts.atom.gz"

log "listing the posts"
python3 - "$feedd" >"$work/posts.txt" <<'PY'
import json, sys, urllib.parse, urllib.request
base, cursor = sys.argv[1], None
while True:
    url = base + "/api/posts?limit=100" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    page = json.load(urllib.request.urlopen(url))
    for p in page["posts"]:
        print(p["id"])
    cursor = page.get("next_cursor")
    if not cursor:
        break
PY
shuf -n "$NTHREADS" --random-source=<(yes) "$work/posts.txt" | sed 's#.*#/feeds/posts/&/comments.atom#' >"$work/threads.txt"
log "fetching $(wc -l <"$work/threads.txt") thread feeds from feedd"
: >"$work/curl-id.cfg"
: >"$work/curl-gz.cfg"
while read -r p; do
	mkdir -p "$root$(dirname "$p")"
	printf 'url = "%s%s"\noutput = "%s%s"\n' "$feedd" "$p" "$root" "$p" >>"$work/curl-id.cfg"
	printf 'url = "%s%s"\noutput = "%s%s.gz"\n' "$feedd" "$p" "$root" "$p" >>"$work/curl-gz.cfg"
done <"$work/threads.txt"
curl -fsS --no-progress-meter --parallel --parallel-max 8 -K "$work/curl-id.cfg"
curl -fsS --no-progress-meter --parallel --parallel-max 8 -H 'Accept-Encoding: gzip' -K "$work/curl-gz.cfg"

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	gzip_static on;
	types { application/atom+xml atom; }
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $root;
	}
}
NGINX
log "starting nginx on 127.0.0.1:$NGINX_PORT (CPU 0)"
taskset -c 0 "$nginx_bin" -c "$work/nginx.conf" -p "$work" >"$work/nginx.out" 2>&1 &
nginx_pid=$!
nginx=http://127.0.0.1:$NGINX_PORT
for _ in $(seq 50); do
	curl -fs -o /dev/null "$nginx/feeds/posts.atom" && break
	sleep 0.1
done

# Both serve the same bytes.
for enc in identity gzip; do
	a=$(curl -fsS -H "Accept-Encoding: $enc" "$feedd/feeds/posts.atom" | sha256sum)
	b=$(curl -fsS -H "Accept-Encoding: $enc" "$nginx/feeds/posts.atom" | sha256sum)
	[ "$a" = "$b" ] || { log "posts feed ($enc): nginx serves other bytes than feedd"; exit 1; }
done
p=$(sed -n 1p "$work/threads.txt")
[ "$(curl -fsS "$feedd$p" | sha256sum)" = "$(curl -fsS "$nginx$p" | sha256sum)" ] || { log "$p differs"; exit 1; }

etag() { curl -fsS -o /dev/null -D - "$1/feeds/posts.atom" | tr -d '\r' | awk 'tolower($1)=="etag:" {print $2}'; }
feedd_etag=$(etag "$feedd")
nginx_etag=$(etag "$nginx")
for s in feedd nginx; do
	url=${!s}
	tag=$([ $s = feedd ] && echo "$feedd_etag" || echo "$nginx_etag")
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $tag" "$url/feeds/posts.atom")
	[ "$code" = 304 ] || { log "$s answers $code to If-None-Match: $tag"; exit 1; }
done

cat >"$work/threads.lua" <<'LUA'
local paths = {}
function init(args)
	for line in io.lines(args[1]) do paths[#paths + 1] = line end
	math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end
function request()
	return wrk.format("GET", paths[math.random(#paths)])
end
LUA

hz=$(getconf CLK_TCK)
# cpu PIDS: the user and system CPU ticks of the processes, summed.
cpu() { cat $(printf '/proc/%s/stat ' "$@") | awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t }'; }
pids_of() { # server: its processes
	if [ "$1" = feedd ]; then echo "$feedd_pid"; else echo "$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')"; fi
}

# run SERVER CASE SECONDS: one wrk run; sets run_reqs and run_ticks (of
# the server's CPU). It runs in the script's own shell, so that the trap
# can stop its wrk.
run() {
	local server=$1 case=$2 secs=$3 url=${!1} args=() tail=()
	case $case in
	posts-gzip) args=(-H 'Accept-Encoding: gzip') ;;
	posts-304)
		local tag=$feedd_etag
		[ "$server" = nginx ] && tag=$nginx_etag
		args=(-H "If-None-Match: $tag")
		;;
	threads) args=(-s "$work/threads.lua") tail=(-- "$work/threads.txt") ;;
	esac
	local path=/feeds/posts.atom
	local pids
	pids=$(pids_of "$server")
	local before after out
	before=$(cpu $pids)
	# wrk in the background, so that a signal stops the script at once
	# (bash runs a trap only between commands, but interrupts wait).
	taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${secs}s" "${args[@]}" "$url$path" "${tail[@]}" >"$work/wrk.out" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid"
	wrk_pid=
	after=$(cpu $pids)
	out=$(cat "$work/wrk.out")
	if grep -q 'Non-2xx or 3xx' <<<"$out"; then
		log "$server $case: errors:"
		echo "$out" >&2
		exit 1
	fi
	run_reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	run_ticks=$((after - before))
}

cases=(posts-identity posts-gzip posts-304 threads)
declare -A reqs secs ticks
for c in "${cases[@]}"; do
	for s in feedd nginx; do
		run "$s" "$c" 2 # warm up
		reqs[$s/$c]=0 secs[$s/$c]=0 ticks[$s/$c]=0
	done
done
printf '%-15s %-5s %-6s %12s %12s\n' case round server 'req/s' 'CPU µs/req' >&2
for r in $(seq "$ROUNDS"); do
	order="feedd nginx"
	[ $((r % 2)) = 0 ] && order="nginx feedd"
	for c in "${cases[@]}"; do
		for s in $order; do
			run "$s" "$c" "$DURATION"
			n=$run_reqs d=$DURATION t=$run_ticks
			reqs[$s/$c]=$((reqs[$s/$c] + n))
			secs[$s/$c]=$((secs[$s/$c] + d))
			ticks[$s/$c]=$((ticks[$s/$c] + t))
			awk -v c="$c" -v r="$r" -v s="$s" -v n="$n" -v d="$d" -v t="$t" -v hz="$hz" \
				'BEGIN { printf "%-15s %-5s %-6s %12.0f %12.1f\n", c, r, s, n / d, t / hz * 1e6 / n }' >&2
		done
	done
done

echo
echo "feedd against nginx on the same bytes: $ROUNDS rounds of ${DURATION}s, $CONNECTIONS connections, server on CPU 0, wrk on CPU 1"
echo
echo "| case | feedd req/s | nginx req/s | req/s feedd/nginx | feedd CPU µs/req | nginx CPU µs/req | CPU/req feedd/nginx |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for c in "${cases[@]}"; do
	awk -v c="$c" -v hz="$hz" \
		-v fn="${reqs[feedd/$c]}" -v fs="${secs[feedd/$c]}" -v ft="${ticks[feedd/$c]}" \
		-v nn="${reqs[nginx/$c]}" -v ns="${secs[nginx/$c]}" -v nt="${ticks[nginx/$c]}" 'BEGIN {
		fr = fn / fs; nr = nn / ns; fc = ft / hz * 1e6 / fn; nc = nt / hz * 1e6 / nn
		printf "| %s | %.0f | %.0f | %.2f× | %.1f | %.1f | %.2f× |\n", c, fr, nr, fr / nr, fc, nc, fc / nc
	}'
done
