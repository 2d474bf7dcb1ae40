package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/internal/sitetest"
	"github.com/feedd/feedd/submit"
)

// feedETags fetches every feed of the site and alpha's thread and returns
// their ETags by path.
func feedETags(t *testing.T, e *sitetest.Env) map[string]string {
	t.Helper()
	tags := map[string]string{}
	for path := range sitetest.FeedPaths("alpha") {
		w := sitetest.Do(t, e.Handler, "GET", path, "")
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", path, w.Code)
		}
		tags[path] = w.Header().Get("ETag")
	}
	return tags
}

// inFeeds reports in which of alpha's feeds s appears.
func inFeeds(t *testing.T, e *sitetest.Env, s string) []string {
	t.Helper()
	var found []string
	for path := range sitetest.FeedPaths("alpha") {
		if strings.Contains(sitetest.Do(t, e.Handler, "GET", path, "").Body.String(), s) {
			found = append(found, path)
		}
	}
	if strings.Contains(sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", "").Body.String(), s) {
		found = append(found, "public thread API")
	}
	return found
}

func moderated(policy string) sitetest.Options {
	return sitetest.Options{Config: func(c *sitetest.Config) { c.Comments.Moderation = policy }}
}

func TestModeration_PendingUntilApproved(t *testing.T) {
	e := sitetest.New(t, moderated(submit.ModerationAll))
	before := feedETags(t, e)

	w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"Newcomer","content":"awaiting review"}`)
	c := sitetest.Decode[sitetest.Comment](t, w, 202)
	if c.Status != feed.StatusPending || w.Header().Get("Location") != "" || c.Content != nil {
		t.Errorf("held comment = %+v, Location %q", c, w.Header().Get("Location"))
	}
	if found := inFeeds(t, e, "awaiting review"); len(found) != 0 {
		t.Errorf("pending comment shows in %v", found)
	}
	for path, tag := range before {
		if w := sitetest.Do(t, e.Handler, "GET", path, "", "If-None-Match", tag); w.Code != 304 {
			t.Errorf("%s changed for a pending comment: %d", path, w.Code)
		}
	}
	adm := sitetest.Decode[thread](t, sitetest.Do(t, e.Handler, "GET", "/api/posts/alpha/comments", "", sitetest.AdminAuth...), 200)
	if last := adm.Comments[len(adm.Comments)-1]; last.ID != c.ID || last.Status != feed.StatusPending {
		t.Errorf("admin thread ends with %+v, want the pending comment", last)
	}

	ok := sitetest.Decode[sitetest.Comment](t, sitetest.Do(t, e.Handler, "POST", "/api/comments/"+c.ID+"/approve", "", sitetest.AdminAuth...), 200)
	if ok.Status != feed.StatusApproved {
		t.Errorf("approved comment has status %q", ok.Status)
	}
	found := inFeeds(t, e, "awaiting review")
	want := []string{"/feeds/posts/alpha/comments.atom", "/feeds/posts/alpha/comments.rss", "/feeds/posts/alpha/comments.json",
		"/feeds/comments.atom", "/feeds/comments.rss", "/feeds/comments.json", "public thread API"}
	for _, p := range want {
		if !strings.Contains(strings.Join(found, " "), p) {
			t.Errorf("approved comment missing from %s (found in %v)", p, found)
		}
	}
}

func TestModeration_SpamNeverShown(t *testing.T) {
	e := sitetest.New(t, moderated(submit.ModerationAll))
	feedETags(t, e) // cache every feed first
	c := sitetest.Decode[sitetest.Comment](t, sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"Spammer","content":"cheap pills"}`), 202)
	s := sitetest.Decode[sitetest.Comment](t, sitetest.Do(t, e.Handler, "POST", "/api/comments/"+c.ID+"/spam", "", sitetest.AdminAuth...), 200)
	if s.Status != feed.StatusSpam {
		t.Errorf("status %q, want spam", s.Status)
	}
	if found := inFeeds(t, e, "cheap pills"); len(found) != 0 {
		t.Errorf("spam shows in %v", found)
	}

	// An approved comment marked spam leaves the feeds, as a tombstone.
	sitetest.Do(t, e.Handler, "POST", "/api/comments/a1/spam", "", sitetest.AdminAuth...)
	if found := inFeeds(t, e, "first on alpha"); len(found) != 0 {
		t.Errorf("approved comment marked spam still shows in %v", found)
	}
	if body := sitetest.Do(t, e.Handler, "GET", "/feeds/posts/alpha/comments.atom", "").Body.String(); !strings.Contains(body, "deleted-entry") {
		t.Error("thread feed has no tombstone for the comment marked spam")
	}
}

