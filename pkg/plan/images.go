package plan

import "strings"

// ImageChange is a container image that a change replaces: a line "image: From" that
// the diff removes and a line "image: To" that it adds at the same place.
type ImageChange struct {
	From, To string
}

// ImageChanges reads the image changes of an update from its diff, in order. Image
// bumps are the most common change a GitOps repository sees; plans show them on the
// object's line, not only inside the diff.
func (c Change) ImageChanges() []ImageChange {
	if c.Action != Update || c.Diff == "" {
		return nil
	}
	var removed, added []string
	for _, line := range strings.Split(c.Diff, "\n") {
		if len(line) < 2 || strings.HasPrefix(line, "---") || strings.HasPrefix(line, "+++") {
			continue
		}
		img, ok := imageOf(line[1:])
		if !ok {
			continue
		}
		switch line[0] {
		case '-':
			removed = append(removed, img)
		case '+':
			added = append(added, img)
		}
	}
	var out []ImageChange
	for i := 0; i < len(removed) && i < len(added); i++ {
		if removed[i] != added[i] {
			out = append(out, ImageChange{From: removed[i], To: added[i]})
		}
	}
	return out
}

// imageOf reads the value of a YAML line "image: X" (also "- image: X").
func imageOf(line string) (string, bool) {
	t := strings.TrimSpace(line)
	t = strings.TrimPrefix(t, "- ")
	v, ok := strings.CutPrefix(t, "image: ")
	if !ok {
		return "", false
	}
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	return v, v != ""
}
