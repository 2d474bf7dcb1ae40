package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck implements 'feedd healthcheck': GET /healthz (or --path)
// of a daemon on this machine, succeeding on a 200. It is the container
// image's HEALTHCHECK, as the image has no shell or curl.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", "healthcheck [--addr HOST:PORT] [--path PATH] [--timeout DURATION]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "the daemon's `HOST:PORT`; an unspecified host (0.0.0.0, ::, none) means 127.0.0.1")
	path := fs.String("path", "/healthz", "the `path` to GET: /healthz (the process serves) or /readyz (and its store answers)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this `duration`")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "feedd healthcheck: --addr %q: want HOST:PORT\n", *addr)
		return errUsage
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + *path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	_, _ = stdout.Write(body)
	return nil
}
