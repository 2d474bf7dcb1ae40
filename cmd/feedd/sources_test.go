package main

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/api"
	"github.com/feedd/feedd/feed"
)

// configure appends YAML to the env's config file.
func (e *cliEnv) configure(t *testing.T, yaml string) {
	t.Helper()
	f, err := os.OpenFile(e.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(yaml); err != nil {
		t.Fatal(err)
	}
}

func TestCLI_Sources(t *testing.T) {
	e := newCLIEnv(t, false)
	e.configure(t, `sources:
  - {name: friend, url: "https://friend.example.org/feed", schedule: "@every 1h", comments: true}
  - {name: quiet, url: "https://quiet.example.org/feed"}
  - {name: gone, url: "https://gone.example.org/feed"}
`)
	now := time.Now().UTC().Truncate(time.Second)
	backoff := now.Add(5 * time.Hour)
	st := e.open(t)
	ctx := t.Context()
	for _, f := range []*feed.Fetch{
		{Source: "friend", URL: "https://friend.example.org/feed", LastPoll: now.Add(-time.Minute), LastSuccess: now.Add(-2 * time.Hour),
			NextPoll: backoff, LastStatus: 503, LastError: "upstream answered 503 Service Unavailable", Failures: 2},
		{Source: "friend", PostID: "p1", URL: "https://friend.example.org/p1/comments"},
		{Source: "gone", URL: "https://gone.example.org/feed", LastPoll: now.Add(-time.Hour), LastStatus: 410, Failures: 1, Disabled: true},
	} {
		if err := st.SaveFetch(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	p := &feed.Post{Title: "Mirrored", Content: "<p>hi</p>", Origin: &feed.Origin{Source: "friend", ID: "tag:friend,1"}}
	if _, err := st.UpsertPost(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := &feed.Comment{PostID: p.ID, AuthorName: "Reader", Content: "nice", Origin: &feed.Origin{Source: "friend", ID: "tag:friend,c1"}}
	if _, err := st.UpsertComment(ctx, c, ""); err != nil {
		t.Fatal(err)
	}
	imported := &feed.Post{Title: "Imported", Content: "<p>old</p>", Origin: &feed.Origin{Source: "import", ID: "tag:old,1"}}
	if _, err := st.UpsertPost(ctx, imported); err != nil {
		t.Fatal(err)
	}
	st.Close()
	before := e.lastChange(t)

	out, _, err := e.run(t, "", "sources", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Sources []api.SourceStatus }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("sources --json = %q: %v", out, err)
	}
	byName := map[string]api.SourceStatus{}
	var names []string
	for _, s := range got.Sources {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	if want := "friend quiet gone import"; strings.Join(names, " ") != want {
		t.Fatalf("sources = %v, want %s (configured in order, then the others)", names, want)
	}

	f := byName["friend"]
	if !f.Configured || f.URL != "https://friend.example.org/feed" || !f.Comments || f.Schedule != "@every 1h" ||
		f.HTTPStatus != 503 || f.ConsecutiveFailures != 2 || !strings.Contains(f.LastError, "503") ||
		f.Entries != 1 || f.CommentsStored != 1 || f.CommentFeeds != 1 || f.Disabled {
		t.Errorf("friend = %+v", f)
	}
	if f.LastPoll == nil || !f.LastPoll.Equal(now.Add(-time.Minute)) || f.LastSuccess == nil || !f.LastSuccess.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("friend times = %v, %v", f.LastPoll, f.LastSuccess)
	}
	// Backing off: the next run is the first of the schedule after it.
	if f.NextRun == nil || f.NextRun.Before(backoff) || !f.NextRun.Before(backoff.Add(time.Hour)) {
		t.Errorf("friend next run = %v, want within the hour after the back-off %v", f.NextRun, backoff)
	}

	q := byName["quiet"]
	if !q.Configured || q.Schedule != "@every 30m" || q.LastPoll != nil || q.LastSuccess != nil || q.HTTPStatus != 0 || q.Entries != 0 {
		t.Errorf("quiet = %+v", q)
	}
	if q.NextRun == nil || q.NextRun.Before(now) || q.NextRun.After(now.Add(31*time.Minute)) {
		t.Errorf("quiet next run = %v, want within 30 minutes", q.NextRun)
	}
	if g := byName["gone"]; !g.Disabled || g.NextRun != nil || g.HTTPStatus != 410 {
		t.Errorf("gone = %+v, want disabled without a next run", g)
	}
	if i := byName["import"]; i.Configured || i.Entries != 1 || i.NextRun != nil || i.Schedule != "" {
		t.Errorf("import = %+v, want unconfigured with one entry", i)
	}
	// Unset times are null.
	if !strings.Contains(out, `"last_poll": null`) {
		t.Errorf("unset times not null:\n%s", out)
	}

	out, _, err = e.run(t, "", "sources")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NAME", "LAST POLL", "LAST SUCCESS", "STATUS", "FAILURES", "ENTRIES", "COMMENTS", "LAST ERROR",
		"failing (503)", "never polled", "disabled (410)", "not configured", "upstream answered 503"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if after := e.lastChange(t); after != before {
		t.Errorf("sources wrote to the store: %d → %d", before, after)
	}

	for _, args := range [][]string{{"sources", "extra"}, {"sources", "--bogus"}} {
		if _, _, err := e.run(t, "", args...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

func TestCLI_SourcesNone(t *testing.T) {
	e := newCLIEnv(t, false)
	out, _, err := e.run(t, "", "sources", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(strings.Fields(out), "") != `{"sources":[]}` {
		t.Errorf("sources --json = %q, want an empty list", out)
	}
}

func TestNextRun(t *testing.T) {
	now := date(t, "2026-03-10T12:00:10Z")
	for _, tt := range []struct {
		name, spec string
		scheduled  time.Time
		f          *feed.Fetch
		want       time.Time
	}{
		{"from the spec", "@every 30m", time.Time{}, nil, date(t, "2026-03-10T12:30:10Z")},
		{"from the scheduler", "@every 30m", date(t, "2026-03-10T12:07:00Z"), nil, date(t, "2026-03-10T12:07:00Z")},
		{"due", "@every 30m", date(t, "2026-03-10T12:07:00Z"), &feed.Fetch{NextPoll: date(t, "2026-03-10T11:00:00Z")}, date(t, "2026-03-10T12:07:00Z")},
		{"every: first run after the back-off", "@every 30m", date(t, "2026-03-10T12:07:00Z"),
			&feed.Fetch{NextPoll: date(t, "2026-03-10T14:00:00Z")}, date(t, "2026-03-10T14:07:00Z")},
		{"every: back-off on a run", "@every 30m", date(t, "2026-03-10T12:07:00Z"),
			&feed.Fetch{NextPoll: date(t, "2026-03-10T13:37:00Z")}, date(t, "2026-03-10T13:37:00Z")},
		{"cron: first run after the back-off", "*/15 * * * *", time.Time{},
			&feed.Fetch{NextPoll: date(t, "2026-03-10T14:01:00Z")}, date(t, "2026-03-10T14:15:00Z")},
		{"disabled", "@every 30m", date(t, "2026-03-10T12:07:00Z"), &feed.Fetch{Disabled: true}, time.Time{}},
		{"bad spec", "whenever", time.Time{}, nil, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := nextRun(tt.spec, tt.scheduled, tt.f, now)
			if !got.Equal(tt.want) {
				t.Errorf("nextRun = %v, want %v", got, tt.want)
			}
		})
	}
}

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
