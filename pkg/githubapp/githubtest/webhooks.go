package githubtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// Delivery is a webhook the server sent.
type Delivery struct {
	ID     string
	Event  string
	Action string
	Repo   string
	Number int
	Status int // the receiver's answer (0: not reached)
}

// DeliverWebhooks makes the server send the App's webhooks, signed with secret, to
// url (the bot's /webhook), the way GitHub does when the API changes a pull request:
// "opened" when one is created, "closed" when closed or merged, "synchronize" when its
// head branch moved. Deliveries go one at a time, in order, after the answer to the
// call that caused them.
func (s *Server) DeliverWebhooks(url string, secret []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hookURL, s.hookSecret = url, secret
}

// Deliveries returns the webhooks sent so far.
func (s *Server) Deliveries() []Delivery {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

// Send delivers a webhook of event with payload now (a test's stand-in for an event
// the fake does not make itself) and returns the receiver's status code.
func (s *Server) Send(event string, payload map[string]any) (int, error) {
	s.mu.Lock()
	d := s.newDelivery(event, payload)
	s.mu.Unlock()
	return s.post(d)
}

// SendPullRequestEvent delivers a pull_request webhook of action (such as
// "synchronize" or "reopened") for pull request number of repo.
func (s *Server) SendPullRequestEvent(repo string, number int, action string) (int, error) {
	s.mu.Lock()
	r := s.repos[repo]
	if r == nil || r.pulls[number] == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("no pull request %s#%d", repo, number)
	}
	d := s.newDelivery("pull_request", s.pullPayload(r, r.pulls[number], action))
	s.mu.Unlock()
	return s.post(d)
}

type outgoing struct {
	Delivery
	url    string
	secret []byte
	body   []byte
}

func (s *Server) pullPayload(repo *Repo, pr *PullRequest, action string) map[string]any {
	inst := pr.Installation
	if inst == 0 {
		inst = s.installationOf(repo)
	}
	return map[string]any{"action": action, "number": pr.Number, "pull_request": pullJSON(repo, pr),
		"repository": repoJSON(repo), "installation": map[string]any{"id": inst}, "sender": map[string]any{"login": pr.User}}
}

// installationOf is the App's installation that holds repo (0: none); s.mu is held.
func (s *Server) installationOf(repo *Repo) int64 {
	if s.App == nil {
		return 0
	}
	for id, names := range s.App.Repos {
		for _, n := range names {
			if n == repo.FullName {
				return id
			}
		}
	}
	return 0
}

// queuePushEvent queues the push webhook of branch moving from before to after, as
// GitHub sends it for a merge; s.mu is held.
func (s *Server) queuePushEvent(repo *Repo, branch, before, after string) {
	if s.hookURL == "" {
		return
	}
	s.outbox = append(s.outbox, s.newDelivery("push", map[string]any{
		"ref": "refs/heads/" + branch, "before": before, "after": after, "created": false, "deleted": false, "forced": false,
		"repository": repoJSON(repo), "installation": map[string]any{"id": s.installationOf(repo)},
		"sender": map[string]any{"login": "merger"}}))
}

// newDelivery builds a signed delivery; s.mu is held.
func (s *Server) newDelivery(event string, payload map[string]any) outgoing {
	body, _ := json.Marshal(payload)
	s.hookSeq++
	d := outgoing{Delivery: Delivery{ID: fmt.Sprintf("fake-%d", s.hookSeq), Event: event}, url: s.hookURL, secret: s.hookSecret, body: body}
	d.Action, _ = payload["action"].(string)
	if n, ok := payload["number"].(int); ok {
		d.Number = n
	}
	if r, ok := payload["repository"].(map[string]any); ok {
		d.Repo, _ = r["full_name"].(string)
	}
	return d
}

// queuePullEvent queues a pull_request webhook to send after the current answer;
// s.mu is held.
func (s *Server) queuePullEvent(repo *Repo, pr *PullRequest, action string) {
	if s.hookURL == "" {
		return
	}
	s.outbox = append(s.outbox, s.newDelivery("pull_request", s.pullPayload(repo, pr, action)))
}

// flush sends the queued deliveries in order, one sender at a time.
func (s *Server) flush() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	for {
		s.mu.Lock()
		if len(s.outbox) == 0 {
			s.mu.Unlock()
			return
		}
		d := s.outbox[0]
		s.outbox = s.outbox[1:]
		s.mu.Unlock()
		_, _ = s.post(d)
	}
}

func (s *Server) post(d outgoing) (int, error) {
	if d.url == "" {
		return 0, fmt.Errorf("no webhook receiver: call DeliverWebhooks")
	}
	req, err := http.NewRequest(http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	mac := hmac.New(sha256.New, d.secret)
	mac.Write(d.body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := netguard.Client().Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d.Status = resp.StatusCode
	}
	s.hookMu.Lock()
	s.delivered = append(s.delivered, d.Delivery)
	s.hookMu.Unlock()
	return d.Status, err
}
