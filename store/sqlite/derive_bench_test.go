package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/store"
)

// BenchmarkDeriveHTML measures the start-up pass that re-derives the HTML
// of rows of an older content.Version (store.Deriver), per row: 100 posts
// of about 2 KB and 10,000 comments of about 300 bytes, every row made
// old again before each run. A pass over n rows takes about n times
// ns/row, in batches whose write transactions hold SQLite's write lock
// only to store what was derived before them.
//
//	go test -run '^$' -bench DeriveHTML -benchtime 3x ./store/sqlite/
func BenchmarkDeriveHTML(b *testing.B) {
	db := mustOpen(b, filepath.Join(b.TempDir(), "feedd.db"))
	defer db.Close()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var recs []store.Record
	for i := range 100 {
		recs = append(recs, store.Record{Post: &store.PostRecord{Post: feed.Post{ID: fmt.Sprint("p", i), Title: "P",
			Content: strings.Repeat(`<p>Some <em>text</em> with <a href="/x">a link</a>.</p>`, 40), Format: feed.FormatHTML,
			Published: t0, Updated: t0}}})
		for j := range 100 {
			recs = append(recs, store.Record{Comment: &store.CommentRecord{Comment: feed.Comment{
				ID: fmt.Sprintf("c%d-%d", i, j), PostID: fmt.Sprint("p", i), AuthorName: "Ann", Status: feed.StatusApproved,
				Content:   strings.Repeat("A comment of some length, see https://example.org/. ", 6),
				Published: t0, Updated: t0}}})
		}
	}
	if err := db.Load(b.Context(), recs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for _, q := range []string{`UPDATE posts SET html_version = 0`, `UPDATE comments SET html_version = 0`, `UPDATE html_derived SET version = 0`} {
			if _, err := db.db.ExecContext(b.Context(), q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		n, err := db.DeriveHTML(b.Context())
		if err != nil || n != len(recs) {
			b.Fatalf("DeriveHTML = %d, %v; want %d", n, err, len(recs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}
