#!/bin/sh
# Installs the Debian feed consumers that the TestConsumers_ tests in
# cmd/feedd/consumers_test.go run against a live feedd: rss2email (r2e),
# python3-feedparser (for /usr/bin/python3; also what TestDelta_Feedparser
# in server/delta_test.go needs) and newsboat. Without them those tests
# skip, and .ci/run fails on the skip. Run it as root before `go test`, as
# CI does:
#
#	sh cmd/feedd/testdata/install-consumers.sh
set -eu
missing=""
[ -x /usr/bin/r2e ] || missing="$missing rss2email"
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || missing="$missing python3-feedparser"
[ -x /usr/bin/newsboat ] || missing="$missing newsboat"
if [ -n "$missing" ]; then
	apt-get update
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
fi
/usr/bin/r2e --version
/usr/bin/python3 -c 'import feedparser; print("feedparser", feedparser.__version__)'
/usr/bin/newsboat --version | head -n 1
