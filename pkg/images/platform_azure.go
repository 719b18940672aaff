package images

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Azure workload identity (what AKS's webhook injects) and ACR's token exchange, in a
// small client: the Azure SDK's azidentity would add a family of modules for two POSTs.
const (
	azureClientIDEnv      = "AZURE_CLIENT_ID"
	azureTenantIDEnv      = "AZURE_TENANT_ID"
	azureTokenFileEnv     = "AZURE_FEDERATED_TOKEN_FILE"
	azureAuthorityHostEnv = "AZURE_AUTHORITY_HOST"
	azureDefaultAuthority = "https://login.microsoftonline.com/"
	// acrUsername is the user name ACR expects with a refresh token as password.
	acrUsername = "00000000-0000-0000-0000-000000000000"
	// azureEarly renews credentials this long before they expire.
	azureEarly = 5 * time.Minute
	// azureMaxBody bounds the answers read from Entra ID and the registry.
	azureMaxBody = 1 << 20
)

// acrClouds maps an ACR host suffix to the Entra ID scope its token exchange accepts.
var acrClouds = []struct{ suffix, scope string }{
	{".azurecr.io", "https://management.azure.com/.default"},
	{".azurecr.cn", "https://management.chinacloudapi.cn/.default"},
	{".azurecr.us", "https://management.usgovcloudapi.net/.default"},
}

type azureProvider struct {
	cache  *cachedAuth
	client *http.Client
}

func newAzureProvider(opts PlatformOptions) *azureProvider {
	return &azureProvider{cache: newCachedAuth(PlatformAzure, opts), client: &http.Client{Transport: opts.HTTPTransport, Timeout: 30 * time.Second}}
}

func (a *azureProvider) matches(host string) bool { return acrScope(host) != "" }

func acrScope(host string) string {
	for _, c := range acrClouds {
		if strings.HasSuffix(host, c.suffix) {
			return c.scope
		}
	}
	return ""
}

// resolve exchanges the pod's federated token for an Entra ID access token, and that for
// an ACR refresh token, the password of ACR's fixed user name. Both are renewed before
// they expire.
func (a *azureProvider) resolve(ctx context.Context, target authn.Resource) (authn.Authenticator, error) {
	host := target.RegistryStr()
	scheme := "https"
	if s, ok := target.(interface{ Scheme() string }); ok {
		scheme = s.Scheme()
	}
	return a.cache.get(ctx, host, func() (authn.Authenticator, time.Time, error) {
		clientID, tenant, tokenFile := os.Getenv(azureClientIDEnv), os.Getenv(azureTenantIDEnv), os.Getenv(azureTokenFileEnv)
		if clientID == "" || tenant == "" || tokenFile == "" {
			return nil, time.Time{}, fmt.Errorf("workload identity is not configured (%s, %s and %s)", azureClientIDEnv, azureTenantIDEnv, azureTokenFileEnv)
		}
		assertion, err := os.ReadFile(tokenFile) // read each time: the kubelet rotates it
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("federated token: %w", err)
		}
		access, accessExp, err := a.entraToken(ctx, tenant, clientID, strings.TrimSpace(string(assertion)), acrScope(registryHostname(host)))
		if err != nil {
			return nil, time.Time{}, err
		}
		refresh, err := a.exchange(ctx, scheme, host, tenant, access)
		if err != nil {
			return nil, time.Time{}, err
		}
		exp := accessExp
		if t, ok := jwtExpiry(refresh); ok {
			exp = t
		}
		return authn.FromConfig(authn.AuthConfig{Username: acrUsername, Password: refresh}), exp.Add(-azureEarly), nil
	}), nil
}

// entraToken is the OAuth 2.0 client-credentials grant with the federated token as the
// client assertion.
func (a *azureProvider) entraToken(ctx context.Context, tenant, clientID, assertion, scope string) (string, time.Time, error) {
	authority := os.Getenv(azureAuthorityHostEnv)
	if authority == "" {
		authority = azureDefaultAuthority
	}
	endpoint := strings.TrimSuffix(authority, "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {clientID},
		"scope":                 {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	var tok struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"` // a number, or a string of one
		Error       string          `json:"error"`
	}
	if err := a.postForm(ctx, endpoint, form, &tok); err != nil {
		if tok.Error != "" {
			return "", time.Time{}, fmt.Errorf("entra id token: %w (%s)", err, tok.Error)
		}
		return "", time.Time{}, fmt.Errorf("entra id token: %w", err)
	}
	if tok.AccessToken == "" {
		return "", time.Time{}, errors.New("entra id token: the answer has no access_token")
	}
	secs := 3600
	if s := strings.Trim(string(tok.ExpiresIn), `"`); s != "" {
		fmt.Sscan(s, &secs)
	}
	return tok.AccessToken, time.Now().Add(time.Duration(secs) * time.Second), nil
}

// exchange trades an Entra ID access token for an ACR refresh token.
func (a *azureProvider) exchange(ctx context.Context, scheme, host, tenant, access string) (string, error) {
	form := url.Values{
		"grant_type":   {"access_token"},
		"service":      {host},
		"tenant":       {tenant},
		"access_token": {access},
	}
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := a.postForm(ctx, scheme+"://"+host+"/oauth2/exchange", form, &tok); err != nil {
		return "", fmt.Errorf("acr token exchange: %w", err)
	}
	if tok.RefreshToken == "" {
		return "", errors.New("acr token exchange: the answer has no refresh_token")
	}
	return tok.RefreshToken, nil
}

// postForm posts form to endpoint and decodes the JSON answer into out (also on an
// error status, for the error code). Errors never carry the form or the body.
func (a *azureProvider) postForm(ctx context.Context, endpoint string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("POST %s: %w", redactURL(endpoint), ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, azureMaxBody))
	if err != nil {
		return fmt.Errorf("POST %s: %w", redactURL(endpoint), err)
	}
	jerr := json.Unmarshal(body, out)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s", redactURL(endpoint), resp.Status)
	}
	if jerr != nil {
		return fmt.Errorf("POST %s: bad JSON answer: %w", redactURL(endpoint), jerr)
	}
	return nil
}

// redactURL drops a URL's query and user info.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(bad URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// jwtExpiry reads the exp claim of a JWT without checking its signature (the registry
// does that); it only decides when to renew.
func jwtExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == 0 {
		return time.Time{}, false
	}
	return time.Unix(claims.Exp, 0), true
}
