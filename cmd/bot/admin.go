package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
)

// serveAdmin serves the read-only status page on --admin-listen, apart from the
// webhooks; nil when it is off.
func (o *Options) serveAdmin(board *statuspage.Board) (*http.Server, error) {
	if o.AdminListen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.AdminListen)
	if err != nil {
		return nil, fmt.Errorf("listen on --admin-listen %s: %w", o.AdminListen, err)
	}
	hs := &http.Server{Handler: board, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: o.MaxHeaderBytes}
	o.log.Info("serving the status page", "address", ln.Addr().String())
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			o.log.Error("status page", "err", err)
		}
	}()
	return hs, nil
}
