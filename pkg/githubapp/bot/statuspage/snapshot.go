package statuspage

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Snapshot is the Board at one moment, sorted, as the page draws it.
type Snapshot struct {
	Generated     time.Time
	Started       time.Time
	Installations []InstallationView
	Queue         *Queue
	Errors        []ErrorEntry // newest first
}

// InstallationView is one installation and its repositories, by name.
type InstallationView struct {
	ID           int64
	Account      string
	URL          string
	Repositories []RepositoryView
}

// RepositoryView is one repository, its targets by name and the bot's open pull requests.
type RepositoryView struct {
	FullName string
	URL      string
	Targets  []TargetView
	// DroppedTargets counts targets left out past MaxTargetsPerRepository.
	DroppedTargets int
	Pulls          []Pull
}

// TargetView is one target.
type TargetView struct {
	Name, Cluster, Path string
	Plan, Apply         *Run
	Drift               *Drift
}

// Snapshot copies the Board's state.
func (b *Board) Snapshot() Snapshot {
	var q *Queue
	if b.Queue != nil {
		v := b.Queue()
		q = &v
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Snapshot{Generated: b.now(), Started: b.started, Queue: q}
	web := b.webURL()
	byInst := map[int64]*InstallationView{}
	view := func(id int64) *InstallationView {
		if v := byInst[id]; v != nil {
			return v
		}
		v := &InstallationView{ID: id}
		if in := b.insts[id]; in != nil {
			v.Account = in.account
			v.URL = web + "/" + url.PathEscape(in.account)
		}
		byInst[id] = v
		return v
	}
	for id := range b.insts {
		view(id)
	}
	for k, r := range b.repos {
		rv := RepositoryView{FullName: b.names[k], URL: web + "/" + escapePath(b.names[k]), DroppedTargets: r.dropped}
		for name, t := range r.targets {
			tv := TargetView{Name: name, Cluster: t.cluster, Path: t.path}
			if t.plan != nil {
				p := *t.plan
				tv.Plan = &p
			}
			if t.apply != nil {
				a := *t.apply
				tv.Apply = &a
			}
			if t.drift != nil {
				d := *t.drift
				tv.Drift = &d
			}
			rv.Targets = append(rv.Targets, tv)
		}
		slices.SortFunc(rv.Targets, func(a, b TargetView) int { return strings.Compare(a.Name, b.Name) })
		for _, p := range r.pulls {
			if p.URL == "" {
				p.URL = fmt.Sprintf("%s/pull/%d", rv.URL, p.Number)
			}
			rv.Pulls = append(rv.Pulls, p)
		}
		slices.SortFunc(rv.Pulls, func(a, b Pull) int { return cmp.Compare(a.Number, b.Number) })
		iv := view(r.inst)
		iv.Repositories = append(iv.Repositories, rv)
	}
	for _, v := range byInst {
		slices.SortFunc(v.Repositories, func(a, b RepositoryView) int {
			return strings.Compare(strings.ToLower(a.FullName), strings.ToLower(b.FullName))
		})
		s.Installations = append(s.Installations, *v)
	}
	slices.SortFunc(s.Installations, func(a, b InstallationView) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Account), strings.ToLower(b.Account)), cmp.Compare(a.ID, b.ID))
	})
	for i := len(b.errors) - 1; i >= 0; i-- {
		s.Errors = append(s.Errors, b.errors[i])
	}
	return s
}

func (b *Board) webURL() string {
	if b.GitHubURL == "" {
		return "https://github.com"
	}
	return strings.TrimRight(b.GitHubURL, "/")
}

// escapePath escapes each segment of "owner/name".
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
