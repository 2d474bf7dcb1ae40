package server_test

import (
	"strings"
	"testing"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/server"
	"github.com/feedd/feedd/submit"
)

// feedETags fetches every feed of the site and alpha's thread and returns
// their ETags by path.
func feedETags(t *testing.T, e *env) map[string]string {
	t.Helper()
	tags := map[string]string{}
	for path := range feedPaths("alpha") {
		w := do(t, e.handler, "GET", path, "")
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", path, w.Code)
		}
		tags[path] = w.Header().Get("ETag")
	}
	return tags
}

// inFeeds reports in which of alpha's feeds s appears.
func inFeeds(t *testing.T, e *env, s string) []string {
	t.Helper()
	var found []string
	for path := range feedPaths("alpha") {
		if strings.Contains(do(t, e.handler, "GET", path, "").Body.String(), s) {
			found = append(found, path)
		}
	}
	if strings.Contains(do(t, e.handler, "GET", "/api/posts/alpha/comments", "").Body.String(), s) {
		found = append(found, "public thread API")
	}
	return found
}

func moderated(policy string) envOptions {
	return envOptions{config: func(c *stackConfig) { c.Comments.Moderation = policy }}
}

func TestModeration_PendingUntilApproved(t *testing.T) {
	e := newEnv(t, moderated(submit.ModerationAll))
	before := feedETags(t, e)

	w := do(t, e.handler, "POST", "/api/posts/alpha/comments", `{"author":"Newcomer","content":"awaiting review"}`)
	c := decode[apiComment](t, w, 202)
	if c.Status != feed.StatusPending || w.Header().Get("Location") != "" || c.Content != nil {
		t.Errorf("held comment = %+v, Location %q", c, w.Header().Get("Location"))
	}
	if found := inFeeds(t, e, "awaiting review"); len(found) != 0 {
		t.Errorf("pending comment shows in %v", found)
	}
	for path, tag := range before {
		if w := do(t, e.handler, "GET", path, "", "If-None-Match", tag); w.Code != 304 {
			t.Errorf("%s changed for a pending comment: %d", path, w.Code)
		}
	}
	adm := decode[thread](t, do(t, e.handler, "GET", "/api/posts/alpha/comments", "", adminAuth...), 200)
	if last := adm.Comments[len(adm.Comments)-1]; last.ID != c.ID || last.Status != feed.StatusPending {
		t.Errorf("admin thread ends with %+v, want the pending comment", last)
	}

	ok := decode[apiComment](t, do(t, e.handler, "POST", "/api/comments/"+c.ID+"/approve", "", adminAuth...), 200)
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
	e := newEnv(t, moderated(submit.ModerationAll))
	feedETags(t, e) // cache every feed first
	c := decode[apiComment](t, do(t, e.handler, "POST", "/api/posts/alpha/comments", `{"author":"Spammer","content":"cheap pills"}`), 202)
	s := decode[apiComment](t, do(t, e.handler, "POST", "/api/comments/"+c.ID+"/spam", "", adminAuth...), 200)
	if s.Status != feed.StatusSpam {
		t.Errorf("status %q, want spam", s.Status)
	}
	if found := inFeeds(t, e, "cheap pills"); len(found) != 0 {
		t.Errorf("spam shows in %v", found)
	}

	// An approved comment marked spam leaves the feeds, as a tombstone.
	do(t, e.handler, "POST", "/api/comments/a1/spam", "", adminAuth...)
	if found := inFeeds(t, e, "first on alpha"); len(found) != 0 {
		t.Errorf("approved comment marked spam still shows in %v", found)
	}
	if body := do(t, e.handler, "GET", "/feeds/posts/alpha/comments.atom", "").Body.String(); !strings.Contains(body, "deleted-entry") {
		t.Error("thread feed has no tombstone for the comment marked spam")
	}
}

func TestModeration_FirstTime(t *testing.T) {
	e := newEnv(t, moderated(submit.ModerationFirstTime))
	post := func(body string, want int) apiComment {
		t.Helper()
		return decode[apiComment](t, do(t, e.handler, "POST", "/api/posts/alpha/comments", body), want)
	}
	first := post(`{"author":"Newbie","author_uri":"https://newbie.example","content":"my first"}`, 202)
	if first.Status != feed.StatusPending {
		t.Fatalf("first comment status %q", first.Status)
	}
	// Still unknown while the first waits.
	post(`{"author":"Newbie","author_uri":"https://newbie.example","content":"again"}`, 202)
	do(t, e.handler, "POST", "/api/comments/"+first.ID+"/approve", "", adminAuth...)
	if c := post(`{"author":"newbie","author_uri":"https://newbie.example","content":"known now"}`, 201); c.Status != feed.StatusApproved {
		t.Errorf("second comment of an approved author has status %q", c.Status)
	}
	// Another URI is another author.
	post(`{"author":"Newbie","author_uri":"https://other.example","content":"who?"}`, 202)
	// Bob has an approved comment in the seed.
	post(`{"author":"Bob","content":"regular"}`, 201)
	// The admin's comments are never held.
	post(`{"author":"Stranger","content":"by the admin"}`, 202)
	if w := do(t, e.handler, "POST", "/api/posts/alpha/comments", `{"author":"Stranger","content":"by the admin"}`, adminAuth...); w.Code != 201 {
		t.Errorf("admin comment = %d, want 201", w.Code)
	}
}

func TestModeration_UnknownPolicyHoldsAll(t *testing.T) {
	if err := (submit.Config{Moderation: "sometimes"}).Validate(); err == nil {
		t.Error("Validate accepts an unknown moderation policy")
	}
	e := newEnv(t, moderated("sometimes"))
	if w := do(t, e.handler, "POST", "/api/posts/alpha/comments", `{"author":"Bob","content":"hi"}`); w.Code != 202 {
		t.Errorf("comment under an unknown policy = %d, want 202", w.Code)
	}
}

func TestConfig_Validate(t *testing.T) {
	for _, tc := range []struct {
		cfg server.Config
		ok  bool
	}{
		{server.Config{}, true},
		{server.Config{Delta: true, DeltaExcludedAgents: []string{}}, true},
		{server.Config{Delta: true, DeltaExcludedAgents: []string{"SomeReader/"}}, true},
		{server.Config{DeltaExcludedAgents: []string{"feedparser/", ""}}, false},
		{server.Config{Delta: true, DeltaExcludedAgents: []string{" \t"}}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate = %v", tc.cfg, err)
		}
	}
}
