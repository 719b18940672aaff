package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/dedupe"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// PackageRoutes turn GHCR pushes, GitHub's `package` and `registry_package` events
// (published or updated, of a container package, with a tag), into calls of
// imagesPushed. GitHub sends both events for one push when the App subscribes to
// both: their jobs share a key (a waiting one is replaced) and the event's ID is
// remembered once taken, so the push reaches imagesPushed once.
func PackageRoutes(imagesPushed func(context.Context, []registryevent.Event) error, log *slog.Logger) Routes {
	if log == nil {
		log = slog.Default()
	}
	seen := dedupe.New(10000, 24*time.Hour)
	h := func(ev webhook.Event) (Job, bool) {
		pe, ok := ev.Payload.(*webhook.PackageEvent)
		if !ok {
			return Job{}, false
		}
		evs, err := pe.ImagesPushed()
		if err != nil {
			log.Warn("package event names no image", "event", ev.Name, "delivery", ev.Delivery, "error", err)
			return Job{}, false
		}
		if len(evs) == 0 {
			return Job{}, false
		}
		e := evs[0]
		return Job{Key: "images-pushed:" + e.Repository + ":" + e.Tag, Kind: "package", Installation: ev.Installation, Run: func(ctx context.Context) error {
			if e.ID != "" && !seen.Reserve(e.ID) {
				return nil
			}
			if err := imagesPushed(ctx, evs); err != nil {
				if e.ID != "" {
					seen.Release(e.ID)
				}
				return fmt.Errorf("%s %s:%s: %w", ev.Name, e.Repository, e.Tag, err)
			}
			return nil
		}}, true
	}
	return Routes{"package": h, "registry_package": h}
}
