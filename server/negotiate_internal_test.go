package server

import "testing"

func TestPrefersHTML(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   bool
	}{
		// Browsers' navigations.
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"}, true}, // Chromium
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, true},                                                                         // Firefox
		{[]string{"text/html", "application/xml;q=0.9"}, true},                                                                                                      // two field lines
		{[]string{"TEXT/HTML ; q=1"}, true},
		{[]string{"text/html;q=0.9, */*;q=0.8"}, true},
		// Everyone else.
		{nil, false},
		{[]string{""}, false},
		{[]string{"*/*"}, false},
		{[]string{"text/*"}, false},
		{[]string{"application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"}, false},
		{[]string{"application/atom+xml,text/html"}, false},       // a feed type as high
		{[]string{"text/html;q=0.5, application/rss+xml"}, false}, // a feed type higher
		{[]string{"text/html;q=0.5, */*"}, false},                 // something else higher
		{[]string{"text/html;q=0"}, false},
		{[]string{"application/rss+xml;q=0.1, text/html"}, true}, // html first, the feed a fallback
	} {
		if got := prefersHTML(tc.accept); got != tc.want {
			t.Errorf("prefersHTML(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}
