package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/rollcall/rollcall/config"
)

// healthcheckTimeout bounds `rollcall healthcheck` from connect to the last
// byte, below the 3 s timeout docker-compose.yml gives it.
const healthcheckTimeout = 2 * time.Second

// healthcheck is `rollcall healthcheck`: GET /readyz of the node listening
// on HTTP_ADDR (on the loopback address when HTTP_ADDR has no host), exit
// status 0 when it answers 200 — ready, or degraded because only Redis is
// down, which presence alone needs — and 1 otherwise: starting, the store
// down or unable to write, nothing listening, or no answer within 2 s.
// It is for container healthchecks (the image has no shell or curl), so
// an orchestrator routes to a node only while it can serve.
func healthcheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: rollcall healthcheck (no arguments: it asks the node on HTTP_ADDR for /readyz)")
		return 1
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "unhealthy: invalid configuration:\n%v\n", err)
		return 1
	}
	target, err := readyzURL(cfg.HTTPAddr)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	client := &http.Client{
		Timeout: healthcheckTimeout,
		// A redirect would be someone else's answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(target)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "unhealthy: %s answered %s %s\n", target, resp.Status, body)
		return 1
	}
	fmt.Fprintf(stdout, "healthy: %s\n", body)
	return 0
}

// readyzURL is the /readyz URL of a node listening on addr: a wildcard or
// missing host means the loopback address.
func readyzURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("HTTP_ADDR=%s: %w", addr, err)
	}
	if port == "0" {
		return "", fmt.Errorf("HTTP_ADDR=%s: the port is chosen at start, so there is no address to check", addr)
	}
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
