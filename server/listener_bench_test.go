package server_test

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/metrics"
)

// BenchmarkServeListener serves the cached posts feed over a real
// listener, through the handler cmd/feedd serves (with its metrics hook),
// to clients that keep their connections alive as crawlers and wrk do: the
// identity document, the gzip copy, and a 304 to a revalidation. The
// clients write prepared requests and read answers by Content-Length, so
// that the profile is mostly the server's:
//
//	go test ./server -run '^$' -bench ServeListener -cpuprofile cpu.out
func BenchmarkServeListener(b *testing.B) {
	m := metrics.New()
	e := newBenchEnvWith(b, sitetest.Options{Config: func(c *sitetest.Config) {
		c.Server.ObserveRequest = m.ObserveRequest
	}})
	srv := httptest.NewServer(e.Handler)
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	warm, err := http.Get(srv.URL + "/feeds/posts.atom")
	if err != nil {
		b.Fatal(err)
	}
	warm.Body.Close()
	etag := warm.Header.Get("ETag")

	for _, tc := range []struct {
		name, headers string
		status        int
	}{
		{"identity", "", 200},
		{"gzip", "Accept-Encoding: gzip\r\n", 200},
		{"304", "Accept-Encoding: gzip\r\nIf-None-Match: " + etag + "\r\n", 304},
	} {
		req := []byte("GET /feeds/posts.atom HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench\r\n" + tc.headers + "\r\n")
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			// Clients enough to keep both cores busy, so that ns/op is
			// the CPU a request costs (server and client) rather than a
			// round trip's latency.
			b.SetParallelism(4)
			var size int64
			b.RunParallel(func(pb *testing.PB) {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				br := bufio.NewReaderSize(conn, 64<<10)
				for pb.Next() {
					status, n, err := roundTrip(conn, br, req)
					if err != nil || status != tc.status {
						b.Errorf("status %d, %v; want %d", status, err, tc.status)
						return
					}
					size = int64(n)
				}
			})
			b.SetBytes(size)
		})
	}
}

// roundTrip writes req on conn and reads one answer from br: its status
// and the length of its body, which it skips.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (status, n int, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, 0, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	if len(line) < 12 {
		return 0, 0, bufio.ErrNegativeCount
	}
	status, _ = strconv.Atoi(string(line[9:12]))
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return status, 0, err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	_, err = br.Discard(n)
	return status, n, err
}
