package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCheckConditions(t *testing.T) {
	const (
		tag   = `"abc"`
		gzTag = `"abc-gzip"`
	)
	lastMod := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	httpDate := func(t time.Time) string { return t.Format(http.TimeFormat) }

	for _, tc := range []struct {
		name    string
		method  string
		header  []string // name, value pairs
		etags   []string // identity only when nil
		want    int
		wantTag string // tag to send; tag when empty
	}{
		{name: "no conditions", want: condProceed},

		// If-None-Match: weak comparison.
		{name: "INM exact", header: []string{"If-None-Match", tag}, want: condNotModified},
		{name: "INM weak vs strong", header: []string{"If-None-Match", `W/"abc"`}, want: condNotModified},
		{name: "INM list with spaces", header: []string{"If-None-Match", `"x" , "y",   "abc"`}, want: condNotModified},
		{name: "INM list no spaces", header: []string{"If-None-Match", `"x",W/"abc"`}, want: condNotModified},
		{name: "INM repeated field", header: []string{"If-None-Match", `"x"`, "If-None-Match", `"abc"`}, want: condNotModified},
		{name: "INM star", header: []string{"If-None-Match", "*"}, want: condNotModified},
		{name: "INM mismatch", header: []string{"If-None-Match", `"abd"`}, want: condProceed},
		{name: "INM unquoted", header: []string{"If-None-Match", `abc`}, want: condProceed},
		{name: "INM empty tag", header: []string{"If-None-Match", `""`}, want: condProceed},
		{name: "INM prefix only", header: []string{"If-None-Match", `"ab"`}, want: condProceed},
		{name: "INM unterminated", header: []string{"If-None-Match", `"abc`}, want: condProceed},
		{name: "INM gzip tag for identity", header: []string{"If-None-Match", gzTag}, want: condProceed},

		// If-None-Match takes precedence over If-Modified-Since.
		{name: "INM mismatch beats IMS match", header: []string{"If-None-Match", `"x"`, "If-Modified-Since", httpDate(lastMod)}, want: condProceed},
		{name: "INM match beats IMS older", header: []string{"If-None-Match", tag, "If-Modified-Since", httpDate(lastMod.Add(-time.Hour))}, want: condNotModified},

		// If-Modified-Since.
		{name: "IMS equal", header: []string{"If-Modified-Since", httpDate(lastMod)}, want: condNotModified},
		{name: "IMS newer", header: []string{"If-Modified-Since", httpDate(lastMod.Add(time.Hour))}, want: condNotModified},
		{name: "IMS older", header: []string{"If-Modified-Since", httpDate(lastMod.Add(-time.Second))}, want: condProceed},
		{name: "IMS RFC 850 date", header: []string{"If-Modified-Since", "Monday, 02-Mar-26 09:00:00 GMT"}, want: condNotModified},
		{name: "IMS asctime date", header: []string{"If-Modified-Since", "Mon Mar  2 09:00:00 2026"}, want: condNotModified},
		{name: "IMS bogus date", header: []string{"If-Modified-Since", "yesterday"}, want: condProceed},
		{name: "IMS future date", header: []string{"If-Modified-Since", httpDate(now.Add(time.Hour))}, want: condProceed},
		{name: "IMS repeated", header: []string{"If-Modified-Since", httpDate(lastMod), "If-Modified-Since", httpDate(lastMod)}, want: condProceed},
		{name: "IMS ignored for POST", method: "POST", header: []string{"If-Modified-Since", httpDate(lastMod)}, want: condProceed},

		// HEAD evaluates like GET.
		{name: "HEAD INM", method: "HEAD", header: []string{"If-None-Match", tag}, want: condNotModified},
		{name: "HEAD IMS", method: "HEAD", header: []string{"If-Modified-Since", httpDate(lastMod)}, want: condNotModified},
		{name: "HEAD INM mismatch", method: "HEAD", header: []string{"If-None-Match", `"x"`}, want: condProceed},

		// If-Match (strong) and If-Unmodified-Since come first.
		{name: "IM match", header: []string{"If-Match", tag}, want: condProceed},
		{name: "IM star", header: []string{"If-Match", "*"}, want: condProceed},
		{name: "IM mismatch", header: []string{"If-Match", `"x"`}, want: condFailed},
		{name: "IM weak never matches", header: []string{"If-Match", `W/"abc"`}, want: condFailed},
		{name: "IM mismatch beats INM", header: []string{"If-Match", `"x"`, "If-None-Match", tag}, want: condFailed},
		{name: "IUS older", header: []string{"If-Unmodified-Since", httpDate(lastMod.Add(-time.Hour))}, want: condFailed},
		{name: "IUS equal", header: []string{"If-Unmodified-Since", httpDate(lastMod)}, want: condProceed},
		{name: "IUS ignored with IM", header: []string{"If-Match", tag, "If-Unmodified-Since", httpDate(lastMod.Add(-time.Hour))}, want: condProceed},

		// The gzip variant: both tags identify the same content.
		{name: "gzip INM gzip tag", etags: []string{gzTag, tag}, header: []string{"If-None-Match", gzTag}, want: condNotModified, wantTag: gzTag},
		{name: "gzip INM identity tag", etags: []string{gzTag, tag}, header: []string{"If-None-Match", tag}, want: condNotModified, wantTag: tag},
		{name: "gzip INM star", etags: []string{gzTag, tag}, header: []string{"If-None-Match", "*"}, want: condNotModified, wantTag: gzTag},
		{name: "gzip INM mismatch", etags: []string{gzTag, tag}, header: []string{"If-None-Match", `"x-gzip"`}, want: condProceed, wantTag: gzTag},
		{name: "gzip IMS", etags: []string{gzTag, tag}, header: []string{"If-Modified-Since", httpDate(lastMod)}, want: condNotModified, wantTag: gzTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			r := httptest.NewRequest(method, "/feeds/posts.atom", nil)
			for i := 0; i+1 < len(tc.header); i += 2 {
				r.Header.Add(tc.header[i], tc.header[i+1])
			}
			etags := tc.etags
			if etags == nil {
				etags = []string{tag}
			}
			wantTag := tc.wantTag
			if wantTag == "" {
				wantTag = tag
			}
			got, gotTag := checkConditions(r, etags, lastMod, now)
			if got != tc.want || gotTag != wantTag {
				t.Errorf("checkConditions = %d %s, want %d %s", got, gotTag, tc.want, wantTag)
			}
		})
	}
}

func TestCheckConditions_NoLastModified(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("If-Modified-Since", time.Now().Add(-time.Hour).Format(http.TimeFormat))
	if got, _ := checkConditions(r, []string{`"a"`}, time.Time{}, time.Now()); got != condProceed {
		t.Errorf("IMS without Last-Modified = %d, want %d", got, condProceed)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;Q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*, gzip;q=0"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"deflate, *;q=0.5"}, true},
		{[]string{"identity"}, false},
		{[]string{"br", "gzip"}, true},
		{[]string{"deflate", "br"}, false},
		{[]string{"gzipx"}, false},
	} {
		if got := acceptsGzip(tc.header); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}
