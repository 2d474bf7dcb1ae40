package render

import "github.com/feedd/feedd/feed"

// Outline is what a feed document says of itself besides its entries:
// its title and the documents it links to, as Render writes them in a
// format. Pages that show a document to a person (the HTML page
// a browser gets at a feed's URL) take these from here, so that they name
// the feed and link its pages and archives exactly as the feed does.
type Outline struct {
	Title string
	// Archive is true for an archive document (fh:archive), whose
	// entries stay as they are.
	Archive bool
	// Links are the documents next to this one (RFC 5005 paging and
	// archives, Blogger's start-index), in the order the feed writes them.
	Links []Link
}

// Link is a link of a document to another document of its feed.
type Link struct {
	Rel string // "next", "previous", "first", "last", "prev-archive", "next-archive", "current"
	URL string // in the document's format
}

// Outline returns the outline of d as Render writes it in format f.
func (r *Renderer) Outline(f feed.Format, d *Doc) (Outline, error) {
	if _, ok := feed.ParseFormat(string(f)); !ok {
		return Outline{}, feed.Errorf(feed.EINVALID, "unknown feed format %q", f)
	}
	doc, err := r.build(d)
	if err != nil {
		return Outline{}, err
	}
	o := Outline{Title: doc.title, Archive: doc.history == historyArchive}
	for _, l := range doc.links {
		o.Links = append(o.Links, Link{Rel: l.rel, URL: r.ViewURL(doc.ref, l.view, f)})
	}
	return o, nil
}
