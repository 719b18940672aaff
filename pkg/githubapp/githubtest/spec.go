package githubtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is GitHub's official OpenAPI description (from @octokit/openapi): the fake
// answers 404 to a method and path it lacks and 422 to a request body its schema
// rejects, so clients are tested against GitHub's contract, not against a guess.
type Spec struct {
	router routers.Router
}

var (
	reRefParam = regexp.MustCompile(`^(/repos/[^/]+/[^/]+/git/(?:refs|ref|matching-refs)/)(.+)$`)
	specOnce   sync.Once
	spec       *Spec
	specErr    error
)

// DataDir is the directory holding GitHub's contract as test data
// (api.github.com.json, webhooks-examples.json): $GITOPS_GITHUB_DATA, or what
// hack/github-spec.sh prints (it fetches the npm packages once into the cache).
func DataDir() (string, error) {
	if d := os.Getenv("GITOPS_GITHUB_DATA"); d != "" {
		return d, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(root, "hack", "github-spec.sh"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/github-spec.sh: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// LoadSpec loads GitHub's OpenAPI description once per process.
func LoadSpec() (*Spec, error) {
	specOnce.Do(func() {
		dir, err := DataDir()
		if err != nil {
			specErr = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(dir, "api.github.com.json"))
		if err != nil {
			specErr = fmt.Errorf("load GitHub's OpenAPI description: %w", err)
			return
		}
		doc.Servers = openapi3.Servers{{URL: "/"}} // match any host: the fake's
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("route GitHub's OpenAPI description: %w", err)
			return
		}
		spec = &Spec{router: r}
	})
	return spec, specErr
}

// Check returns 0 when GitHub's description knows r and accepts body, otherwise
// the status GitHub would answer (404 or 422) and why.
func (s *Spec) Check(r *http.Request, body []byte) (int, string) {
	req := r.Clone(context.Background())
	if string(bytes.TrimSpace(body)) == "null" {
		// GitHub reads a JSON null as no parameters (ghinstallation sends one when
		// asking for a token without options); the description only types objects.
		body = nil
		req.Header.Del("Content-Type")
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if m := reRefParam.FindStringSubmatch(req.URL.Path); m != nil {
		// GitHub's {ref} holds slashes ("heads/feature"), which a path template cannot
		// match: route with them replaced (the parameter is any string).
		u := *req.URL
		u.Path, u.RawPath = m[1]+strings.ReplaceAll(m[2], "/", "_"), ""
		req.URL = &u
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return http.StatusNotFound, fmt.Sprintf("%s %s is not in GitHub's API description", r.Method, r.URL.Path)
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: false},
	})
	if err != nil {
		var re *openapi3filter.RequestError
		if errors.As(err, &re) {
			return http.StatusUnprocessableEntity, "Invalid request: " + re.Error()
		}
		return http.StatusUnprocessableEntity, "Invalid request: " + err.Error()
	}
	return 0, ""
}
