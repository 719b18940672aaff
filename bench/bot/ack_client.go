package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// signedRequest is one delivery's whole HTTP/1.1 request, headers and signed body,
// built (and signed) before the burst: GitHub signs on its own machines, so the
// client's CPU on the 2 cores the server has is kept to what sending takes.
func signedRequest(rawURL, event, id string, body []byte) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, webhookSecret)
	m.Write(body)
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: GitHub-Hookshot/bench\r\nContent-Type: application/json\r\n", u.RequestURI(), u.Host)
	fmt.Fprintf(&b, "X-GitHub-Event: %s\r\nX-GitHub-Delivery: %s\r\nX-Hub-Signature-256: sha256=%s\r\n", event, id, hex.EncodeToString(m.Sum(nil)))
	fmt.Fprintf(&b, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes(), nil
}

// deliverRaw opens a connection to addr, writes req in one write and reads the
// answer; it returns the status and the time from the dial to the answer's status
// line (the acknowledgement), as deliver does, without net/http's client.
func deliverRaw(ctx context.Context, addr string, req []byte) (int, time.Duration, error) {
	var d net.Dialer
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, time.Since(start), err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := conn.Write(req); err != nil {
		return 0, time.Since(start), err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	took := time.Since(start)
	if err != nil {
		return 0, took, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, took, nil
}
