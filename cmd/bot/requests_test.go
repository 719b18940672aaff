package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// testClient is the tests' own HTTP client: nothing here uses Go's default transport.
var testClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}, Timeout: time.Minute}

// botProcess is the real bot binary, built from this package and serving on addr.
type botProcess struct {
	addr string
	logs *botproc.Logs
	gh   *githubtest.Server
}

// startBotBinary builds ./cmd/bot and runs it against a fake GitHub App API, with a
// registry webhook secret, until the test ends. GOGC is low so that the heap the bot
// reports in /metrics is close to what it keeps alive.
func startBotBinary(t *testing.T) *botProcess {
	t.Helper()
	dir := t.TempDir()
	bin := botproc.Build(t, dir)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 99, Slug: "gitops", Key: &key.PublicKey, TokenTTL: time.Hour, Installations: map[int64]bool{1: true}}
	keyFile, secretFile, regFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "secret"), filepath.Join(dir, "registry-secret")
	for f, b := range map[string][]byte{
		keyFile:    pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		secretFile: []byte("whsec-test\n"),
		regFile:    []byte("registry-secret\n"),
	} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := &botProcess{addr: freeAddr(t), gh: gh}
	p.logs = botproc.Start(t, bin, []string{"--listen", p.addr, "--automation-interval", "0", "--leader-elect=false"},
		[]string{"HOME=" + dir, "GOGC=10",
			"GITOPS_BOT_APP_ID=99", "GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + keyFile, "GITOPS_BOT_WEBHOOK_SECRET_FILE=" + secretFile,
			"GITOPS_BOT_REGISTRY_WEBHOOK_SECRET_FILE=" + regFile, "GITOPS_BOT_GITHUB_API_URL=" + gh.URL, "GITOPS_BOT_LOG_FORMAT=json"})
	for i := 0; ; i++ {
		resp, err := testClient.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 600 {
			t.Fatalf("the bot never answered /healthz:\n%s", tail(p.logs.String(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The re-plan of stale pull requests at start calls GitHub: let it finish first.
	for i := 0; !strings.Contains(p.logs.String(), "re-planned stale pull requests"); i++ {
		if i == 600 {
			t.Fatalf("no re-plan at start:\n%s", tail(p.logs.String(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// scrape is one read of the bot's /metrics: its series (name and labels, no value)
// and the values of the Go runtime's memory statistics.
type scrape struct {
	size   int
	series []string
	values map[string]float64
}

var sampleLine = regexp.MustCompile(`^([^ ]+) ([^ ]+)$`)

func (p *botProcess) metrics(t *testing.T) scrape {
	t.Helper()
	resp, err := testClient.Get("http://" + p.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	s := scrape{size: len(b), values: map[string]float64{}}
	for _, line := range strings.Split(string(b), "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(line, "#") {
			continue
		}
		s.series = append(s.series, m[1])
		if v, err := strconv.ParseFloat(m[2], 64); err == nil {
			s.values[m[1]] = v
		}
	}
	slices.Sort(s.series)
	return s
}

// randomToken is n bytes a header value may carry.
func randomToken(r *mathrand.Rand, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/=+"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// rawPost writes a request of header lines and a body of n bytes on a connection of its
// own and reads the answer while the body is still being sent: a server may answer
// (and stop reading) before the body ends.
func rawPost(t *testing.T, addr, path string, header []string, n int) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n", path, addr, n, strings.Join(header, ""))
	go func() {
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for sent := 0; sent < n; sent += len(chunk) {
			if _, err := conn.Write(chunk[:min(len(chunk), n-sent)]); err != nil {
				return // the server stopped reading: expected
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestUnauthenticatedRequestsLeaveNoTrace drives the real bot binary with requests
// that carry no valid credential, from many senders' worth of random headers to 25 MB
// bodies. Each is answered with a 4xx and leaves nothing behind: /metrics has the same
// series as before (a refused request may only count in a series that exists from the
// start), the heap in use is not larger, the bodies were not buffered (bytes allocated
// while answering them), nothing was queued and GitHub was not called.
func TestUnauthenticatedRequestsLeaveNoTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and floods the bot binary")
	}
	p := startBotBinary(t)
	base := "http://" + p.addr
	const mib = 1 << 20
	rnd := mathrand.New(mathrand.NewPCG(1, 2))
	var rndMu sync.Mutex
	token := func(n int) string { rndMu.Lock(); defer rndMu.Unlock(); return randomToken(rnd, n) }
	intN := func(n int) int { rndMu.Lock(); defer rndMu.Unlock(); return rnd.IntN(n) }

	type request struct {
		req     *http.Request // sent with testClient
		rawPath string        // else written raw: path, header lines, body size
		rawHead []string
		rawBody int
	}
	webhook := func(event, delivery, sig, body string) request {
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", delivery)
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		return request{req: req}
	}
	for _, tc := range []struct {
		name string
		n    int
		make func(i int) request
		// codes the answers may have
		codes []int
		// heapGrowth bounds the growth of the heap in use (after a GC: GOGC is low);
		// allocated bounds the bytes the bot allocated while answering every request.
		heapGrowth, allocated float64
	}{
		{"unsigned deliveries with random event names", 10000, func(i int) request {
			if i%2 == 0 { // short enough for the handler to look at the signature
				return webhook(token(1+intN(64)), token(1+intN(64)), "", `{"zen":"hi"}`)
			}
			return webhook(token(1+intN(4096)), token(1+intN(64)), "", `{"zen":"hi"}`)
		}, []int{400, 401, 431}, 8 * mib, math.Inf(1)},
		{"random long signature, event and delivery headers", 2000, func(int) request {
			return webhook(token(1+intN(8192)), token(1+intN(8192)), "sha256="+token(intN(8192)), `{}`)
		}, []int{400, 401, 431}, 8 * mib, math.Inf(1)},
		{"500 KiB event headers", 20, func(int) request {
			return webhook(token(500<<10), "d", "", `{}`)
		}, []int{400, 401, 431}, 4 * mib, math.Inf(1)},
		{"a 25 MB unsigned body", 2, func(int) request {
			return request{rawPath: "/webhook", rawBody: 25_000_000, rawHead: []string{"Content-Type: application/json\r\n", "X-GitHub-Event: push\r\n", "X-GitHub-Delivery: big\r\n"}}
		}, []int{401, 413}, 4 * mib, 4 * mib},
		{"a 25 MB body with a malformed signature", 2, func(int) request {
			return request{rawPath: "/webhook", rawBody: 25_000_000, rawHead: []string{"Content-Type: application/json\r\n", "X-GitHub-Event: push\r\n", "X-GitHub-Delivery: big2\r\n", "X-Hub-Signature-256: sha256=nothex\r\n"}}
		}, []int{401, 413}, 4 * mib, 4 * mib},
		{"a body over --max-body with a well-formed signature", 2, func(int) request {
			return request{rawPath: "/webhook", rawBody: 30_000_000, rawHead: []string{"Content-Type: application/json\r\n", "X-GitHub-Event: push\r\n", "X-GitHub-Delivery: big3\r\n", "X-Hub-Signature-256: sha256=" + strings.Repeat("0", 64) + "\r\n"}}
		}, []int{413}, 4 * mib, 4 * mib},
		{"registry notifications without the secret", 40, func(i int) request {
			head := []string{"Content-Type: application/json\r\n"}
			path := "/hooks/registry?format=" + token(1+intN(512))
			if i%2 == 0 {
				head = append(head, "Authorization: Bearer "+token(1+intN(1024))+"\r\n")
				path = "/hooks/registry?token=" + token(16)
			}
			return request{rawPath: path, rawBody: 1 << 20, rawHead: head}
		}, []int{401}, 4 * mib, 4 * mib},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p.metrics(t)
			calls := len(p.gh.Calls())
			codes := map[int]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			next := make(chan int)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						r := tc.make(i)
						var code int
						if r.req != nil {
							resp, err := testClient.Do(r.req)
							if err != nil {
								t.Errorf("request %d: %v", i, err)
								continue
							}
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							code = resp.StatusCode
						} else {
							code = rawPost(t, p.addr, r.rawPath, r.rawHead, r.rawBody)
						}
						mu.Lock()
						codes[code]++
						mu.Unlock()
					}
				}()
			}
			for i := range tc.n {
				next <- i
			}
			close(next)
			wg.Wait()
			for code, n := range codes {
				if !slices.Contains(tc.codes, code) {
					t.Errorf("%d answers %d, want only %v", n, code, tc.codes)
				}
			}
			after := p.metrics(t)
			if !slices.Equal(before.series, after.series) {
				added := []string{}
				for _, s := range after.series {
					if _, found := slices.BinarySearch(before.series, s); !found {
						added = append(added, s[:min(len(s), 160)])
					}
				}
				t.Errorf("/metrics has %d series, %d before; new ones (first 10 of %d): %v", len(after.series), len(before.series), len(added), added[:min(len(added), 10)])
			}
			// Only counters' digits may change.
			if d := after.size - before.size; d > 4096 || d < -4096 {
				t.Errorf("/metrics is %d bytes, %d before", after.size, before.size)
			}
			heap := after.values["go_memstats_heap_inuse_bytes"] - before.values["go_memstats_heap_inuse_bytes"]
			if heap > tc.heapGrowth {
				t.Errorf("the bot's heap in use grew by %.1f MiB (from %.1f MiB), want less than %.1f MiB", heap/mib, before.values["go_memstats_heap_inuse_bytes"]/mib, tc.heapGrowth/mib)
			}
			alloc := after.values["go_memstats_alloc_bytes_total"] - before.values["go_memstats_alloc_bytes_total"]
			if alloc > tc.allocated {
				t.Errorf("the bot allocated %.1f MiB answering %d requests, want less than %.1f MiB", alloc/mib, tc.n, tc.allocated/mib)
			}
			for _, queued := range []string{"gitops_bot_queue_depth"} {
				if after.values[queued] != 0 {
					t.Errorf("%s %v", queued, after.values[queued])
				}
			}
			for _, s := range after.series {
				if strings.HasPrefix(s, "gitops_bot_job_duration_seconds_count") || strings.HasPrefix(s, "gitops_bot_queue_wait_seconds_count") {
					t.Errorf("a job ran: %s", s)
				}
			}
			if n := len(p.gh.Calls()) - calls; n != 0 {
				t.Errorf("%d GitHub API calls", n)
			}
			t.Logf("answers %v; heap in use %+.1f MiB, allocated %.1f MiB, /metrics %d bytes", codes, heap/mib, alloc/mib, after.size)
		})
	}
}
