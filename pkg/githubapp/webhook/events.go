package webhook

// The bot's busiest events are read into the few fields it routes on, not into
// go-github's full types: a pull_request payload is about 20 KiB, and its full decode
// was most of the CPU of an acknowledgement (docs/bench.md). Handlers read what they
// need; the job reads the rest from the API.

// Repo is the repository an event is about.
type Repo struct {
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Owner    struct {
		Login string `json:"login"`
	} `json:"owner"`
}

// Installation is the App installation an event came through.
type Installation struct {
	ID int64 `json:"id"`
}

// PullRequestEvent is a pull_request delivery.
type PullRequestEvent struct {
	Action  string `json:"action"`
	Number  int    `json:"number"`
	Changes *struct {
		Base *struct{} `json:"base"` // set when the base branch changed
	} `json:"changes"`
	PullRequest struct {
		Head struct {
			SHA string `json:"sha"`
		} `json:"head"`
	} `json:"pull_request"`
	Repository   Repo          `json:"repository"`
	Installation *Installation `json:"installation"`
}

// IssueCommentEvent is an issue_comment delivery (pull request comments are issue
// comments).
type IssueCommentEvent struct {
	Action string `json:"action"`
	Issue  struct {
		Number      int       `json:"number"`
		PullRequest *struct{} `json:"pull_request"` // set on a pull request
	} `json:"issue"`
	Comment struct {
		ID   int64  `json:"id"`
		Body string `json:"body"`
		User struct {
			Login string `json:"login"`
			Type  string `json:"type"` // "User" or "Bot"
		} `json:"user"`
	} `json:"comment"`
	Repository   Repo          `json:"repository"`
	Installation *Installation `json:"installation"`
}

// CheckRunEvent is a check_run delivery. go-github's type is not used: it refuses
// the timestamps of some of GitHub's own example payloads ("2018-04-25 20:42:10"),
// and the bot needs a few fields.
type CheckRunEvent struct {
	Action   string `json:"action"`
	CheckRun struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		HeadSHA    string `json:"head_sha"`
		ExternalID string `json:"external_id"`
		App        struct {
			ID int64 `json:"id"`
		} `json:"app"`
		// PullRequests are the open pull requests of the run's commit in the
		// repository (none for a pull request from a fork).
		PullRequests []struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_requests"`
	} `json:"check_run"`
	// Sender is who asked, e.g. for a re-run.
	Sender struct {
		Login string `json:"login"`
	} `json:"sender"`
	Repository   Repo          `json:"repository"`
	Installation *Installation `json:"installation"`
}

// InstallationID is the event's installation, 0 for none.
func (e *CheckRunEvent) InstallationID() int64 { return installationID(e.Installation) }

// InstallationID is the event's installation, 0 for none.
func (e *PullRequestEvent) InstallationID() int64 { return installationID(e.Installation) }

// InstallationID is the event's installation, 0 for none.
func (e *IssueCommentEvent) InstallationID() int64 { return installationID(e.Installation) }

// InstallationID is the event's installation, 0 for none.
func (e *PackageEvent) InstallationID() int64 {
	if e.Installation == nil {
		return 0
	}
	return e.Installation.ID
}

func installationID(i *Installation) int64 {
	if i == nil {
		return 0
	}
	return i.ID
}
