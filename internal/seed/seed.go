// Package seed generates a large, realistic and deterministic store
// fixture: posts with titles, Markdown or HTML bodies, categories and
// authors, and threaded reader comments (replies nested a few levels,
// texts of realistic lengths, dates spread out), and loads it into an
// empty store through the store's own bulk path (store.Copier's Load).
// cmd/feedd-seed is its command line; the scale benchmarks seed with it.
//
// The same Options always produce the same records, ids and dates
// included, whatever the store and the batch size.
package seed

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/feedd/feedd/feed"
	"github.com/feedd/feedd/feed/content"
	"github.com/feedd/feedd/store"
)

// DefaultEnd is when the newest post of a fixture is published, unless
// Options.End says otherwise: fixed, so that a seed always gives the same
// store.
var DefaultEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// PostSpacing is the mean time between two posts of a fixture: 100,000
// posts span about eleven years.
const PostSpacing = time.Hour

// MaxDepth is the deepest reply a fixture has (0 is a comment on the
// post): within feedd's default comments.max_depth.
const MaxDepth = 5

// Options describe a fixture.
type Options struct {
	Seed            uint64
	Posts           int // at least 1
	CommentsPerPost int // at least 0
	// End is when the newest post is published; DefaultEnd when zero.
	End time.Time
}

// check reports what is wrong with o.
func (o Options) check() error {
	switch {
	case o.Posts < 1:
		return fmt.Errorf("posts: want at least 1, got %d", o.Posts)
	case o.CommentsPerPost < 0:
		return fmt.Errorf("comments per post: want at least 0, got %d", o.CommentsPerPost)
	case o.Posts > 100_000_000 || o.CommentsPerPost > 1_000_000:
		return fmt.Errorf("posts × comments per post: %d × %d is more than a fixture needs", o.Posts, o.CommentsPerPost)
	}
	return nil
}

// Records is the number of records the fixture has.
func (o Options) Records() int { return o.Posts * (1 + o.CommentsPerPost) }

// The people of the fixture.
var (
	firstNames = strings.Fields(`Ann Bob Carla Dmitri Eve Farid Greta Hiro Ines José Kai Lena Marek Nadia
Olu Priya Quinn Rosa Sven Tariq Uma Viktor Wen Xavier Yara Zoë Amir Bea Chen Dana Emil Fatima Gus Hana
Ivo Jana Kofi Lars Mei Nils Omar Pia Raj Sara Tom Ulla Vera Will Yusuf Zara`)
	lastNames = strings.Fields(`Abbott Berg Castillo Dubois Eriksen Fischer García Haddad Ito Jensen
Kowalski Lindqvist Moreau Nakamura Okafor Petrov Quist Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz
Zielinski Andersen Brown Costa Demir Evans Fontaine Gupta Horvat Ivanova Jones Khan Larsen Müller Novak
Olsen Park Quinn Reyes Schmidt Torres Urban Vogel Walsh Young`)
	postAuthors = []string{"Margit Halvorsen", "Theo Brandt", "Ada Quayle", "Jun Ishikawa", "Rafael Ortega", "Lena Sørensen"}
	categories  = strings.Fields(`notes lighthouses weather sailing history maps travel books photography
kitchen gardening tools software go databases feeds web performance networking security design
writing letters music film science astronomy birds trains bridges`)
)

// Generator yields the records of a fixture, in the order Load needs
// them: each post, then its comments, parents before replies.
type Generator struct {
	o   Options
	r   *rand.Rand
	t   text
	end time.Time
	seq uint64 // comments generated
}

// NewGenerator returns the generator of o's fixture.
func NewGenerator(o Options) (*Generator, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x5eedf00d))
	end := o.End
	if end.IsZero() {
		end = DefaultEnd
	}
	return &Generator{o: o, r: r, t: text{r}, end: end.UTC().Truncate(time.Second)}, nil
}

// Thread is one post and its comments, parents before replies.
type Thread struct {
	Post     *feed.Post
	Comments []*feed.Comment
}

// Records appends th's records to recs, in Load's order, with their HTML
// derived as a write derives it (content.DerivePost, DeriveComment): Fill
// calls it on the goroutine that generates the records, beside the one
// that loads them, and Load then keeps that HTML rather than derive it.
func (th Thread) Records(recs []store.Record) []store.Record {
	p := &store.PostRecord{Post: *th.Post}
	content.DerivePost(&p.Post)
	recs = append(recs, store.Record{Post: p})
	for _, c := range th.Comments {
		r := &store.CommentRecord{Comment: *c}
		content.DeriveComment(&r.Comment)
		recs = append(recs, store.Record{Comment: r})
	}
	return recs
}

