#!/bin/sh
# Installs Debian's Chromium, which the end-to-end test of package web
# (TestBrowser in web/e2e_test.go) drives; without it that test is skipped.
# Run it as root before `go test`, as CI does:
#
#	sh web/testdata/install-chromium.sh
set -eu
command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
