package feed

// Layout is how a feed's live entries are cut into a head, pages and
// archive documents (RFC 5005; see View): Total entries, oldest first by
// (Published, ID), in chunks of Size.
//
// Chunk k (1-based) holds the entries at ascending offsets [(k-1)·Size,
// k·Size); a full chunk is archive document k. The head holds every entry
// from the start of the newest full chunk on: between Size and 2·Size-1
// entries once the feed has Size, all of them before. So the head and the
// archives it chains to (HeadArchives of them, newest first through
// prev-archive) hold every entry exactly once, and archive documents only
// ever see entries added after them land in later chunks.
type Layout struct {
	Total, Size int
}

// Archives returns the number of full chunks: the archive documents that
// exist.
func (l Layout) Archives() int {
	if l.Size <= 0 || l.Total <= 0 {
		return 0
	}
	return l.Total / l.Size
}

// HeadArchives returns the number of archive documents before the head:
// the newest of them is the head's prev-archive. Zero means the head holds
// the whole feed (fh:complete).
func (l Layout) HeadArchives() int { return max(l.Archives()-1, 0) }

// Pages returns the number of paged documents: the head and one per
// archive before it.
func (l Layout) Pages() int { return l.HeadArchives() + 1 }

// Complete reports whether the head holds every entry of the feed.
func (l Layout) Complete() bool { return l.HeadArchives() == 0 }

// Head returns the ascending offset and count of the head's entries.
func (l Layout) Head() (offset, limit int) {
	off := l.HeadArchives() * l.Size
	return off, max(l.Total-off, 0)
}

// Archive returns the ascending offset and count of archive document k's
// entries, and false when it does not exist (k out of 1..Archives()).
func (l Layout) Archive(k int) (offset, limit int, ok bool) {
	if k < 1 || k > l.Archives() {
		return 0, 0, false
	}
	return (k - 1) * l.Size, l.Size, true
}

// PageArchive returns the chunk that page p ≥ 2 holds (the archive the
// head reaches in p-1 prev-archive steps), and false when there is no such
// page. Page 1 is the head.
func (l Layout) PageArchive(p int) (int, bool) {
	if p < 2 || p > l.Pages() {
		return 0, false
	}
	return l.HeadArchives() - p + 2, true
}
