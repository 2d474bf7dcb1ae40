package feed

import "testing"

// TestLayout_Partition checks that the head and the archives it chains to
// hold every offset exactly once, and the pages the same chunks.
func TestLayout_Partition(t *testing.T) {
	for _, size := range []int{1, 3, 25} {
		for total := 0; total <= 4*size+2; total++ {
			l := Layout{Total: total, Size: size}
			seen := make([]int, total)
			off, n := l.Head()
			for i := off; i < off+n; i++ {
				seen[i]++
			}
			for k := l.HeadArchives(); k >= 1; k-- {
				off, n, ok := l.Archive(k)
				if !ok || n != size {
					t.Fatalf("total %d size %d: archive %d: ok %v, %d entries", total, size, k, ok, n)
				}
				for i := off; i < off+n; i++ {
					seen[i]++
				}
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("total %d size %d: offset %d seen %d times", total, size, i, c)
				}
			}
			if total >= size {
				if _, n := l.Head(); n < size || n >= 2*size {
					t.Errorf("total %d size %d: head holds %d", total, size, n)
				}
			}
			if l.Complete() != (l.HeadArchives() == 0) {
				t.Errorf("Complete disagrees with HeadArchives")
			}
			for p := 2; p <= l.Pages(); p++ {
				k, ok := l.PageArchive(p)
				if want := l.HeadArchives() - p + 2; !ok || k != want {
					t.Errorf("total %d size %d: page %d: archive %d, %v; want %d", total, size, p, k, ok, want)
				}
			}
			if _, ok := l.PageArchive(l.Pages() + 1); ok {
				t.Errorf("total %d size %d: page past the last exists", total, size)
			}
			if _, _, ok := l.Archive(l.Archives() + 1); ok {
				t.Errorf("total %d size %d: archive past the last exists", total, size)
			}
		}
	}
}
