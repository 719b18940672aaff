package imagestest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Server is an HTTP server on loopback that counts the requests it answers.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	paths map[string]int
	total atomic.Int64
}

// NewServer serves h on loopback; Close it when done.
func NewServer(h http.Handler) *Server {
	s := &Server{paths: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.total.Add(1)
		s.mu.Lock()
		s.paths[r.Method+" "+r.URL.Path]++
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	return s
}

// NewRegistry serves go-containerregistry's in-memory registry.
func NewRegistry() *Server {
	return NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
}

// Host is the server's host:port.
func (s *Server) Host() string { return strings.TrimPrefix(s.URL, "http://") }

// Requests is the number of requests answered since the last Reset.
func (s *Server) Requests() int64 { return s.total.Load() }

// Count is the number of requests whose "METHOD /path" contains sub.
func (s *Server) Count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.paths {
		if strings.Contains(p, sub) {
			n += c
		}
	}
	return n
}

// Reset zeroes the counters.
func (s *Server) Reset() {
	s.mu.Lock()
	s.paths = map[string]int{}
	s.mu.Unlock()
	s.total.Store(0)
}
