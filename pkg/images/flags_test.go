package images

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestAddRegistryFlags: the plugin and the bot register the same names with the same
// help; the defaults, and the help that describes them, come from the settings given.
func TestAddRegistryFlags(t *testing.T) {
	bot := NewRegistrySettings()
	bot.PrivateHosts = nil
	bot.PlainHTTPOnlyForInsecureHosts = true
	tests := []struct {
		name         string
		settings     RegistrySettings
		privateHosts string
		insecureHelp string
		privateHelp  string
	}{
		{"plugin", NewRegistrySettings(), "[" + strings.Join(DefaultPrivateHosts, ",") + "]",
			"loopback and private IP addresses already are, when HTTPS fails", "replaces the default"},
		{"bot", bot, "[]", "no other host is, loopback included", "(repeatable):"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.settings
			fs := pflag.NewFlagSet(tt.name, pflag.ContinueOnError)
			AddRegistryFlags(fs, &s)
			var names []string
			fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
			want := "docker-config,registry-burst,registry-insecure-host,registry-platform-credentials,registry-private-host,registry-rps,registry-timeout"
			if got := strings.Join(names, ","); got != want {
				t.Errorf("flags %s\nwant %s", got, want)
			}
			if got := fs.Lookup("registry-private-host").DefValue; got != tt.privateHosts {
				t.Errorf("--registry-private-host default %s, want %s", got, tt.privateHosts)
			}
			if got := fs.Lookup("registry-rps").DefValue; got != "200" {
				t.Errorf("--registry-rps default %s", got)
			}
			if got := fs.Lookup("registry-insecure-host").Usage; !strings.Contains(got, tt.insecureHelp) {
				t.Errorf("--registry-insecure-host help %q, want containing %q", got, tt.insecureHelp)
			}
			if got := fs.Lookup("registry-private-host").Usage; !strings.Contains(got, tt.privateHelp) {
				t.Errorf("--registry-private-host help %q, want containing %q", got, tt.privateHelp)
			}
			if err := fs.Parse([]string{"--registry-rps=5", "--registry-private-host=10.1.0.0/16"}); err != nil {
				t.Fatal(err)
			}
			if s.RPS != 5 || strings.Join(s.PrivateHosts, ",") != "10.1.0.0/16" || s.PlainHTTPOnlyForInsecureHosts != tt.settings.PlainHTTPOnlyForInsecureHosts {
				t.Errorf("settings after parsing %+v", s)
			}
			if err := s.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRegistrySettingsValidate: bad values are refused with the flag that set them.
func TestRegistrySettingsValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*RegistrySettings)
		want string
	}{
		{"cluster credentials", func(s *RegistrySettings) { s.ClusterCredentials = "maybe" }, `--cluster-credentials "maybe"`},
		{"platform", func(s *RegistrySettings) { s.PlatformCredentials = "gcp" }, "--registry-platform-credentials"},
		{"private host", func(s *RegistrySettings) { s.PrivateHosts = []string{"10.0.0.0/99"} }, "--registry-private-host"},
		{"negative", func(s *RegistrySettings) { s.Burst = -1 }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewRegistrySettings()
			tt.edit(&s)
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
}
