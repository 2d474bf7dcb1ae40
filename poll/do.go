package poll

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Do sends req, a request of another component than the poller (a
// Webmention's discovery and notification), through the poller's fetch
// guard, as FetchPage does for a GET: its client and transport
// (non-public addresses refused unless Options.AllowPrivate, at most
// Options.MaxRedirects redirects, only to http(s)), its User-Agent unless
// req sets one, the whole exchange within Options.Timeout, and a body of
// at most Options.MaxBodyBytes: a longer one fails with *TooLargeError,
// and the Page then holds the headers and the body's first
// MaxBodyBytes. Any status is an answer: the caller judges it. A non-nil
// error with a nil Page means no answer came; its message is short, as a
// poll's.
func (p *Poller) Do(ctx context.Context, req *http.Request) (*Page, error) {
	if req.URL == nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return nil, fmt.Errorf("bad url %q: not http(s)", req.URL.Redacted())
	}
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	req = req.WithContext(ctx)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", p.o.UserAgent)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, p.requestError(ctx, err)
	}
	defer resp.Body.Close()
	pg := &Page{URL: resp.Request.URL, Status: resp.StatusCode, Header: resp.Header}
	body := newLimitedReader(resp.Body, p.o.MaxBodyBytes)
	pg.Body, err = io.ReadAll(body)
	switch {
	case body.exceeded():
		return pg, &TooLargeError{Limit: p.o.MaxBodyBytes}
	case err != nil:
		return nil, p.requestError(ctx, err)
	}
	return pg, nil
}
