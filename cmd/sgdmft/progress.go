package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress draws a bar on a terminal; it is silent when w is not one.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	last  time.Time
	start time.Time
	on    bool
}

func newProgress(w io.Writer, label string, quiet bool) *progress {
	f, ok := w.(*os.File)
	on := false
	if ok && !quiet {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, label: label, on: on, start: time.Now()}
}

// update shows done/total, at most ten times a second.
func (p *progress) update(done, total int64) {
	if !p.on || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = now
	const width = 30
	f := float64(done) / float64(total)
	n := int(f * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %s", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*f, now.Sub(p.start).Round(time.Second))
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
