package websub

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// TestHub_ServeHTTP is scenario (g): bad subscription requests get 400
// (or the status of their fault) and a plain-text message naming what is
// wrong, and no verification follows; good ones get 202.
func TestHub_ServeHTTP(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.post("p")
	sub := newSubscriber(t)
	topic := e.topic("p")
	valid := func() url.Values {
		return url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {sub.URL}}
	}
	with := func(k, v string) string {
		f := valid()
		f.Set(k, v)
		return f.Encode()
	}
	without := func(k string) string {
		f := valid()
		f.Del(k)
		return f.Encode()
	}
	const form = "application/x-www-form-urlencoded"
	long := "https://cb.example/" + strings.Repeat("x", feed.MaxURILen)
	for _, tt := range []struct {
		name        string
		method      string // POST when empty
		contentType string // form when empty
		body        string
		status      int
		message     string // the response contains it
	}{
		{name: "GET", method: http.MethodGet, body: valid().Encode(), status: http.StatusMethodNotAllowed, message: "POST"},
		{name: "PlainText", contentType: "text/plain", body: valid().Encode(), status: http.StatusBadRequest, message: "Content-Type"},
		{name: "JSON", contentType: "application/json", body: `{"hub.mode":"subscribe"}`, status: http.StatusBadRequest, message: "Content-Type"},
		{name: "Multipart", contentType: "multipart/form-data; boundary=x", body: valid().Encode(), status: http.StatusBadRequest, message: "Content-Type"},
		{name: "NoContentType", contentType: "-", body: valid().Encode(), status: http.StatusBadRequest, message: "Content-Type"},
		{name: "BadContentType", contentType: "application/x-www-form-urlencoded; =", body: valid().Encode(), status: http.StatusBadRequest, message: "Content-Type"},
		{name: "BadForm", body: "hub.mode=%zz", status: http.StatusBadRequest, message: "form"},
		{name: "TooLarge", body: with("hub.secret", strings.Repeat("s", maxRequestBytes)), status: http.StatusRequestEntityTooLarge, message: "larger"},
		{name: "NoMode", body: without("hub.mode"), status: http.StatusBadRequest, message: "hub.mode: required"},
		{name: "EmptyMode", body: with("hub.mode", ""), status: http.StatusBadRequest, message: "hub.mode: required"},
		{name: "PublishMode", body: with("hub.mode", "publish"), status: http.StatusBadRequest, message: "hub.mode"},
		{name: "UpperMode", body: with("hub.mode", "SUBSCRIBE"), status: http.StatusBadRequest, message: "hub.mode"},
		{name: "TwoModes", body: valid().Encode() + "&hub.mode=unsubscribe", status: http.StatusBadRequest, message: "hub.mode: given more than once"},
		{name: "NoTopic", body: without("hub.topic"), status: http.StatusBadRequest, message: "hub.topic: required"},
		{name: "TwoTopics", body: valid().Encode() + "&hub.topic=" + url.QueryEscape(topic), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "ForeignTopic", body: with("hub.topic", "https://other.example/feeds/posts.atom"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "HomeTopic", body: with("hub.topic", baseURL+"/"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "PostTopic", body: with("hub.topic", baseURL+"/posts/p"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "PagedTopic", body: with("hub.topic", baseURL+"/feeds/posts.atom?page=2"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "ArchiveTopic", body: with("hub.topic", baseURL+"/feeds/posts/archive/1.atom"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "UnknownFormat", body: with("hub.topic", baseURL+"/feeds/posts.xml"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "NonCanonicalTopic", body: with("hub.topic", "https://BLOG.example/feeds/posts.atom"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "BadPostID", body: with("hub.topic", baseURL+"/feeds/posts/a%20b/comments.atom"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "UnknownDigest", body: with("hub.topic", baseURL+"/feeds/digest/hourly.atom"), status: http.StatusBadRequest, message: "hub.topic"},
		{name: "NoCallback", body: without("hub.callback"), status: http.StatusBadRequest, message: "hub.callback: required"},
		{name: "RelativeCallback", body: with("hub.callback", "/callback"), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "FTPCallback", body: with("hub.callback", "ftp://cb.example/"), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "MailtoCallback", body: with("hub.callback", "mailto:a@cb.example"), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "HostlessCallback", body: with("hub.callback", "http:///x"), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "LongCallback", body: with("hub.callback", long), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "ControlCallback", body: with("hub.callback", "https://cb.example/\x7f"), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "BadUTF8Callback", body: with("hub.callback", "https://cb.example/\xff"), status: http.StatusBadRequest, message: "hub.callback"},
		{name: "LongSecret", body: with("hub.secret", strings.Repeat("s", store.MaxSecretLen+1)), status: http.StatusBadRequest, message: "hub.secret"},
		{name: "WordLease", body: with("hub.lease_seconds", "ten"), status: http.StatusBadRequest, message: "hub.lease_seconds"},
		{name: "NegativeLease", body: with("hub.lease_seconds", "-5"), status: http.StatusBadRequest, message: "hub.lease_seconds"},
		{name: "FractionLease", body: with("hub.lease_seconds", "1.5"), status: http.StatusBadRequest, message: "hub.lease_seconds"},
		{name: "SpacedLease", body: with("hub.lease_seconds", " 60"), status: http.StatusBadRequest, message: "hub.lease_seconds"},
		{name: "HexLease", body: with("hub.lease_seconds", "0x10"), status: http.StatusBadRequest, message: "hub.lease_seconds"},
		{name: "TwoLeases", body: with("hub.lease_seconds", "60") + "&hub.lease_seconds=70", status: http.StatusBadRequest, message: "hub.lease_seconds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, baseURL+"/websub", strings.NewReader(tt.body))
			switch tt.contentType {
			case "":
				req.Header.Set("Content-Type", form)
			case "-":
			default:
				req.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			e.hub.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("status = %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tt.status)
			}
			if !strings.Contains(w.Body.String(), tt.message) {
				t.Errorf("message = %q, want it to name %q", w.Body.String(), tt.message)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want plain text", ct)
			}
		})
	}
	e.waitIdle()
	if n := sub.hits.Load(); n != 0 {
		t.Errorf("bad requests made %d requests to the callback", n)
	}

	// Good ones, at the limits, are accepted.
	for _, body := range []string{
		valid().Encode(),
		with("hub.secret", strings.Repeat("s", store.MaxSecretLen)),
		with("hub.lease_seconds", "86400"),
		with("hub.topic", e.r.FeedURL(feed.DigestFeed(feed.PeriodWeekly), feed.JSON)),
		with("hub.mode", "unsubscribe"),
		with("hub.mode", "unsubscribe") + "&hub.secret=" + strings.Repeat("s", 500), // means nothing there
	} {
		req := httptest.NewRequest(http.MethodPost, baseURL+"/websub", strings.NewReader(body))
		req.Header.Set("Content-Type", form+"; charset=UTF-8")
		w := httptest.NewRecorder()
		e.hub.ServeHTTP(w, req)
		if w.Code != http.StatusAccepted {
			t.Errorf("%s: status %d (%s), want 202", body, w.Code, w.Body)
		}
	}
}

// TestHub_ServeHTTPNotBuiltin checks that a feedd that is not a hub says
// so.
func TestHub_ServeHTTPNotBuiltin(t *testing.T) {
	o := testOptions()
	o.Builtin = false
	e := newTempEnv(t, o)
	if w := e.request(url.Values{"hub.mode": {"subscribe"}, "hub.topic": {e.topic("p")}, "hub.callback": {"https://cb.example/"}}); w.Code != http.StatusNotFound {
		t.Errorf("status = %d, want 404", w.Code)
	}
}

// TestHub_ServeHTTPNotRunning checks that requests are refused, not
// dropped, while Run does not run.
func TestHub_ServeHTTPNotRunning(t *testing.T) {
	e := newTempEnv(t, testOptions())
	e.stop()
	w := e.request(url.Values{"hub.mode": {"subscribe"}, "hub.topic": {e.topic("p")}, "hub.callback": {"https://cb.example/"}})
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("status = %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
}
