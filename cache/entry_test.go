package cache_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/feedd/feedd/cache"
	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/render"
)

// TestEntry_Fields checks the header values made with each entry: what
// the entry's own fields say, and each a slice whose length is its
// capacity, so that an Add to an answer's header cannot write into it.
func TestEntry_Fields(t *testing.T) {
	e := newTestEnv(t, cache.Options{PageSize: 1})
	ctx := context.Background()
	r, err := render.New(render.Options{Title: "Test", BaseURL: "https://blog.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ref feed.Ref
		v   feed.View
		f   feed.Format
	}{
		{feed.PostsFeed, feed.View{}, feed.Atom},
		{feed.PostsFeed, feed.View{Archive: 1}, feed.RSS},
		{feed.ThreadFeed("alpha"), feed.View{}, feed.JSON},
		{feed.PostsFeed, feed.View{MaxResults: 1, StartIndex: 2}, feed.Atom},
	} {
		en, err := e.cache.GetView(ctx, tc.ref, tc.v, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		fl := en.Fields
		for name, fc := range map[string]struct {
			got  []string
			want string
		}{
			"ETag":                  {fl.ETag, en.ETag},
			"GzipETag":              {fl.GzipETag, en.GzipETag},
			"ContentLength":         {fl.ContentLength, strconv.Itoa(len(en.Body))},
			"GzipContentLength":     {fl.GzipContentLength, strconv.Itoa(len(en.Gzip))},
			"LastModified":          {fl.LastModified, en.LastModifiedHTTP},
			"ContentType":           {fl.ContentType, en.ContentType},
			"Link (self, the last)": {fl.Link[len(fl.Link)-1:], "<" + r.ViewURL(tc.ref, tc.v, tc.f) + `>; rel="self"`},
		} {
			if len(fc.got) != 1 || fc.got[0] != fc.want || cap(fc.got) != len(fc.got) {
				t.Errorf("%s %+v: %s %q (cap %d), want [%q]", tc.ref, tc.v, name, fc.got, cap(fc.got), fc.want)
			}
		}
		if cap(fl.Link) != len(fl.Link) {
			t.Errorf("Link: capacity %d, length %d", cap(fl.Link), len(fl.Link))
		}
	}
}
