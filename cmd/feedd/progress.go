package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far a long command (import, migrate) got on standard
// error: a bar on a terminal, else a line at every tenth of the work, such
// as "imported 120/450 entries", which logs and pipes keep readable.
type progress struct {
	w        io.Writer
	terminal bool
	// label describes the bar ("importing"); done and unit make the plain
	// lines ("imported", "entries").
	label, done, unit string

	mu   sync.Mutex
	bar  *progressbar.ProgressBar // made at the first update, which tells the total
	step int                      // work between plain lines
	last int                      // work done at the last plain line
}

// newProgress returns a progress on c's standard error, spelt with label,
// done and unit as progress describes.
func (c *cli) newProgress(label, done, unit string) *progress {
	isTerm := c.isTerminal
	if isTerm == nil {
		isTerm = isTerminal
	}
	return &progress{w: c.stderr, terminal: isTerm(c.stderr), label: label, done: done, unit: unit}
}

// update reports done of total; it is the poller's progress callback. It
// may be called from several goroutines.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= 0 {
		return
	}
	total = max(total, done) // a total counted before the work may fall short
	if p.terminal {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(p.label),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetWidth(30),
				progressbar.OptionClearOnFinish(),
			)
		} else if p.bar.GetMax() != total {
			p.bar.ChangeMax(total)
		}
		_ = p.bar.Set(done)
		return
	}
	if p.step == 0 {
		p.step = max(1, total/10)
	}
	if done == p.last || (done < total && done-p.last < p.step) {
		return
	}
	p.last = done
	fmt.Fprintf(p.w, "%s %d/%d %s\n", p.done, done, total, p.unit)
}

// finish takes the bar off the screen; after a failure it leaves it where
// it stopped.
func (p *progress) finish(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		return
	}
	if ok {
		_ = p.bar.Finish()
	} else {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
