// Command rollcall serves the Rollcall GraphQL API: team members, invitations,
// roles and access, and live presence. Configuration comes from environment
// variables (see README.md); with none set it runs on an embedded SQLite file,
// in-process presence and a folder of .eml files.
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
	"syscall"
	"time"

	"github.com/rollcall/rollcall/app"
	"github.com/rollcall/rollcall/config"
)

func main() {
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

	a, err := app.New(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Start()

	// Every request's context derives from requests, cancelled when a
	// graceful stop runs out of time.
	requests, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return requests },
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.Listener(ln)) }()
	log.Info("rollcall listening", "addr", cfg.HTTPAddr, "public_url", cfg.PublicURL.String(),
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

func storeKind(url string) string {
	if len(url) >= 6 && url[:6] == "mysql:" {
		return "mysql"
	}
	return "sqlite"
}
