package content

import (
	"fmt"
	"strings"
	"sync/atomic"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Images in comments. A remote <img> in a comment is a tracking pixel in
// every reader that shows the feed and on every page that shows the
// comment, and it shows anything at all under the site's name; so
// comments keep no images. What becomes of them is the site's choice:
const (
	// ImagesLinks (the default) turns each image into a link to it, its
	// alt text (or "image") as the link's text: the picture is one click
	// away, loaded by no one who does not click. An image inside a link
	// becomes its alt text.
	ImagesLinks = "links"
	// ImagesDrop removes images, leaving their alt text in none.
	ImagesDrop = "drop"
)

// ImageModes are the values SetCommentImages takes, the first the default.
var ImageModes = []string{ImagesLinks, ImagesDrop}

// commentImages is the process's mode: 0 links, 1 drop.
var commentImages atomic.Int32

// SetCommentImages sets what DeriveComment makes of images in comments,
// for the whole process: ImagesLinks or ImagesDrop ("" is the default,
// ImagesLinks). Set it once, before the store is opened, as the
// configuration says (comments.images); every process sharing a store must
// say the same. Stores record the mode their comments were derived under
// and, when it changes, re-derive the comments that hold an image (see
// store.Deriver).
func SetCommentImages(mode string) error {
	switch mode {
	case "", ImagesLinks:
		commentImages.Store(0)
	case ImagesDrop:
		commentImages.Store(1)
	default:
		return fmt.Errorf("want %s, got %q", strings.Join(ImageModes, " or "), mode)
	}
	return nil
}

// CommentImages returns the mode SetCommentImages set.
func CommentImages() string { return ImageModes[commentImages.Load()] }

// replaceImages applies the comment image mode to the tree under n, which
// the comment policy has sanitized (it keeps <img> with src and alt only,
// and only URLs of the allowed schemes).
func replaceImages(n *nethtml.Node, inLink bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == nethtml.ElementNode && c.DataAtom == atom.Img {
			if r := imageReplacement(c, inLink); r != nil {
				n.InsertBefore(r, c)
			}
			n.RemoveChild(c)
		} else {
			replaceImages(c, inLink || (c.Type == nethtml.ElementNode && c.DataAtom == atom.A))
		}
		c = next
	}
}

// imageReplacement returns what stands in for img: nil when images are
// dropped or the image has no URL and no alt text, its alt text inside a
// link, else a link to its src.
func imageReplacement(img *nethtml.Node, inLink bool) *nethtml.Node {
	if commentImages.Load() != 0 {
		return nil
	}
	var src, alt string
	for _, a := range img.Attr {
		switch a.Key {
		case "src":
			src = strings.TrimSpace(a.Val)
		case "alt":
			alt = Line(a.Val)
		}
	}
	if inLink || src == "" {
		if alt == "" {
			return nil
		}
		return &nethtml.Node{Type: nethtml.TextNode, Data: alt}
	}
	if alt == "" {
		alt = "image"
	}
	a := &nethtml.Node{Type: nethtml.ElementNode, Data: "a", DataAtom: atom.A,
		Attr: []nethtml.Attribute{{Key: "href", Val: src}}}
	a.AppendChild(&nethtml.Node{Type: nethtml.TextNode, Data: alt})
	return a
}
