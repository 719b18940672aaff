package githubapp

import (
	"errors"
	"fmt"
	"strings"
)

// StatusTarget is the commit a status is posted to.
type StatusTarget struct {
	Owner, Repo, SHA string
}

// String returns "owner/repo@sha".
func (t StatusTarget) String() string {
	return t.Owner + "/" + t.Repo + "@" + t.SHA
}

// Validate reports a missing or malformed owner, repository or commit SHA.
func (t StatusTarget) Validate() error {
	var errs []error
	if t.Owner == "" || t.Repo == "" {
		errs = append(errs, errors.New("repository not set (want owner/name)"))
	} else {
		if err := checkName("owner", t.Owner); err != nil {
			errs = append(errs, err)
		}
		if err := checkName("repository name", t.Repo); err != nil {
			errs = append(errs, err)
		}
	}
	if err := CheckSHA(t.SHA); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ParseRepo splits "owner/name" (the form of GITHUB_REPOSITORY) into its parts.
func ParseRepo(s string) (owner, repo string, err error) {
	owner, repo, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return "", "", fmt.Errorf("parse repository %q: want owner/name", s)
	}
	if err := checkName("owner", owner); err != nil {
		return "", "", fmt.Errorf("parse repository %q: %w", s, err)
	}
	if err := checkName("repository name", repo); err != nil {
		return "", "", fmt.Errorf("parse repository %q: %w", s, err)
	}
	return owner, repo, nil
}

// checkName accepts GitHub owner and repository names: letters, digits, '-', '_'
// and '.', at most 100 characters, not "." or "..".
func checkName(what, s string) error {
	if s == "." || s == ".." || len(s) > 100 {
		return fmt.Errorf("invalid %s %q", what, s)
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' && r != '.' {
			return fmt.Errorf("invalid %s %q: only letters, digits, '-', '_' and '.' are allowed", what, s)
		}
	}
	return nil
}

// CheckSHA accepts a full commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
func CheckSHA(s string) error {
	if s == "" {
		return errors.New("commit SHA not set")
	}
	if len(s) != 40 && len(s) != 64 {
		return fmt.Errorf("commit SHA %q: want the full 40 (or 64) hex digits", s)
	}
	for _, r := range s {
		if !isHex(r) {
			return fmt.Errorf("commit SHA %q: not hexadecimal", s)
		}
	}
	return nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}
