package images

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

func writeSecretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlatformKeychains: each cloud's keychain gets its credential from a local fake of
// that cloud's identity endpoint, and a local registry named like the cloud's (reached
// through RouteTransport) accepts only that credential: the image is updated with the
// keychain and refused without it. Nothing logged carries a token.
func TestPlatformKeychains(t *testing.T) {
	tests := []struct {
		name     Platform
		host     string
		user     string
		password string
		// setup starts the fake identity endpoint and sets the environment; wrap is the
		// registry's front (the ACR token exchange).
		setup func(t *testing.T, password string) (wrap func(http.Handler) http.Handler)
	}{
		{PlatformGoogle, "us-docker.pkg.dev", "_token", "ya29.fake-gce-access-token", func(t *testing.T, password string) func(http.Handler) http.Handler {
			meta := newCountingServer(t, imagestest.GCEMetadata(password))
			t.Setenv("GCE_METADATA_HOST", meta.Host())
			return nil
		}},
		{PlatformAWS, "123456789012.dkr.ecr.us-east-1.amazonaws.com", "AWS", "fake-ecr-password", func(t *testing.T, password string) func(http.Handler) http.Handler {
			webIdentity := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.sig"
			fake := newCountingServer(t, imagestest.AWS{
				RoleARN: "arn:aws:iam::123456789012:role/gitops-bot", WebIdentityToken: webIdentity,
				ProxyEndpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com", Password: password,
			})
			t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/gitops-bot")
			t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeSecretFile(t, webIdentity))
			t.Setenv("AWS_ROLE_SESSION_NAME", "test")
			t.Setenv("AWS_ENDPOINT_URL_STS", fake.URL)
			t.Setenv("AWS_ENDPOINT_URL_ECR", fake.URL)
			return nil
		}},
		{PlatformAzure, "gitopstest.azurecr.io", acrUsername, imagestest.JWT(map[string]any{"exp": time.Now().Add(3 * time.Hour).Unix()}), func(t *testing.T, password string) func(http.Handler) http.Handler {
			entra := newCountingServer(t, imagestest.Entra{Tenant: "tenant-1", ClientID: "client-1", FederatedToken: "federated.k8s.token", AccessToken: "entra-access-token"})
			t.Setenv("AZURE_CLIENT_ID", "client-1")
			t.Setenv("AZURE_TENANT_ID", "tenant-1")
			t.Setenv("AZURE_FEDERATED_TOKEN_FILE", writeSecretFile(t, "federated.k8s.token\n"))
			t.Setenv("AZURE_AUTHORITY_HOST", entra.URL+"/")
			return func(h http.Handler) http.Handler {
				return imagestest.ACRExchange(h, "tenant-1", "entra-access-token", password)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.name), func(t *testing.T) {
			imagestest.IsolateCloudEnv(t)
			wrap := tc.setup(t, tc.password)
			plain := newTestRegistry(t)
			pushTags(t, plain.Host(), "team/app", testImage(t, time.Unix(0, 0)), "1.0.0", "1.1.0")
			var h http.Handler = imagestest.RequireBasic(plain.Config.Handler, tc.user, tc.password)
			if wrap != nil {
				h = wrap(h)
			}
			reg := newCountingServer(t, h)
			rt := imagestest.RouteTransport(reg.Listener.Addr().String(), tc.host)
			imgs, errs := Scan([]File{{Path: "app.yaml", Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app, annotations: {fluxcd.io/automated: "true"}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ` + tc.host + `/team/app:1.0.0
`)}}, nil)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			check := func(kc authn.Keychain) Result {
				r := quietRegistry(WithKeychain(kc), WithHTTPTransport(rt), WithInsecureHosts(tc.host), WithLogger(logger))
				return (&Checker{Lister: r, Logger: logger}).Check(context.Background(), imgs)[0]
			}
			kc := PlatformKeychain(PlatformOptions{Platforms: []Platform{tc.name}, HTTPTransport: rt, Logger: logger})
			if res := check(kc); res.Status != StatusUpdate || res.Latest != "1.1.0" {
				t.Fatalf("with %s credentials: %+v\n%s", tc.name, res, logs.String())
			}
			// Only its own cloud: another platform's keychain sends nothing and the
			// registry refuses.
			other := PlatformGoogle
			if tc.name == PlatformGoogle {
				other = PlatformAzure
			}
			if res := check(PlatformKeychain(PlatformOptions{Platforms: []Platform{other}, HTTPTransport: rt, Logger: logger})); res.Status != StatusError {
				t.Fatalf("with %s credentials only: %+v", other, res)
			}
			if res := check(authn.NewMultiKeychain()); res.Status != StatusError {
				t.Fatalf("anonymously: %+v", res)
			}
			if strings.Contains(logs.String(), tc.password) {
				t.Fatalf("a token was logged:\n%s", logs.String())
			}
		})
	}
}

// TestPlatformKeychainLeavesOtherHostsAlone: for a registry that is none of the clouds',
// and for a cloud not chosen, no identity endpoint is asked.
func TestPlatformKeychainLeavesOtherHostsAlone(t *testing.T) {
	imagestest.IsolateCloudEnv(t)
	meta := newCountingServer(t, imagestest.GCEMetadata("token"))
	t.Setenv("GCE_METADATA_HOST", meta.Host())
	entra := newCountingServer(t, imagestest.Entra{Tenant: "t"})
	t.Setenv("AZURE_AUTHORITY_HOST", entra.URL)
	t.Setenv("AZURE_TENANT_ID", "t")
	t.Setenv("AZURE_CLIENT_ID", "c")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", writeSecretFile(t, "x"))
	kc := PlatformKeychain(PlatformOptions{Platforms: Platforms, Logger: discardLogger()})
	none := PlatformKeychain(PlatformOptions{Logger: discardLogger()})
	for _, c := range []struct {
		kc   authn.Keychain
		repo string
	}{
		{kc, "ghcr.io/acme/app"}, {kc, "127.0.0.1:5000/app"}, {kc, "docker.io/library/nginx"}, {kc, "public.ecr.aws/acme/app"},
		{kc, "pkg.dev.example.com/app"}, {kc, "azurecr.io.example.com/app"},
		{none, "gcr.io/acme/app"}, {none, "x.azurecr.io/app"}, {none, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"},
	} {
		auth, err := c.kc.Resolve(mustRepo(t, c.repo))
		if err != nil || auth != authn.Anonymous {
			t.Errorf("%s: %v, %v", c.repo, auth, err)
		}
	}
	if meta.Requests() != 0 || entra.Requests() != 0 {
		t.Fatalf("identity endpoints asked: metadata %d, entra %d", meta.Requests(), entra.Requests())
	}
}

// TestPlatformKeychainFailureIsAnonymousAndRemembered: without credentials the keychain
// warns once and answers anonymous (public images still work); the failure is
// remembered, so a scan of many repositories asks once.
func TestPlatformKeychainFailureIsAnonymousAndRemembered(t *testing.T) {
	imagestest.IsolateCloudEnv(t)
	entra := newCountingServer(t, imagestest.Entra{Tenant: "t", ClientID: "c", FederatedToken: "right"})
	t.Setenv("AZURE_AUTHORITY_HOST", entra.URL)
	t.Setenv("AZURE_TENANT_ID", "t")
	t.Setenv("AZURE_CLIENT_ID", "c")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", writeSecretFile(t, "wrong-federated-token"))
	var logs bytes.Buffer
	kc := PlatformKeychain(PlatformOptions{Platforms: []Platform{PlatformAzure}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, repo := range []string{"a.azurecr.io/x", "a.azurecr.io/y", "a.azurecr.io/z"} {
		auth, err := kc.Resolve(mustRepo(t, repo))
		if err != nil || auth != authn.Anonymous {
			t.Fatalf("%s: %v, %v", repo, auth, err)
		}
	}
	if n := entra.Requests(); n != 1 {
		t.Fatalf("entra asked %d times, want 1", n)
	}
	if n := strings.Count(logs.String(), "no platform credentials"); n != 1 || !strings.Contains(logs.String(), "401 Unauthorized (invalid_client)") {
		t.Fatalf("%d warnings:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "wrong-federated-token") {
		t.Fatalf("the federated token was logged:\n%s", logs.String())
	}
}

func TestParsePlatforms(t *testing.T) {
	tests := []struct {
		in   string
		want []Platform
		err  bool
	}{
		{"auto", Platforms, false},
		{"", Platforms, false},
		{"none", nil, false},
		{"google", []Platform{PlatformGoogle}, false},
		{"AWS, azure,aws", []Platform{PlatformAWS, PlatformAzure}, false},
		{"gcp", nil, true},
		{"google,", nil, true},
	}
	for _, tc := range tests {
		got, err := ParsePlatforms(tc.in)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePlatforms(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func mustRepo(t *testing.T, s string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
