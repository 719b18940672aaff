package githubapp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// APIError is an error response from GitHub, explained: the HTTP status,
// GitHub's own message, and a hint at the likely cause. It never holds request
// headers, so it never shows a token. It unwraps to the go-github error
// (*github.ErrorResponse, *github.RateLimitError, *github.AbuseRateLimitError).
type APIError struct {
	StatusCode int    // HTTP status, e.g. 403
	Message    string // GitHub's message and field errors, may be empty
	Hint       string // likely cause and what to check, may be empty
	err        error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "GitHub answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.err }

// explainError turns a go-github error response into an *APIError, with the hint
// for its status code taken from hints; other errors are returned unchanged.
func explainError(err error, hints map[int]string) error {
	rate, abuse, resp := githubErrorOf(err)
	switch {
	case rate != nil:
		hint := "primary rate limit exceeded"
		if !rate.Rate.Reset.Time.IsZero() {
			hint += ", resets at " + rate.Rate.Reset.Time.UTC().Format(time.RFC3339)
		}
		return &APIError{StatusCode: statusOf(rate.Response), Message: rate.Message, Hint: hint, err: err}
	case abuse != nil:
		hint := "secondary rate limit exceeded"
		if abuse.RetryAfter != nil {
			hint += ", retry after " + abuse.RetryAfter.String()
		}
		return &APIError{StatusCode: statusOf(abuse.Response), Message: abuse.Message, Hint: hint, err: err}
	case resp != nil:
		code := statusOf(resp.Response)
		return &APIError{StatusCode: code, Message: responseMessage(resp), Hint: hints[code], err: err}
	}
	return err
}

// githubErrorOf is the go-github error inside err, the first of: a primary rate
// limit, a secondary one, another error answer; all nil when err is none of them.
func githubErrorOf(err error) (rate *github.RateLimitError, abuse *github.AbuseRateLimitError, resp *github.ErrorResponse) {
	switch {
	case errors.As(err, &rate):
		return rate, nil, nil
	case errors.As(err, &abuse):
		return nil, abuse, nil
	case errors.As(err, &resp):
		return nil, nil, resp
	}
	return nil, nil, nil
}

// responseMessage joins GitHub's message with its field errors.
func responseMessage(r *github.ErrorResponse) string {
	parts := []string{}
	if m := strings.TrimSpace(r.Message); m != "" {
		parts = append(parts, m)
	}
	for _, e := range r.Errors {
		switch {
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Field != "" || e.Code != "":
			parts = append(parts, strings.TrimSpace(e.Field+" "+e.Code))
		}
	}
	return strings.Join(parts, ": ")
}

func statusOf(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}
