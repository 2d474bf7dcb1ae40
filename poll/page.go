package poll

import (
	"context"
	"errors"
	"fmt"
	"io"
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
// source of a Webmention, the way polls fetch: with the poller's client
// (redirects bounded, non-public addresses refused unless
// Options.AllowPrivate), User-Agent, Options.Timeout over the whole
// request, body included, and Options.MaxBodyBytes (a longer body fails
// with *TooLargeError). Any status is returned, with its body (a 410's
// too); only a request that got no answer, or whose body could not be
// read within the limits, is an error.
func (p *Poller) FetchPage(ctx context.Context, rawURL string) (*Page, error) {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	req, err := p.newRequest(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", acceptPages)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, p.requestError(ctx, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(newLimitedReader(resp.Body, p.o.MaxBodyBytes))
	if err != nil {
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			err = p.requestError(ctx, err)
		}
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	return &Page{Status: resp.StatusCode, URL: resp.Request.URL, Header: resp.Header, Body: body}, nil
}
