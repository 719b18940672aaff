package imagestest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Fakes of the clouds' identity endpoints, on loopback, for the platform keychains'
// tests: each answers only a request that carries the right identity, so a test whose
// registry then accepts the issued credential proves the whole chain.

// RouteTransport dials the given host names (without port) at addr (a loopback
// host:port) and every other host as usual: a registry named like a cloud's
// (us-docker.pkg.dev, 123456789012.dkr.ecr.us-east-1.amazonaws.com, x.azurecr.io) is
// served locally. Pair it with plain HTTP for those hosts.
func RouteTransport(addr string, hosts ...string) http.RoundTripper {
	route := map[string]bool{}
	for _, h := range hosts {
		route[h] = true
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if h, _, err := net.SplitHostPort(a); err == nil && route[h] {
				a = addr
			}
			return d.DialContext(ctx, network, a)
		},
	}
}

// RequireBasic serves next only to requests with Basic credentials user:password and
// answers 401 with a Basic challenge otherwise.
func RequireBasic(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// GCEMetadata fakes the GCE/GKE metadata server (GCE_METADATA_HOST): it issues
// AccessToken for the default service account to requests with Metadata-Flavor: Google.
func GCEMetadata(accessToken string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" {
			http.Error(w, "missing Metadata-Flavor", http.StatusForbidden)
			return
		}
		w.Header().Set("Metadata-Flavor", "Google")
		switch strings.TrimSuffix(r.URL.Path, "/") {
		case "", "/computeMetadata/v1":
			fmt.Fprint(w, "computeMetadata/\n")
		case "/computeMetadata/v1/project/project-id":
			fmt.Fprint(w, "test-project")
		case "/computeMetadata/v1/universe/universe-domain":
			fmt.Fprint(w, "googleapis.com")
		case "/computeMetadata/v1/instance/service-accounts/default/token":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"access_token": accessToken, "expires_in": 3600, "token_type": "Bearer"})
		default:
			http.NotFound(w, r)
		}
	})
}

// AWS fakes STS's AssumeRoleWithWebIdentity (AWS_ENDPOINT_URL_STS) and ECR's
// GetAuthorizationToken (AWS_ENDPOINT_URL_ECR) on one server. STS answers only the
// role and web identity token given; ECR answers only requests signed with the access
// key STS issued (and its session token), with Password for proxyEndpoint.
type AWS struct {
	RoleARN, WebIdentityToken string
	ProxyEndpoint, Password   string
}

const (
	awsAccessKey    = "ASIAFAKEACCESSKEY"
	awsSessionToken = "fake-session-token"
)

func (a AWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		a.ecr(w, r, target)
		return
	}
	if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRoleWithWebIdentity" {
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	if r.Form.Get("RoleArn") != a.RoleARN || r.Form.Get("WebIdentityToken") != a.WebIdentityToken {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not this identity</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>%s</AccessKeyId>
      <SecretAccessKey>fake-secret</SecretAccessKey>
      <SessionToken>%s</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>%s/test</Arn><AssumedRoleId>AROAFAKE:test</AssumedRoleId></AssumedRoleUser>
    <SubjectFromWebIdentityToken>system:serviceaccount:bot:bot</SubjectFromWebIdentityToken>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`, awsAccessKey, awsSessionToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), a.RoleARN)
}

func (a AWS) ecr(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if target != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
		return
	}
	if !strings.Contains(r.Header.Get("Authorization"), "Credential="+awsAccessKey+"/") || r.Header.Get("X-Amz-Security-Token") != awsSessionToken {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"__type":"UnrecognizedClientException","message":"not signed by the assumed role"}`)
		return
	}
	token := base64.StdEncoding.EncodeToString([]byte("AWS:" + a.Password))
	json.NewEncoder(w).Encode(map[string]any{"authorizationData": []map[string]any{{
		"authorizationToken": token, "proxyEndpoint": a.ProxyEndpoint,
		"expiresAt": float64(time.Now().Add(12 * time.Hour).Unix()),
	}}})
}

// Entra fakes Microsoft Entra ID's token endpoint (AZURE_AUTHORITY_HOST): it issues
// AccessToken to a client-credentials grant of ClientID in Tenant whose client
// assertion is FederatedToken.
type Entra struct {
	Tenant, ClientID, FederatedToken, AccessToken string
}

func (e Entra) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/"+e.Tenant+"/oauth2/v2.0/token" || r.ParseForm() != nil {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not_found"}`)
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != e.ClientID ||
		f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" ||
		f.Get("client_assertion") != e.FederatedToken || !strings.HasSuffix(f.Get("scope"), "/.default") {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"wrong assertion"}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": e.AccessToken})
}

// ACRExchange serves ACR's /oauth2/exchange (an Entra ID access token for a refresh
// token) in front of next: it answers RefreshToken only for AccessToken and tenant.
func ACRExchange(next http.Handler, tenant, accessToken, refreshToken string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2/exchange" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "access_token" ||
			r.PostForm.Get("access_token") != accessToken || r.PostForm.Get("tenant") != tenant || r.PostForm.Get("service") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"refresh_token": refreshToken})
	})
}

// IsolateCloudEnv clears the variables through which the clouds' libraries would find real
// credentials or endpoints on this machine, and points their files at an empty HOME (returned) for
// the rest of the test. gcloud is taken off PATH.
func IsolateCloudEnv(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	for _, k := range []string{
		"GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST", "CLOUDSDK_CONFIG",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ECR",
		"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("CLOUDSDK_CONFIG", filepath.Join(home, "gcloud"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "aws-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ECR_CACHE_DIR", filepath.Join(home, "ecr"))
	t.Setenv("PATH", home) // no gcloud
	return home
}

// JWT returns an unsigned JWT whose payload holds claims (for tokens that are only
// parsed for their expiry).
func JWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(claims)
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".sig"
}
