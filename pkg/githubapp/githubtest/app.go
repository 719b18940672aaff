package githubtest

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// App is the GitHub App side of the fake: the App's id and public key, and the
// installation tokens it has issued.
type App struct {
	ID   int64
	Slug string
	Key  *rsa.PublicKey
	// TokenTTL is how long an installation token lives (GitHub: one hour).
	TokenTTL time.Duration
	// Installations that exist; a token for another one is refused with 404.
	Installations map[int64]bool
	// Repos lists the repositories ("owner/name") of each installation.
	Repos map[int64][]string

	tokens map[string]issued
	// Issued counts the tokens issued per installation.
	Issued map[int64]int
	seq    int
}

type issued struct {
	installation int64
	expires      time.Time
}

var reAccessTokens = regexp.MustCompile(`^/app/installations/(\d+)/access_tokens$`)

// serve answers /app endpoints and checks installation tokens on all others; it
// reports whether it wrote the answer.
func (a *App) serve(w http.ResponseWriter, r *http.Request) bool {
	if a.tokens == nil {
		a.tokens, a.Issued = map[string]issued{}, map[int64]int{}
	}
	auth := r.Header.Get("Authorization")
	if r.URL.Path == "/app" || strings.HasPrefix(r.URL.Path, "/app/") {
		if err := a.checkJWT(auth); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "A JSON web token could not be decoded: " + err.Error()})
			return true
		}
		switch m := reAccessTokens.FindStringSubmatch(r.URL.Path); {
		case r.URL.Path == "/app/installations" && r.Method == http.MethodGet:
			return false // listed with the repositories (serveRepos)
		case r.URL.Path == "/app" && r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, map[string]any{"id": a.ID, "slug": a.Slug, "name": a.Slug})
		case m != nil && r.Method == http.MethodPost:
			id, _ := strconv.ParseInt(m[1], 10, 64)
			if !a.Installations[id] {
				notFound(w)
				return true
			}
			a.seq++
			tok := fmt.Sprintf("ghs_fake%d_%d", id, a.seq)
			exp := time.Now().Add(a.TokenTTL)
			a.tokens[tok] = issued{installation: id, expires: exp}
			a.Issued[id]++
			writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "expires_at": exp.UTC().Format(time.RFC3339)})
		default:
			notFound(w)
		}
		return true
	}
	tok, ok := strings.CutPrefix(auth, "token ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "Bearer ")
	}
	it, known := a.tokens[tok]
	if !ok || !known || time.Now().After(it.expires) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		return true
	}
	return false
}

// installationOf is the installation a token was issued for (0: none).
func (a *App) installationOf(auth string) int64 {
	if a == nil {
		return 0
	}
	tok, _ := strings.CutPrefix(auth, "token ")
	return a.tokens[tok].installation
}

func (a *App) checkJWT(auth string) error {
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return fmt.Errorf("no bearer token")
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodRS256 {
			return nil, fmt.Errorf("want RS256, got %s", t.Method.Alg())
		}
		return a.Key, nil
	})
	if err != nil {
		return err
	}
	if claims.Issuer != strconv.FormatInt(a.ID, 10) {
		return fmt.Errorf("issuer %q is not App %d", claims.Issuer, a.ID)
	}
	if claims.ExpiresAt == nil || claims.ExpiresAt.Sub(time.Now()) > 10*time.Minute {
		return fmt.Errorf("expiry missing or more than 10 minutes ahead")
	}
	return nil
}
