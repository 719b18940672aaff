package githubapp

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

// MaxNoteChars bounds one note's line (AddNote cuts it).
const MaxNoteChars = 1000

// noteKeyRE is what a note's key may hold.
var noteKeyRE = regexp.MustCompile(`^[A-Za-z0-9_./@:-]{1,200}$`)

// noteMarker is the hidden marker that ends the line of the note named key.
func noteMarker(key string) string { return "<!-- kubectl-gitops-note:" + key + " -->" }

// AddNote heads the sticky comment's main part with line (Markdown on one line;
// newlines become spaces, and it is cut to MaxNoteChars), right after its marker and
// above the notes already there, which it keeps; the note is named key by a hidden
// marker at the end of its line. A note is added once: when the comment has a note
// of that key already, or when the pull request has no such sticky comment (AddNote
// never creates one), nothing changes and added is false. A later Sync of the comment
// replaces its content, notes included.
func (s *StickyComment) AddNote(ctx context.Context, key, line string) (added bool, err error) {
	if !noteKeyRE.MatchString(key) {
		return false, fmt.Errorf("%s: note key %q: want letters, digits and _./@:- only", s.what("add note"), key)
	}
	ex, _, err := s.Find(ctx)
	if err != nil {
		return false, err
	}
	main := ex.Parts[1]
	if main == nil {
		return false, nil
	}
	body := main.GetBody()
	marker := noteMarker(key)
	if strings.Contains(body, marker) {
		return false, nil
	}
	line = strings.Join(strings.Fields(line), " ")
	if len(line) > MaxNoteChars {
		line = strings.ToValidUTF8(line[:MaxNoteChars], "") + "…"
	}
	// The marker is the comment's first line; its content starts after it.
	end := strings.IndexByte(body, '\n') + 1
	if end == 0 {
		body, end = body+"\n", len(body)+1
	}
	out := body[:end] + line + " " + marker + "\n\n" + body[end:]
	if len(out) > githublimit.CommentChars {
		return false, fmt.Errorf("%s: the comment would be %d characters, over GitHub's limit of %d", s.what("add note"), len(out), githublimit.CommentChars)
	}
	if _, err := s.put(ctx, main, out); err != nil {
		return false, err
	}
	return true, nil
}
