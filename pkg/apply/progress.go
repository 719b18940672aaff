package apply

import (
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// Progress is told about each stage and each finished object.
type Progress interface {
	Stage(name string, total int)
	Done(c *plan.Change)
	Finish()
}

// LogProgress writes one log line per stage and per object (for pipes and CI logs).
type LogProgress struct{ Log *slog.Logger }

func (p LogProgress) Stage(name string, total int) {
	p.Log.Info("stage", "stage", name, "objects", total)
}

func (p LogProgress) Done(c *plan.Change) {
	if c.Result == plan.Failed {
		p.Log.Error("failed", "object", c.ID.String(), "source", c.Source.String(), "err", c.Error)
		return
	}
	p.Log.Info(string(c.Result), "object", c.ID.String())
}

func (LogProgress) Finish() {}

// BarProgress draws one progress bar per stage on a terminal.
type BarProgress struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bar  *mpb.Bar
	bars []*mpb.Bar
}

// NewBarProgress draws bars on w (a TTY).
func NewBarProgress(w io.Writer) *BarProgress {
	return &BarProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithAutoRefresh())}
}

func (b *BarProgress) Stage(name string, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-20s", name)), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Percentage()),
	)
	b.bars = append(b.bars, b.bar)
}

func (b *BarProgress) Done(*plan.Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Increment()
	}
}

// Finish stops the bars; bars of stages cut short (cancelled, failed validation) are
// aborted so that waiting for them cannot hang.
func (b *BarProgress) Finish() {
	b.mu.Lock()
	for _, bar := range b.bars {
		if !bar.Completed() {
			bar.Abort(false)
		}
	}
	b.mu.Unlock()
	b.p.Wait()
}

type noProgress struct{}

func (noProgress) Stage(string, int) {}
func (noProgress) Done(*plan.Change) {}
func (noProgress) Finish()           {}
