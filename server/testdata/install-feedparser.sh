#!/bin/sh
# Installs Debian's python3-feedparser, the Python feed parser whose
# delta requests (A-IM: feed) TestDelta_Feedparser in server/delta_test.go
# answers; without it that test is skipped. Run it as root before
# `go test`, as CI does:
#
#	sh server/testdata/install-feedparser.sh
set -eu
/usr/bin/python3 -c 'import feedparser' 2>/dev/null ||
	(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-feedparser)
