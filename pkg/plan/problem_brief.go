package plan

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

var (
	// Kustomize's chain of errors: each kustomization it went through, then the cause.
	kustomizeFromRE    = regexp.MustCompile(`accumulating resources from '([^']*)': `)
	kustomizeRecurseRE = regexp.MustCompile(`recursed accumulation of path '([^']*)'`)
	kustomizeFileRE    = regexp.MustCompile(`\s+in File: (\S+)\s*$`)
	yamlLineRE         = regexp.MustCompile(`^yaml: line (\d+): `)
	errorTypeRE        = regexp.MustCompile(`^[A-Z][A-Za-z]*Error: `)
)

// Brief is the problem as a reader wants it first: where (the file and line that
// caused it) and the cause in a few words. For Kustomize's chains ("kustomize build:
// accumulating resources: accumulating resources from '…': MalformedYAMLError: yaml:
// line 4: … in File: …") that is the file of the innermost resource, relative to the
// repository like every source, and the last link of the chain; ok is false for any
// other problem, which is short already.
func (p Problem) Brief() (src manifest.Source, cause string, ok bool) {
	msg := p.Message
	if !strings.HasPrefix(msg, "kustomize build: ") || !strings.Contains(msg, "accumulat") {
		return p.Source, msg, false
	}
	// The directory the innermost resource is relative to: the last kustomization
	// Kustomize recursed into (relative to the root), else the one that failed.
	dir := path.Dir(p.Source.File)
	if m := kustomizeRecurseRE.FindAllStringSubmatch(msg, -1); len(m) > 0 {
		dir = m[len(m)-1][1]
	}
	cause = msg
	file := ""
	if loc := kustomizeFromRE.FindAllStringSubmatchIndex(msg, -1); len(loc) > 0 {
		last := loc[len(loc)-1]
		file, cause = msg[last[2]:last[3]], msg[last[1]:]
	}
	if m := kustomizeFileRE.FindStringSubmatch(cause); m != nil {
		file, cause = m[1], cause[:len(cause)-len(m[0])]
	}
	cause = errorTypeRE.ReplaceAllString(cause, "")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(cause); m != nil {
		line, _ = strconv.Atoi(m[1])
		cause = cause[len(m[0]):]
	}
	src = p.Source
	if f := path.Join(dir, file); file != "" && !path.IsAbs(file) && f != ".." && !strings.HasPrefix(f, "../") &&
		!strings.Contains(file, "://") && path.Ext(f) != "" {
		src = manifest.Source{File: f, Line: line}
	}
	cause = strings.TrimSpace(cause)
	if cause == "" {
		return p.Source, msg, false
	}
	return src, cause, true
}
