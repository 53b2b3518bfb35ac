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

	// Simulated time, for a solver that reports it (reached): the final
	// time, the time each running batch has reached, and the batches done.
	tEnd     float64
	at       map[int]float64
	complete int
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

// simTime makes the bar show the simulated time reached, up to tEnd, as
// reported by reached.
func (p *progress) simTime(tEnd float64) {
	p.tEnd, p.at = tEnd, map[int]float64{}
}

// reached records that batch has reached simulated time t; a batch at tEnd
// is complete.
func (p *progress) reached(batch int, t float64) {
	if !p.on || p.at == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t >= p.tEnd*(1-1e-12) { // the adaptive grid's last step ends on T up to round-off
		delete(p.at, batch)
		p.complete++
		return
	}
	p.at[batch] = t
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
	fmt.Fprint(p.w, "\r"+p.line(done, total, now.Sub(p.start)))
}

// line is the text of the bar: the fraction of the work done, the simulated
// time of the least advanced running batch (if reported) and the wall time.
func (p *progress) line(done, total int64, wall time.Duration) string {
	const width = 30
	f := float64(done) / float64(total)
	n := int(f * width)
	s := fmt.Sprintf("%s [%s%s] %3.0f%%", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*f)
	if p.at != nil && len(p.at) > 0 {
		t := p.tEnd
		for _, v := range p.at {
			t = min(t, v)
		}
		s += fmt.Sprintf(" t=%.4g/%g (%d batches done)", t, p.tEnd, p.complete)
	}
	return s + " " + wall.Round(time.Second).String() + "   "
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
