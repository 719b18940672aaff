package images

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ListTags reads every page of repo's tag list. The order of the answer is the
// registry's (some list oldest first, some alphabetically); policies never rely on it.
func (r *Registry) ListTags(ctx context.Context, repo name.Repository) ([]string, error) {
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	rt, scheme, err := r.repoTransport(ctx, repo)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: rt, CheckRedirect: sameHostRedirect}
	first := &url.URL{Scheme: scheme, Host: repo.RegistryStr(), Path: fmt.Sprintf("/v2/%s/tags/list", repo.RepositoryStr())}
	if r.pageSize > 0 {
		first.RawQuery = "n=" + strconv.Itoa(r.pageSize)
	}
	var (
		tags = []string{}
		seen = map[string]bool{}
		next = first
		page = 0
	)
	visited := map[string]bool{}
	for next != nil {
		page++
		if visited[next.String()] {
			return nil, fmt.Errorf("list tags of %s: page %d: the registry links back to a page already read (%s)", repo.Name(), page, next)
		}
		visited[next.String()] = true
		got, link, err := r.listPage(ctx, client, next)
		if err != nil {
			return nil, fmt.Errorf("list tags of %s: page %d: %w", repo.Name(), page, err)
		}
		added := 0
		for _, t := range got {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
				added++
			}
		}
		if r.maxTags > 0 && len(tags) > r.maxTags {
			return nil, fmt.Errorf("list tags of %s: more than %d tags; raise the limit (--registry-max-tags) or prune the repository", repo.Name(), r.maxTags)
		}
		next = nil
		switch {
		case link != "":
			u, err := resolveNext(next, first, link)
			if err != nil {
				return nil, fmt.Errorf("list tags of %s: page %d: %w", repo.Name(), page, err)
			}
			next = u
		case r.pageSize > 0 && len(got) >= r.pageSize && added > 0:
			// A full page without a Link: ask for the rest the OCI way (n and last).
			u := *first
			u.RawQuery = url.Values{"n": {strconv.Itoa(r.pageSize)}, "last": {got[len(got)-1]}}.Encode()
			next = &u
		}
	}
	return tags, nil
}

func (r *Registry) listPage(ctx context.Context, client *http.Client, u *url.URL) ([]string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTagListBodySize+1))
	if err != nil {
		return nil, "", fmt.Errorf("read answer: %w", err)
	}
	if len(body) > maxTagListBodySize {
		return nil, "", fmt.Errorf("answer larger than %d MiB", maxTagListBodySize>>20)
	}
	var parsed struct {
		Name string          `json:"name"`
		Tags json.RawMessage `json:"tags"`
	}
	if err := json.Unmarshal(body, &parsed); err != nil {
		return nil, "", fmt.Errorf("the registry answered something that is not a tag list (%s): %w", snippet(body), err)
	}
	var tags []string
	if len(parsed.Tags) > 0 && string(parsed.Tags) != "null" {
		if err := json.Unmarshal(parsed.Tags, &tags); err != nil {
			return nil, "", fmt.Errorf("the registry answered a tag list whose \"tags\" is not a list of strings (%s)", snippet(parsed.Tags))
		}
	}
	return tags, nextLink(resp.Header), nil
}

// nextLink returns the URL of a Link header with rel="next" (or the first link when
// rel is absent, as some registries send).
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "<") {
				continue
			}
			end := strings.IndexByte(part, '>')
			if end < 0 {
				continue
			}
			params := part[end+1:]
			if params == "" || strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) || strings.Contains(params, "rel=next") {
				return part[1:end]
			}
		}
	}
	return ""
}

// resolveNext resolves a Link relative to the first page and refuses other hosts.
func resolveNext(_ *url.URL, first *url.URL, link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("bad Link header %q: %w", link, err)
	}
	u = first.ResolveReference(u)
	if u.Host != first.Host || u.Scheme != first.Scheme {
		return nil, fmt.Errorf("Link header points to another host (%s); refusing to follow", u.Host)
	}
	return u, nil
}

// sameHostRedirect follows a tag list's redirects on its own host and scheme only.
// (Every hop dials through the Registry's transport, so its address guard and
// plain-HTTP rule apply to redirects as to the first request.)
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("stopped after 5 redirects")
	}
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		return fmt.Errorf("redirect to another host (%s) refused", req.URL.Host)
	}
	if req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("redirect from %s to %s refused", via[0].URL.Scheme, req.URL.Scheme)
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.Quote(s)
}
