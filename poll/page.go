package poll

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// acceptPages is the Accept header of FetchPage: a web page first.
const acceptPages = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, */*;q=0.1"

// Page is a document FetchPage fetched: its final status, URL (after
// redirects), headers and body.
type Page struct {
	Status int
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// FetchPage fetches a web page that someone else named, such as the
// source of a Webmention, through Do, the way polls fetch: with the poller's client
// (redirects bounded, non-public addresses refused unless
// Options.AllowPrivate), User-Agent, Options.Timeout over the whole
// request, body included, and Options.MaxBodyBytes (a longer body fails
// with *TooLargeError). Any status is returned, with its body (a 410's
// too); only a request that got no answer, or whose body could not be
// read within the limits, is an error.
func (p *Poller) FetchPage(ctx context.Context, rawURL string) (*Page, error) {
	req, err := p.newRequest(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptPages)
	pg, err := p.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	return pg, nil
}
