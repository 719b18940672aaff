package githubapp

import (
	"net/url"
	"strings"
)

// WebURL is the web address of the GitHub whose REST API is at apiURL: https://github.com
// for https://api.github.com/ (or ""), https://HOST for GitHub Enterprise's
// https://HOST/api/v3.
func WebURL(apiURL string) string {
	u, err := url.Parse(apiURL)
	if apiURL == "" || err != nil || u.Host == "api.github.com" {
		return "https://github.com"
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3")
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return strings.TrimSuffix(u.String(), "/")
}
