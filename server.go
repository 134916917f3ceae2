// Command rollcall serves the Rollcall GraphQL API: team members, invitations,
// roles and access, and live presence. Configuration comes from environment
// variables (see README.md); with none set it runs on an embedded SQLite file,
// in-process presence and a folder of .eml files.
//
// `rollcall healthcheck` asks a running node whether it is ready (see
// healthcheck.go), for container healthchecks in an image without a shell.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rollcall/rollcall/app"
	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/httpapi"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "rollcall: unknown argument %q (configuration is by environment variables; the only subcommand is healthcheck)\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rollcall:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// The port is bound first, so a taken address stops the start at once
	// rather than after the store was waited for and migrated. Until the
	// node is built, /healthz answers 200 and everything else 503 (see
	// starting), so an orchestrator neither kills a node that is
	// migrating nor sends it traffic.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR=%s: cannot listen: %w", cfg.HTTPAddr, listenCause(err))
	}
	var node atomic.Pointer[app.App]
	// Every request's context derives from requests, cancelled when a
	// graceful stop runs out of time.
	requests, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a := node.Load(); a != nil {
				a.Handler.ServeHTTP(w, r)
				return
			}
			starting(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return requests },
	}
	// The per-address connection cap (MAX_CONNS_PER_IP; TRUSTED_PROXIES
	// exempt), counted once the node's metrics exist.
	limited := httpapi.LimitConnsPerIP(ln, cfg.MaxConnsPerIP, cfg.TrustedProxies, func() {
		if a := node.Load(); a != nil {
			a.ConnRefused()
		}
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limited) }()
	log.Info("rollcall listening", "addr", ln.Addr().String(), "status", "starting")

	a, err := app.New(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		_ = srv.Close()
		if ctx.Err() != nil {
			log.Info("stopped during start-up")
			return nil
		}
		return err
	}
	defer a.Close()
	a.Start()
	node.Store(a)
	log.Info("rollcall ready", "addr", ln.Addr().String(), "public_url", cfg.PublicURL.String(),
		"store", storeKind(cfg.DatabaseURL), "redis", cfg.RedisURL != "")

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	a.Shutdown(shutdownCtx)
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		// No request holds up a stop past SHUTDOWN_TIMEOUT: what still
		// runs has its work cancelled and its connection closed.
		log.Warn("requests still running at SHUTDOWN_TIMEOUT; cancelling them", "err", err)
		cancelRequests()
		_ = srv.Close()
	}
	// The last requests' spans go out within what is left of
	// SHUTDOWN_TIMEOUT.
	if err := a.FlushTraces(shutdownCtx); err != nil {
		log.Warn("traces not flushed by SHUTDOWN_TIMEOUT", "err", err)
	}
	return nil
}

// listenCause is why a bind failed, without the repetition of the address:
// "address already in use", "permission denied" (a port below 1024),
// "cannot assign requested address" (an IP this machine does not have).
func listenCause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}

// starting answers while the node is being built (the store waited for and
// migrated): the process is up, nothing else is ready.
func starting(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/healthz" {
		_, _ = w.Write([]byte(`{"status":"starting"}`))
		return
	}
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.URL.Path == "/readyz" {
		_, _ = w.Write([]byte(`{"status":"starting"}`))
		return
	}
	_, _ = w.Write([]byte(`{"errors":[{"message":"the server is starting: try again in a moment","extensions":{"code":"UNAVAILABLE"}}]}`))
}

func storeKind(url string) string {
	if len(url) >= 6 && url[:6] == "mysql:" {
		return "mysql"
	}
	return "sqlite"
}
