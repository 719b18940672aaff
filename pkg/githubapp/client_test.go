package githubapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewClientURLs(t *testing.T) {
	tests := []struct {
		name, baseURL, wantBase, wantUpload, wantErr string
	}{
		{name: "github.com", baseURL: "", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "test server gets a slash", baseURL: "http://127.0.0.1:8080", wantBase: "http://127.0.0.1:8080/", wantUpload: "http://127.0.0.1:8080/"},
		{name: "enterprise kept as given", baseURL: "https://ghe.example.com/api/v3/", wantBase: "https://ghe.example.com/api/v3/",
			wantUpload: "https://ghe.example.com/api/uploads/"},
		{name: "enterprise without slash", baseURL: "https://ghe.example.com/api/v3", wantBase: "https://ghe.example.com/api/v3/",
			wantUpload: "https://ghe.example.com/api/uploads/"},
		{name: "relative", baseURL: "api.example.com", wantErr: "want an absolute http(s) URL"},
		{name: "other scheme", baseURL: "ftp://example.com/", wantErr: "want an absolute http(s) URL"},
		{name: "unparsable", baseURL: "http://[::1", wantErr: `parse GitHub API URL "http://[::1"`},
		{name: "credentials refused, not shown", baseURL: "https://user:s3cret@ghe.example.com/api/v3", wantErr: "credentials do not belong in the URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(nil, testToken, tt.baseURL)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL.String(); got != tt.wantBase {
				t.Errorf("BaseURL = %s, want %s", got, tt.wantBase)
			}
			if got := c.UploadURL.String(); got != tt.wantUpload {
				t.Errorf("UploadURL = %s, want %s", got, tt.wantUpload)
			}
		})
	}
}

func TestNewClientAuthorization(t *testing.T) {
	tests := []struct {
		name, token, wantAuth string
	}{
		{"token sent as bearer", testToken, "Bearer " + testToken},
		{"no token, no header", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotAuth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAuth = r.Header.Get("Authorization")
				_, _ = w.Write([]byte(`{"login":"octocat"}`))
			}))
			defer srv.Close()

			hc := srv.Client()
			transport := hc.Transport
			c, err := NewClient(hc, tt.token, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Users.Get(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			if gotAuth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", gotAuth, tt.wantAuth)
			}
			if hc.Transport != transport {
				t.Error("NewClient modified the caller's http.Client")
			}
		})
	}
}
