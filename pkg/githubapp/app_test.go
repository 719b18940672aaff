package githubapp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

func rsaKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func TestAppInstallationTokens(t *testing.T) {
	key, keyPEM := rsaKey(t)
	_, otherPEM := rsaKey(t)
	tests := []struct {
		name       string
		ttl        time.Duration
		calls      int
		wantTokens int
	}{
		{"a token is reused while it lives", time.Hour, 5, 1},
		{"a token about to expire is refreshed first", 59 * time.Second, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := githubtest.NewChecked(t)
			gh.App = &githubtest.App{ID: 77, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: tt.ttl, Installations: map[int64]bool{5: true}}
			app, err := NewApp(77, keyPEM, gh.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if slug, err := app.Check(ctx); err != nil || slug != "kubectl-gitops" {
				t.Fatalf("Check: %q, %v", slug, err)
			}
			for i := 0; i < tt.calls; i++ {
				if err := NewStatusReporter(app.Installation(5), testTarget, PlanStatusContext).Success(ctx, "ok"); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if got := gh.App.Issued[5]; got != tt.wantTokens {
				t.Errorf("%d tokens issued, want %d", got, tt.wantTokens)
			}
			if _, err := app.Token(ctx, 6); err == nil {
				t.Error("a token for an unknown installation was issued")
			}
		})
	}

	t.Run("wrong key is explained, never quoted", func(t *testing.T) {
		gh := githubtest.NewChecked(t)
		gh.App = &githubtest.App{ID: 77, Key: &key.PublicKey, TokenTTL: time.Hour}
		app, err := NewApp(77, otherPEM, gh.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "private key is wrong") {
			t.Fatalf("Check with the wrong key: %v", err)
		}
	})
	t.Run("a key that does not parse", func(t *testing.T) {
		_, err := NewApp(77, []byte("-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-SECRETSTUFF\n-----END RSA PRIVATE KEY-----\n"), "", nil)
		if err == nil || strings.Contains(err.Error(), "SECRETSTUFF") {
			t.Fatalf("err %v", err)
		}
	})
}
