package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
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

// The acknowledgement phase's clients (-ack-client).
const (
	// ackPreconnected dials every connection of a burst before it, then times each
	// request from its first byte written to the answer's status line.
	ackPreconnected = "preconnected"
	// ackRaw dials each connection in the burst, timed from the dial.
	ackRaw = "raw"
	// ackHTTP is net/http's client, signing each request in the burst.
	ackHTTP = "http"
)

// preconnect opens a connection to addr for a request written later (deliverOn),
// the kernel told to timestamp what it receives (SO_TIMESTAMPNS).
func preconnect(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		conn.Close()
		return nil, err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		conn.Close()
		return nil, fmt.Errorf("SO_TIMESTAMPNS: %w", errors.Join(err, serr))
	}
	return conn, nil
}

// deliverOn writes req in one write on conn, from preconnect, reads the answer and
// closes conn. It returns the status and two times from the write: to the kernel's
// receipt of the answer's first bytes (its timestamp; the bot's part only) and to
// this process reading them (which adds the client's own wait for a CPU).
func deliverOn(conn net.Conn, req []byte) (code int, stamped, read time.Duration, err error) {
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write(req); err != nil {
		return 0, 0, 0, err
	}
	first, at, err := recvStamped(conn)
	read = time.Since(start)
	if err != nil {
		return 0, 0, read, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(first), conn)), nil)
	if err != nil {
		return 0, 0, read, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, at.Sub(start), read, nil
}

// recvStamped reads what conn has received, waiting for it, with the time the
// kernel received it (SCM_TIMESTAMPNS).
func recvStamped(conn net.Conn) ([]byte, time.Time, error) {
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, time.Time{}, err
	}
	buf, oob := make([]byte, 4096), make([]byte, 128)
	var n, oobn int
	var rerr error
	err = raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, 0)
		return rerr != syscall.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	if n == 0 {
		return nil, time.Time{}, io.ErrUnexpectedEOF
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return buf[:n], time.Unix(sec, nsec), nil
		}
	}
	return nil, time.Time{}, errors.New("no receive timestamp (SCM_TIMESTAMPNS) from the kernel")
}

// readAnswer reads the answer on conn: its status and the time from start to its
// status line.
func readAnswer(conn net.Conn, start time.Time) (int, time.Duration, error) {
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	took := time.Since(start)
	if err != nil {
		return 0, took, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, took, nil
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
	return readAnswer(conn, start)
}
