package statuspage

import (
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bounds of what a Board keeps. Repositories and their .gitops.yaml are written by
// strangers: past a bound the oldest entry goes, and the page says how many were left out.
const (
	MaxTargetsPerRepository = 100
	MaxPullsPerRepository   = 50
	MaxErrors               = 20
	MaxTextLen              = 300 // runes of any one name, summary or message
)

// DriftState is what the last drift check of a target found.
type DriftState string

const (
	DriftUnknown     DriftState = ""            // never checked
	InSync           DriftState = "in-sync"     // the cluster matches the default branch
	Drifted          DriftState = "drift"       // objects differ, are missing or would be pruned
	Unreachable      DriftState = "unreachable" // the cluster could not be reached
	DriftCheckFailed DriftState = "failed"      // the check itself failed (e.g. a manifest problem)
)

// Run is one plan or apply of a target: the commit, when, the one-line summary (counts)
// and a link to where it shows on GitHub.
type Run struct {
	SHA     string
	Time    time.Time
	Summary string
	Failed  bool
	URL     string
}

// Drift is the last drift check of a target.
type Drift struct {
	State   DriftState
	Objects int // objects that differ, are missing or would be pruned
	Checked time.Time
	Message string
	// IssueURL links the target's drift issue while it is open.
	IssueURL string
}

// Pull is an open pull request the bot opened (an image bump).
type Pull struct {
	Number int
	Title  string
	URL    string
}

// ErrorEntry is one failed job.
type ErrorEntry struct {
	Time       time.Time
	Repository string
	Kind       string
	Message    string
}

// Queue is the work queue's state when the page is drawn.
type Queue struct {
	Waiting, Running, Capacity int
}

type target struct {
	cluster, path string
	plan, apply   *Run
	drift         *Drift
	lastTouched   time.Time
}

type repository struct {
	inst    int64
	targets map[string]*target
	pulls   map[int]Pull
	dropped int // targets dropped past MaxTargetsPerRepository
}

type installation struct {
	account string
}

// Board is what the bot knows of its repositories, as the status page shows it. The
// zero value is not usable: call NewBoard. All methods are safe for concurrent use.
type Board struct {
	// GitHubURL is the web address of GitHub, for links (default https://github.com).
	GitHubURL string
	// Queue, when set, reports the work queue when the page is drawn.
	Queue func() Queue

	now     func() time.Time
	started time.Time

	mu     sync.Mutex
	insts  map[int64]*installation
	repos  map[string]*repository // by lower-cased full name
	names  map[string]string      // lower-cased → as GitHub spells it
	errors []ErrorEntry           // newest last
}

// NewBoard returns an empty Board started now.
func NewBoard() *Board {
	return &Board{
		now:     time.Now,
		started: time.Now(),
		insts:   map[int64]*installation{},
		repos:   map[string]*repository{},
		names:   map[string]string{},
	}
}

// SetInstallation records an installation and the account it is installed on.
func (b *Board) SetInstallation(id int64, account string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.insts[id] = &installation{account: clip(account)}
}

// RemoveInstallation forgets an installation and its repositories.
func (b *Board) RemoveInstallation(id int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.insts, id)
	for k, r := range b.repos {
		if r.inst == id {
			delete(b.repos, k)
			delete(b.names, k)
		}
	}
}

// SetRepository records a repository ("owner/name") of an installation.
func (b *Board) SetRepository(inst int64, fullName string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.repo(inst, fullName)
}

// RemoveRepository forgets a repository.
func (b *Board) RemoveRepository(fullName string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := strings.ToLower(fullName)
	delete(b.repos, k)
	delete(b.names, k)
}

// SetTarget records a target of a repository: the cluster (its kubeconfig context,
// "" for none) and the path. Call it whenever a repository's .gitops.yaml is read.
func (b *Board) SetTarget(inst int64, repo, name, cluster, path string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.target(inst, repo, name)
	t.cluster, t.path = clip(cluster), clip(path)
}

// RecordPlan records the last plan of a target (on a pull request's head).
func (b *Board) RecordPlan(inst int64, repo, name string, run Run) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := clipRun(run)
	b.target(inst, repo, name).plan = &r
}

// RecordApply records the last apply of a target that the bot was told of.
func (b *Board) RecordApply(inst int64, repo, name string, run Run) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := clipRun(run)
	b.target(inst, repo, name).apply = &r
}

// RecordDrift records the last drift check of a target.
func (b *Board) RecordDrift(inst int64, repo, name string, d Drift) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d.Message, d.IssueURL = clip(d.Message), clip(d.IssueURL)
	b.target(inst, repo, name).drift = &d
}

// SetPulls records the open pull requests the bot opened on a repository, replacing
// what was recorded; at most MaxPullsPerRepository are kept (the lowest numbers go).
func (b *Board) SetPulls(inst int64, repo string, pulls []Pull) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.repo(inst, repo)
	r.pulls = map[int]Pull{}
	for _, p := range pulls {
		b.addPull(r, p)
	}
}

// AddPull records one open pull request the bot opened.
func (b *Board) AddPull(inst int64, repo string, p Pull) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addPull(b.repo(inst, repo), p)
}

// RemovePull forgets a pull request (merged or closed).
func (b *Board) RemovePull(repo string, number int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.repos[strings.ToLower(repo)]; r != nil {
		delete(r.pulls, number)
	}
}

// RecordError records a failed job; the last MaxErrors are kept. message must be
// redacted already.
func (b *Board) RecordError(repo, kind, message string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, ErrorEntry{Time: b.now(), Repository: clip(repo), Kind: clip(kind), Message: clip(message)})
	if n := len(b.errors) - MaxErrors; n > 0 {
		b.errors = append(b.errors[:0], b.errors[n:]...)
	}
}

func (b *Board) addPull(r *repository, p Pull) {
	p.Title, p.URL = clip(p.Title), clip(p.URL)
	r.pulls[p.Number] = p
	for len(r.pulls) > MaxPullsPerRepository {
		lowest := p.Number
		for n := range r.pulls {
			lowest = min(lowest, n)
		}
		delete(r.pulls, lowest)
	}
}

// repo returns the repository's record, making it. b.mu is held.
func (b *Board) repo(inst int64, fullName string) *repository {
	k := strings.ToLower(fullName)
	r := b.repos[k]
	if r == nil {
		r = &repository{targets: map[string]*target{}, pulls: map[int]Pull{}}
		b.repos[k] = r
	}
	r.inst = inst
	b.names[k] = clip(fullName)
	return r
}

// target returns the target's record, making it; past MaxTargetsPerRepository the
// target touched least recently goes. b.mu is held.
func (b *Board) target(inst int64, repo, name string) *target {
	r := b.repo(inst, repo)
	name = clip(name)
	t := r.targets[name]
	if t == nil {
		if len(r.targets) >= MaxTargetsPerRepository {
			var oldest string
			for n, c := range r.targets {
				if oldest == "" || c.lastTouched.Before(r.targets[oldest].lastTouched) {
					oldest = n
				}
			}
			delete(r.targets, oldest)
			r.dropped++
		}
		t = &target{}
		r.targets[name] = t
	}
	t.lastTouched = b.now()
	return t
}

func clipRun(r Run) Run {
	r.SHA, r.Summary, r.URL = clip(r.SHA), clip(r.Summary), clip(r.URL)
	return r
}

// clip bounds a string a repository controls to MaxTextLen runes, marking the cut.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= MaxTextLen {
		return s
	}
	return string([]rune(s)[:MaxTextLen-1]) + "…"
}