// TestModeration_FirstTime: a returning author is recognized by the
// e-mail address given with the name (author_email), which the public
// never sees, not by the name and URI shown on their comments.
func TestModeration_FirstTime(t *testing.T) {
	e := sitetest.New(t, moderated(submit.ModerationFirstTime))
	post := func(body string, want int) sitetest.Comment {
		t.Helper()
		return sitetest.Decode[sitetest.Comment](t, sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", body), want)
	}
	first := post(`{"author":"Newbie","author_uri":"https://newbie.example","author_email":"newbie@mail.example","content":"my first"}`, 202)
	if first.Status != feed.StatusPending {
		t.Fatalf("first comment status %q", first.Status)
	}
	// Still unknown while the first waits.
	post(`{"author":"Newbie","author_email":"newbie@mail.example","content":"again"}`, 202)
	sitetest.Do(t, e.Handler, "POST", "/api/comments/"+first.ID+"/approve", "", sitetest.AdminAuth...)
	// The same address and name (case and spaces aside): published.
	if c := post(`{"author":" newbie","author_uri":"https://other.example","author_email":" NEWBIE@mail.example ","content":"known now"}`, 201); c.Status != feed.StatusApproved {
		t.Errorf("second comment of an approved author has status %q", c.Status)
	}
	// The name and URI everyone can see are not enough.
	post(`{"author":"Newbie","author_uri":"https://newbie.example","content":"impostor without an address"}`, 202)
	post(`{"author":"Newbie","author_uri":"https://newbie.example","author_email":"evil@mail.example","content":"impostor with another address"}`, 202)
	// Nor is the address under another name.
	post(`{"author":"Someone","author_email":"newbie@mail.example","content":"who?"}`, 202)
	// Bob has an approved comment in the seed, but no address on file.
	post(`{"author":"Bob","content":"regular"}`, 202)
	// The admin's comments are never held.
	post(`{"author":"Stranger","content":"by the admin"}`, 202)
	if w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"Stranger","content":"by the admin"}`, sitetest.AdminAuth...); w.Code != 201 {
		t.Errorf("admin comment = %d, want 201", w.Code)
	}
	// The address is in no answer, feed or page.
	if found := inFeeds(t, e, "mail.example"); len(found) != 0 {
		t.Errorf("an e-mail address appears in %v", found)
	}
	for _, path := range []string{"/api/comments?status=pending", "/api/comments", "/api/comments/" + first.ID} {
		if body := sitetest.Do(t, e.Handler, "GET", path, "", sitetest.AdminAuth...).Body.String(); strings.Contains(body, "mail.example") || strings.Contains(body, "author_hash") {
			t.Errorf("GET %s shows the address or its hash: %s", path, body)
		}
	}
}

// TestCreateComment_BadEmail: author_email must be an address, within 254
// bytes.
func TestCreateComment_BadEmail(t *testing.T) {
	e := sitetest.New(t, moderated(submit.ModerationFirstTime))
	for _, email := range []string{"not an address", "Ann <ann@example.org>", "ann@", strings.Repeat("a", 250) + "@x.example"} {
		body := `{"author":"Ann","author_email":` + strconv.Quote(email) + `,"content":"hi"}`
		if w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", body); w.Code != 400 || !strings.Contains(w.Body.String(), "author_email") {
			t.Errorf("author_email %q = %d %s, want 400 about author_email", email, w.Code, w.Body)
		}
	}
	if w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"Ann","author_email":"ann@example.org","content":"hi"}`); w.Code != 202 {
		t.Errorf("good address = %d %s, want 202", w.Code, w.Body)
	}
}

func TestModeration_UnknownPolicyHoldsAll(t *testing.T) {
	if err := (submit.Config{Moderation: "sometimes"}).Validate(); err == nil {
		t.Error("Validate accepts an unknown moderation policy")
	}
	e := sitetest.New(t, moderated("sometimes"))
	if w := sitetest.Do(t, e.Handler, "POST", "/api/posts/alpha/comments", `{"author":"Bob","content":"hi"}`); w.Code != 202 {
		t.Errorf("comment under an unknown policy = %d, want 202", w.Code)
	}
}
