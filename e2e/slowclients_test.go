package e2e

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

// TestSlowClientsAreBounded runs the real server with a 1 s body deadline and
// a cap of 4 connections per address: a client trickling its body is cut off
// with 408, a websocket lives on past the deadline, and a fifth connection
// from one address is closed at accept, counted in /metrics, while the
// address gets its slot back when one of its connections closes.
func TestSlowClientsAreBounded(t *testing.T) {
	p := testenv.StartProcess(t, map[string]string{
		"DATABASE_URL":         "sqlite:" + testenv.SQLitePath(t),
		"REQUEST_BODY_TIMEOUT": "1s",
		"MAX_CONNS_PER_IP":     "4",
	})
	addr := strings.TrimPrefix(p.URL, "http://")
	http.DefaultClient.CloseIdleConnections() // waitReady's keep-alive connection

	t.Run("SlowBody", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Headers in full, then one byte of a 100-byte body, then nothing.
		if _, err := io.WriteString(c, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer to a trickled body: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("a trickled body got %d, want 408", resp.StatusCode)
		}
	})

	t.Run("WebsocketOutlivesTheBodyDeadline", func(t *testing.T) {
		c, _ := signUp(t, p.Node(), "slow@example.com")
		http.DefaultClient.CloseIdleConnections()
		ws, _, err := dialWS(t, p.Node(), "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
		if m, code := ws.read(5 * time.Second); code != 0 || m["type"] != "connection_ack" {
			t.Fatalf("no ack: %v %d", m, code)
		}
		time.Sleep(1500 * time.Millisecond) // past the body deadline: nothing to wait on but time
		ws.send(map[string]any{"type": "ping"})
		if m, code := ws.read(5 * time.Second); code != 0 || m["type"] != "pong" {
			t.Fatalf("the websocket did not survive the body deadline: %v %d", m, code)
		}
		ws.conn.Close()
	})

	t.Run("ConnectionsPerAddress", func(t *testing.T) {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		// Wait until the earlier subtests' connections are released, then
		// hold the four the cap allows.
		deadline := time.Now().Add(10 * time.Second)
		for len(held) < 4 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			if open(c) {
				held = append(held, c)
				continue
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("could not open 4 connections, have %d", len(held))
			}
			time.Sleep(20 * time.Millisecond) // waiting for the server to see earlier connections close
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if open(c) {
			t.Fatal("a fifth connection from one address was kept open")
		}
		c.Close()

		// Give one back: the address may connect again, and the refusal is counted.
		held[0].Close()
		held = held[1:]
		deadline = time.Now().Add(10 * time.Second)
		for {
			r := getMetrics(addr)
			if strings.Contains(r, "rollcall_http_connections_refused_total ") {
				if strings.Contains(r, "rollcall_http_connections_refused_total 0") {
					t.Fatalf("the refusal is not counted:\n%s", grepLines(r, "refused"))
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no slot came back after a connection closed")
			}
			time.Sleep(20 * time.Millisecond) // waiting for the server to see the close
		}
	})
}

// open reports whether the server keeps c open: a closed-at-accept
// connection reads EOF at once, a kept one times out.
func open(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// getMetrics reads /metrics on a fresh connection ("" on failure).
func getMetrics(addr string) string {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