// Thread returns post i of the fixture (0 is the oldest) with its
// comments. Posts must be asked for in order, from 0.
func (g *Generator) Thread(i int) Thread {
	p := g.post(i)
	return Thread{Post: p, Comments: g.comments(p)}
}

// idEncoding spells comment ids as store.NewID does.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a comment id of 80 bits spelled as store.NewID spells
// them: a sequence number of 40 bits, then 40 random bits, as time-ordered
// ids (ULIDs, KSUIDs) are made. Ids that grow in the order they are
// stored keep every insert into the id index at its end, which makes
// loading a million comments several times faster than random ids do.
func (g *Generator) newID() string {
	var b [10]byte
	seq := g.seq
	g.seq++
	for i := 4; i >= 0; i-- {
		b[i] = byte(seq)
		seq >>= 8
	}
	r := g.r.Uint64()
	for i := 5; i < 10; i++ {
		b[i] = byte(r)
		r >>= 8
	}
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// post returns post i.
func (g *Generator) post(i int) *feed.Post {
	title := g.t.title(2, 8)
	published := g.end.Add(-time.Duration(g.o.Posts-1-i) * PostSpacing)
	if i < g.o.Posts-1 { // the newest post is published at End exactly
		published = published.Add(-time.Duration(g.r.Int64N(int64(PostSpacing/2/time.Second))) * time.Second)
	}
	p := &feed.Post{
		// The date, a slug and the post's number in base 36: readable,
		// unique, and growing with the date as posts are stored (which
		// keeps inserts into the indexes on post_id at their end).
		ID:         published.Format("2006-01-02-") + slug(title, 4) + "-" + strconv.FormatInt(int64(i), 36),
		Title:      title,
		AuthorName: postAuthors[g.r.IntN(len(postAuthors))],
		Published:  published,
		Updated:    published,
	}
	if g.r.IntN(3) == 0 {
		p.AuthorURI = "https://blog.example.org/about#" + slug(p.AuthorName, 1)
	}
	// One to four categories, the first few of the list far more often.
	seen := map[string]bool{}
	for n := 1 + g.r.IntN(4); len(p.Categories) < n; {
		c := categories[min(g.r.IntN(len(categories)), g.r.IntN(len(categories)))]
		if !seen[c] {
			seen[c] = true
			p.Categories = append(p.Categories, c)
		}
	}
	if g.r.IntN(2) == 0 {
		p.Format, p.Content = feed.FormatMarkdown, g.markdownBody()
	} else {
		p.Format, p.Content = feed.FormatHTML, g.htmlBody()
	}
	if g.r.IntN(5) == 0 {
		var b strings.Builder
		g.t.sentence(&b, 10, 25)
		p.Summary = b.String()
	}
	if g.r.IntN(7) == 0 { // edited later
		p.Updated = published.Add(time.Duration(1+g.r.IntN(30*24*60)) * time.Minute)
	}
	return p
}

// paragraphs returns how many paragraphs a post body has: 3 to 12.
func (g *Generator) paragraphs() int { return 3 + g.r.IntN(10) }

// markdownBody returns a post body in Markdown: paragraphs with emphasis
// and links, a heading or two, now and then a list or a code block.
func (g *Generator) markdownBody() string {
	var b strings.Builder
	for i, n := 0, g.paragraphs(); i < n; i++ {
		if i > 0 {
			b.WriteString("\n\n")
		}
		switch k := g.r.IntN(12); {
		case i > 0 && k == 0:
			b.WriteString("## ")
			b.WriteString(g.t.title(2, 5))
			b.WriteString("\n\n")
		case i > 0 && k == 1:
			for j := 0; j < 2+g.r.IntN(4); j++ {
				b.WriteString("- ")
				g.t.sentence(&b, 3, 9)
				b.WriteByte('\n')
			}
			b.WriteByte('\n')
		case i > 0 && k == 2:
			b.WriteString("```go\nfunc main() {\n\tfmt.Println(\"")
			b.WriteString(g.t.word())
			b.WriteString("\")\n}\n```\n\n")
		}
		g.t.paragraph(&b, 2+g.r.IntN(5))
		if g.r.IntN(3) == 0 {
			fmt.Fprintf(&b, " See [the %s notes](https://example.org/%s/%d) and *%s*.", g.t.word(), g.t.word(), g.r.IntN(10000), g.t.word())
		} else if g.r.IntN(4) == 0 {
			fmt.Fprintf(&b, " It is **%s**, with `%s`.", g.t.word(), g.t.word())
		}
	}
	return b.String()
}

// htmlBody returns a post body in HTML, of the same shape as markdownBody.
func (g *Generator) htmlBody() string {
	var b strings.Builder
	for i, n := 0, g.paragraphs(); i < n; i++ {
		switch k := g.r.IntN(12); {
		case i > 0 && k == 0:
			b.WriteString("<h2>")
			b.WriteString(g.t.title(2, 5))
			b.WriteString("</h2>\n")
		case i > 0 && k == 1:
			b.WriteString("<ul>")
			for j := 0; j < 2+g.r.IntN(4); j++ {
				b.WriteString("<li>")
				g.t.sentence(&b, 3, 9)
				b.WriteString("</li>")
			}
			b.WriteString("</ul>\n")
		case i > 0 && k == 2:
			b.WriteString("<blockquote><p>")
			g.t.paragraph(&b, 1+g.r.IntN(2))
			b.WriteString("</p></blockquote>\n")
		case i > 0 && k == 3:
			fmt.Fprintf(&b, "<figure><img src=\"/images/%d.jpg\" alt=\"%s\"><figcaption>%s</figcaption></figure>\n",
				g.r.IntN(100000), g.t.word(), g.t.title(2, 4))
		}
		b.WriteString("<p>")
		g.t.paragraph(&b, 2+g.r.IntN(5))
		if g.r.IntN(3) == 0 {
			fmt.Fprintf(&b, " See <a href=\"https://example.org/%s/%d\">the %s notes</a> and <em>%s</em>.",
				g.t.word(), g.r.IntN(10000), g.t.word(), g.t.word())
		} else if g.r.IntN(4) == 0 {
			fmt.Fprintf(&b, " It is <strong>%s</strong>, with <code>%s</code>.", g.t.word(), g.t.word())
		}
		b.WriteString("</p>\n")
	}
	return b.String()
}

// reader returns a commenter: a name, and a homepage for some. A few
// readers write much of the comments, as on real sites.
func (g *Generator) reader() (name, uri string) {
	// The smaller of two draws skews towards the first names of the lists.
	f := min(g.r.IntN(len(firstNames)), g.r.IntN(len(firstNames)))
	l := min(g.r.IntN(len(lastNames)), g.r.IntN(len(lastNames)))
	name = firstNames[f] + " " + lastNames[l]
	if (f+l)%3 == 0 {
		uri = "https://" + ascii(firstNames[f]+lastNames[l]) + ".example.net/"
	}
	return name, uri
}

// ascii returns the ASCII letters of s, lower-cased: a host name.
func ascii(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// commentBody returns a comment's text: mostly plain text of one or two
// sentences, some longer with paragraphs, some in HTML, some with a link.
func (g *Generator) commentBody() string {
	var b strings.Builder
	paras := 1
	switch k := g.r.IntN(10); {
	case k >= 9:
		paras = 3 + g.r.IntN(3)
	case k >= 6:
		paras = 2
	}
	html := g.r.IntN(4) == 0
	for i := range paras {
		switch {
		case html:
			b.WriteString("<p>")
		case i > 0:
			b.WriteString("\n\n")
		}
		sentences := 1 + g.r.IntN(2)
		if paras > 1 {
			sentences = 2 + g.r.IntN(4)
		}
		g.t.paragraph(&b, sentences)
		if g.r.IntN(8) == 0 {
			if html {
				fmt.Fprintf(&b, " <a href=\"https://example.com/%s\">%s</a>", g.t.word(), g.t.word())
			} else {
				fmt.Fprintf(&b, " https://example.com/%s/%d", g.t.word(), g.r.IntN(1000))
			}
		}
		if html {
			b.WriteString("</p>")
		}
	}
	return b.String()
}

// comments returns the comments of p, oldest first: about two in five on
// the post, the others replies, mostly to recent comments, at most
// MaxDepth deep; dated from minutes to days apart after the post.
func (g *Generator) comments(p *feed.Post) []*feed.Comment {
	n := g.o.CommentsPerPost
	cs := make([]*feed.Comment, 0, n)
	at := p.Published
	for range n {
		// Most replies come within hours, some days later.
		if g.r.IntN(6) == 0 {
			at = at.Add(time.Duration(1+g.r.IntN(3*24*60)) * time.Minute)
		} else {
			at = at.Add(time.Duration(1+g.r.IntN(180)) * time.Minute)
		}
		name, uri := g.reader()
		c := &feed.Comment{
			ID:         g.newID(),
			PostID:     p.ID,
			AuthorName: name,
			AuthorURI:  uri,
			Content:    g.commentBody(),
			Status:     feed.StatusApproved,
			Published:  at,
			Updated:    at,
		}
		if len(cs) > 0 && g.r.IntN(5) >= 2 {
			// A recent comment more often than an old one.
			parent := cs[len(cs)-1-min(g.r.IntN(len(cs)), g.r.IntN(len(cs)))]
			for parent.Depth >= MaxDepth {
				parent = g.parentOf(cs, parent)
			}
			c.ParentID, c.Depth = parent.ID, parent.Depth+1
		}
		if g.r.IntN(40) == 0 { // edited
			c.Updated = at.Add(time.Duration(1+g.r.IntN(120)) * time.Minute)
		}
		cs = append(cs, c)
	}
	return cs
}

// parentOf returns the comment of cs that c replies to.
func (g *Generator) parentOf(cs []*feed.Comment, c *feed.Comment) *feed.Comment {
	for _, p := range cs {
		if p.ID == c.ParentID {
			return p
		}
	}
	panic("seed: a reply's parent is not in its thread")
}

// ErrNotEmpty is the error of Fill on a store that holds records.
var ErrNotEmpty = errors.New("the store is not empty")

// Progress is called after each batch stored with the records stored so
// far and the fixture's total.
type Progress func(done, total int)

// Fill stores o's fixture into dst, which must be empty (ErrNotEmpty
// otherwise), in Load calls of about batch records each: whole threads, so
// that up to workers calls run at once without one needing another's
// records (PostgreSQL takes them in parallel; SQLite writes one at a
// time, so there workers = 1 is as fast). Records are generated while the
// previous batches are stored. It returns the records stored, which on an
// error are what the store holds.
func Fill(ctx context.Context, dst store.Copier, o Options, batch, workers int, progress Progress) (int, error) {
	g, err := NewGenerator(o)
	if err != nil {
		return 0, err
	}
	if batch < 1 {
		return 0, fmt.Errorf("batch: want at least 1, got %d", batch)
	}
	if workers < 1 {
		return 0, fmt.Errorf("workers: want at least 1, got %d", workers)
	}
	switch n, err := dst.CountRecords(ctx); {
	case err != nil:
		return 0, err
	case n > 0:
		return 0, fmt.Errorf("%w: it holds %d posts, comments, fetch states and subscriptions; seed only an empty one", ErrNotEmpty, n)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan []store.Record, workers)
	go func() {
		defer close(batches)
		recs := make([]store.Record, 0, batch+o.CommentsPerPost+1)
		for i := range o.Posts {
			recs = g.Thread(i).Records(recs)
			if len(recs) >= batch || i == o.Posts-1 {
				select {
				case batches <- recs:
				case <-ctx.Done():
					return
				}
				recs = make([]store.Record, 0, batch+o.CommentsPerPost+1)
			}
		}
	}()

	type result struct {
		n   int
		err error
	}
	results := make(chan result)
	for range workers {
		go func() {
			for recs := range batches {
				if ctx.Err() != nil {
					continue // drain
				}
				err := dst.Load(ctx, recs)
				if err != nil {
					cancel(err)
					results <- result{0, err}
					continue
				}
				results <- result{len(recs), nil}
			}
			results <- result{-1, nil} // this worker is done
		}()
	}
	done, running := 0, workers
	var firstErr error
	for running > 0 {
		r := <-results
		switch {
		case r.n < 0:
			running--
		case r.err != nil:
			if firstErr == nil {
				firstErr = r.err
			}
		default:
			done += r.n
			if progress != nil {
				progress(done, o.Records())
			}
		}
	}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = context.Cause(ctx)
	}
	return done, firstErr
}
