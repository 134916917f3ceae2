// Package app wires Rollcall together: it opens the store and Redis, builds
// the services, the GraphQL handler and the HTTP routes, and runs the
// background workers. server.go and the end-to-end tests both start here.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/graph"
	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/httpapi"
	"github.com/rollcall/rollcall/internal/telemetry"
	"github.com/rollcall/rollcall/live"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
	"github.com/rollcall/rollcall/ratelimit"
	"github.com/rollcall/rollcall/web/console"
	"github.com/rollcall/rollcall/web/graphiql"
	"github.com/rollcall/rollcall/webhook"
)

// Options are wiring choices that are not end-user configuration.
type Options struct {
	Logger *slog.Logger
	// RedisPrefix namespaces every Redis key (tests use a unique one).
	RedisPrefix string
	// MailPollInterval is how often the mail worker looks for due messages.
	MailPollInterval time.Duration
	// MailMinBackoff and MailMaxBackoff bound the delay before a failed
	// message is tried again (defaults 1m and 1h; tests shorten them).
	MailMinBackoff, MailMaxBackoff time.Duration
	// Presence tunes the presence service (tests shorten its periods); its
	// Prefix is set from RedisPrefix.
	Presence presence.Options
	// WebsocketPing and WebsocketPongTimeout replace the websocket liveness
	// timings when set (in-process tests, whose clients read only when
	// they expect something, lengthen them).
	WebsocketPing, WebsocketPongTimeout time.Duration
	// Tracing replaces the tracing built from the OTEL_* configuration
	// (tests pass one recording to an in-memory exporter).
	Tracing *telemetry.Tracing
	// LivePerWatcher renders every subscription event for each subscriber
	// alone instead of once per group (tests compare the two).
	LivePerWatcher bool
	// Webhooks tunes the webhook worker (tests shorten its backoff, its
	// one-day limits and its invitation sweep); WebhookRetryFor replaces
	// the day a failing delivery is retried for.
	Webhooks        webhook.WorkerOptions
	WebhookRetryFor time.Duration
	// WebhookPresence tunes the presence.changed relay (tests shorten its
	// window and refresh).
	WebhookPresence webhook.RelayOptions
}

// App is a running Rollcall node.
type App struct {
	Config  *config.Config
	Handler http.Handler
	DB      *db.DB
	Store   *db.Store
	Redis   redis.UniversalClient

	log      *slog.Logger
	ws       *wstransport.Transport
	guard    *graph.SocketGuard
	presence presence.Service
	live     *live.Hub
	worker   *mailer.Worker
	webhooks *webhook.Worker
	relay    *webhook.PresenceRelay
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	connsRefused prometheus.Counter
	tracing      *telemetry.Tracing
	closers      []func() error

	// metrics serves /metrics on METRICS_ADDR when set (nil otherwise).
	metrics         *http.Server
	metricsListener net.Listener
}

// New builds a node from configuration. Call Start to run its workers and
// Close to release it.
func New(ctx context.Context, cfg *config.Config, opt Options) (*App, error) {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	if opt.RedisPrefix == "" {
		opt.RedisPrefix = cfg.RedisPrefix
	}
	if opt.RedisPrefix == "" {
		opt.RedisPrefix = "rollcall:"
	}
	a := &App{Config: cfg, log: log}
	ok := false
	defer func() {
		if !ok {
			_ = a.Close()
		}
	}()

	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a.DB = store
	a.closers = append(a.closers, store.Close)
	if err := a.startTracing(ctx, opt.Tracing); err != nil {
		return nil, err
	}

	var limiter models.RateLimiter = ratelimit.NewMemory()
	checks := []httpapi.Check{{Name: "store", Ping: store.CheckWritable}}
	if cfg.RedisURL != "" {
		rdb, err := connectRedis(ctx, cfg.RedisMode, cfg.RedisURL, log)
		if err != nil {
			return nil, err
		}
		a.Redis = rdb
		a.closers = append(a.closers, rdb.Close)
		if err := a.tracing.Redis(rdb); err != nil {
			return nil, err
		}
		limiter = ratelimit.NewRedis(rdb, opt.RedisPrefix+"rl:")
		// Degraded while Redis cannot be reached, and while presence is being
		// rebuilt after Redis lost its data (reads answer UNAVAILABLE then).
		checks = append(checks, httpapi.Check{Name: "redis", Degrades: true, Ping: func(ctx context.Context) error {
			if s, ok := a.presence.(interface{ Settled(context.Context) error }); ok {
				return s.Settled(ctx)
			}
			return rdb.Ping(ctx).Err()
		}})
	}

	if len(cfg.DatabaseReplicaURLs) > 0 {
		ropt := db.ReplicaOptions{URLs: cfg.DatabaseReplicaURLs, ReadYourWrites: cfg.DatabaseReadYourWrites, Logger: log}
		if a.Redis != nil {
			ropt.Shared = redisMarks{rdb: a.Redis, prefix: opt.RedisPrefix}
		}
		if err := store.UseReplicas(ctx, ropt); err != nil {
			return nil, err
		}
	}

	sender, err := mailer.Open(cfg.MailURL, log)
	if err != nil {
		return nil, err
	}
	products := make([]models.Product, len(cfg.Products))
	for i, p := range cfg.Products {
		products[i] = models.Product{Key: p.Key, Name: p.Name}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	a.worker = mailer.NewWorker(store, sender, mailer.WorkerOptions{Logger: log, PollInterval: opt.MailPollInterval, Registerer: reg,
		Retention: cfg.MailRetention, MinBackoff: opt.MailMinBackoff, MaxBackoff: opt.MailMaxBackoff})
	ws := graph.NewWebsocket(cfg.AllowedOrigins, log)
	if opt.WebsocketPing > 0 {
		ws.PingInterval, ws.PongTimeout = opt.WebsocketPing, opt.WebsocketPongTimeout
	}
	a.ws = ws
	popt := opt.Presence
	if popt.TTL == 0 {
		popt.TTL = cfg.PresenceTTL
	}
	if popt.OfflineGrace == 0 {
		popt.OfflineGrace = cfg.PresenceOfflineGrace
	}
	popt.Prefix = opt.RedisPrefix + "presence:"
	popt.ShardedPubSub = cfg.RedisMode == config.RedisCluster
	if popt.Logger == nil {
		popt.Logger = log
	}
	if a.Redis != nil {
		a.presence = presence.NewRedis(a.Redis, popt)
	} else {
		a.presence = presence.NewMemory(popt)
	}
	notifier := &live.Notifier{Local: graph.SocketNotifier{WS: ws}, Presence: a.presence, Log: log}
	hooks := webhook.NewClient(webhook.ClientOptions{AllowPrivate: cfg.WebhooksAllowPrivate})
	var kickWebhooks, kickRelay func()
	a.Store = db.NewStore(store, db.Options{
		PublicURL: cfg.PublicURL, SignupEnabled: cfg.SignupEnabled, Products: products,
		Limiter: limiter, Mail: mailer.NewRenderer(), Notifier: notifier, OnMailQueued: a.worker.Kick, Logger: log,
		WebhooksAllowPrivate: cfg.WebhooksAllowPrivate, WebhookURLCheck: hooks.CheckURL, WebhookRetryFor: opt.WebhookRetryFor,
		OnWebhookQueued: func() { kickWebhooks() }, OnWebhookEndpointsChanged: func() { kickRelay() },
	})
	wopt := opt.Webhooks
	wopt.Logger, wopt.Registerer, wopt.Retention, wopt.Now = log, reg, cfg.WebhookRetention, store.Now
	a.webhooks = webhook.NewWorker(a.Store, hooks, wopt)
	kickWebhooks = a.webhooks.Kick
	claim := webhook.LocalClaim()
	if a.Redis != nil {
		rdb, key := a.Redis, opt.RedisPrefix+"webhook:presence:"
		claim = func(ctx context.Context, userID int64, window time.Duration) (bool, error) {
			return rdb.SetNX(ctx, key+strconv.FormatInt(userID, 10), 1, window).Result()
		}
	}
	ropt := opt.WebhookPresence
	ropt.Logger = log
	a.relay = webhook.NewPresenceRelay(a.presence, a.Store, claim, ropt)
	kickRelay = a.relay.Kick
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rollcall_webhook_backlog", Help: "Webhook deliveries queued and not yet delivered or given up.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := store.WebhookBacklog(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))

	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rollcall_mail_outbox_backlog", Help: "Messages in the outbox not yet delivered.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := store.OutboxBacklog(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))

	// Sockets: caps per socket and per session, and every socket bound to
	// its session (re-checked before operations, swept, caught up after a
	// Redis outage). Refusals are counted by reason.
	refusals := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rollcall_websocket_refusals_total",
		Help: "Websocket work refused by a limit: operations (a subscribe past WS_MAX_OPERATIONS), message_rate (a socket closed 4429 past WS_MAX_MESSAGES_PER_SECOND), sockets_per_session (a connection past WS_MAX_SOCKETS_PER_SESSION).",
	}, []string{"reason"})
	reg.MustRegister(refusals)
	for _, reason := range []string{wstransport.LimitOperations, wstransport.LimitMessageRate, graph.RefusedSocketsPerSession} {
		refusals.WithLabelValues(reason) // listed at 0 from the start
	}
	ws.MaxOperations = cfg.WSMaxOperations
	ws.MessageRate, ws.MessageBurst = float64(cfg.WSMaxMessagesPerSecond), 2*cfg.WSMaxMessagesPerSecond
	ws.OnRefuse = func(_ *wstransport.Conn, limit string) { refusals.WithLabelValues(limit).Inc() }
	a.guard = &graph.SocketGuard{WS: ws, Sessions: a.Store, MaxPerSession: cfg.WSMaxSocketsPerSession,
		Recheck: cfg.WSSessionRecheck, Refused: func(reason string) { refusals.WithLabelValues(reason).Inc() }, Log: log}
	ws.InitFunc = a.guard.Init(graph.WebsocketAuth(a.Store))
	ws.Authorize = a.guard.Authorize
	// Kicks sent while Redis was away were lost: check every socket's
	// session as soon as it is back.
	a.presence.OnReconnect(a.guard.Wake)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rollcall_websockets_open", Help: "Websocket connections open on this node.",
	}, func() float64 { return float64(ws.Count()) }))

	// Persisted queries: the trusted documents of the manifest (checked
	// here, so a bad one stops the start), and the documents registered at
	// run time, shared through Redis when there is one.
	var manifest *graph.Manifest
	if cfg.PersistedQueriesManifest != "" {
		manifest, err = graph.LoadManifest(cfg.PersistedQueriesManifest)
		if err != nil {
			return nil, fmt.Errorf("PERSISTED_QUERIES_MANIFEST: %w", err)
		}
		log.Info("trusted documents loaded", "operations", manifest.Len(), "mode", cfg.PersistedQueries)
	}
	if cfg.Console {
		// The console's own operations are trusted wherever it is served,
		// so it works with PERSISTED_QUERIES=only too.
		own, err := graph.ParseManifest(console.Manifest())
		if err != nil {
			return nil, fmt.Errorf("the console's operations (web/console/manifest): %w", err)
		}
		manifest = own.With(manifest)
	}
	metrics := graph.NewMetrics(reg, append(manifest.OperationNames(), cfg.MetricsOperationNames...)...)
	a.registerPoolMetrics(reg)
	// People named by subscription events, cached node-wide and preloaded
	// per account by the live side.
	eventUsers := graph.NewEventUsers(a.Store.FindUsersByIDs, eventUsersTTL, 100_000)
	// The live side: sockets as presence connections, signed-out sessions
	// closed on every node, and the subscriptions rendered once per group.
	hub := live.New(live.Options{Presence: a.presence, Store: a.Store, WS: ws, Shared: live.Shared(graph.SharedFields),
		Release: a.guard.Release, Kicked: func(ids []int64) { a.Store.ForgetSessions(ids...) }, Delivered: metrics.Delivered, CloseSignedOut: graph.CloseSignedOut, Log: log,
		PerWatcher: opt.LivePerWatcher, Warm: eventUsers.Warm, WarmEvery: eventUsersTTL / 2})
	a.live = hub
	notifier.Hub = hub
	persisted := &graph.PersistedQueries{
		Mode: graph.PersistedMode(cfg.PersistedQueries), Manifest: manifest, MaxDocumentBytes: cfg.PersistedQueriesMaxBytes,
		Store: &persistedStore{local: graph.MemoryPersistedStore(cfg.PersistedQueriesMaxEntries), rdb: a.Redis,
			prefix: opt.RedisPrefix + "pq:", ttl: cfg.PersistedQueriesTTL, max: cfg.PersistedQueriesMaxEntries},
		OnStoreError: func(op string, err error) {
			metrics.PersistedStoreError(op, err)
			log.Warn("persisted-query store", "op", op, "err", err)
		},
	}
	resolver := &graph.Resolver{Store: a.Store, APIURL: cfg.APIURL.String(), Presence: hub, Live: hub, Limiter: limiter,
		EventUsers: eventUsers}
	gql := graph.NewHandler(graph.HandlerConfig{
		Resolver: resolver, Logger: log, Introspection: cfg.Introspection, Metrics: metrics, Websocket: ws,
		RequestTimeout: cfg.RequestTimeout, Persisted: persisted, GetMaxAge: cfg.GetCacheMaxAge, OnPanic: metrics.Panic,
		Loaders: graph.LoaderExtension{Finder: a.Store, Presence: hub},
	})
	if ext := a.tracing.GraphQL(metrics.Known); ext != nil {
		gql.Use(ext)
	}
	// With METRICS_ADDR, /metrics lives on its own listener only, bound
	// here so a taken address stops the start.
	var gatherer prometheus.Gatherer = reg
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return nil, fmt.Errorf("METRICS_ADDR: %w", err)
		}
		a.metricsListener = ln // Close closes it, also when New fails
		a.metrics = &http.Server{Handler: httpapi.Metrics(reg, cfg.Pprof), ReadHeaderTimeout: 10 * time.Second}
		gatherer = nil
	}
	var ide http.Handler
	if cfg.GraphiQL {
		ide = graphiql.Handler()
	}
	var web http.Handler
	if cfg.Console {
		web = console.Handler()
	}
	a.Handler = a.tracing.Handler(httpapi.New(httpapi.Config{
		GraphQL:        graph.RequestDeadline(cfg.RequestTimeout, graph.AuthMiddleware(a.Store, log, gql)),
		Extra:          map[string]http.Handler{httpapi.ExportPrefix: graph.AuthMiddleware(a.Store, log, httpapi.MembersCSV(a.Store, log))},
		AllowedOrigins: cfg.AllowedOrigins,
		TrustedProxies: cfg.TrustedProxies,
		Ready:          checks,
		Gatherer:       gatherer,
		Logger:         log,
		BodyTimeout:    cfg.RequestBodyTimeout,
		GraphiQL:       ide,
		Console:        web,
	}))
	a.connsRefused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rollcall_http_connections_refused_total",
		Help: "Connections closed at accept because their client address already held MAX_CONNS_PER_IP.",
	})
	reg.MustRegister(a.connsRefused)
	ok = true
	return a, nil
}

// startTracing sets up tracing (given, or built when TracingEnabled) and
// instruments the store with it; without either nothing is instrumented.
func (a *App) startTracing(ctx context.Context, given *telemetry.Tracing) error {
	a.tracing = given
	if given == nil && a.Config.TracingEnabled {
		tr, err := telemetry.New(ctx, a.log)
		if err != nil {
			return fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_*): %w", err)
		}
		a.tracing = tr
		// Normally flushed by FlushTraces first; this only stops it.
		a.closers = append(a.closers, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = tr.Shutdown(ctx)
			return nil
		})
	}
	return a.DB.Use(a.tracing.GORM())
}

// FlushTraces exports the spans still buffered and stops the exporter,
// within ctx; a node without tracing returns at once.
func (a *App) FlushTraces(ctx context.Context) error { return a.tracing.Shutdown(ctx) }

// ConnRefused counts a connection closed at accept because its client
// address already held MAX_CONNS_PER_IP (see httpapi.LimitConnsPerIP, which
// server.go puts on the listener it binds before the node is built).
func (a *App) ConnRefused() { a.connsRefused.Inc() }

// Start runs the background workers until Close.
func (a *App) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.wg.Add(5)
	go func() {
		defer a.wg.Done()
		a.relay.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.guard.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		if err := a.webhooks.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("webhook worker stopped", "err", err)
		}
	}()
	go func() {
		defer a.wg.Done()
		if err := a.worker.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("mail worker stopped", "err", err)
		}
	}()
	go func() {
		defer a.wg.Done()
		if err := a.presence.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("presence stopped", "err", err)
		}
	}()
	if a.metrics != nil {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.log.Info("metrics listening", "addr", a.metricsListener.Addr().String())
			if err := a.metrics.Serve(a.metricsListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("metrics server stopped", "err", err)
			}
		}()
	}
}

// MetricsAddr is the address /metrics listens on when METRICS_ADDR is set
// (with the port chosen when it asked for 0), or "" when /metrics is served
// by Handler.
func (a *App) MetricsAddr() string {
	if a.metricsListener == nil {
		return ""
	}
	return a.metricsListener.Addr().String()
}

// Close stops the workers (finishing the message in flight) and the
// metrics listener, and releases the store and Redis.
func (a *App) Close() error {
	if a.cancel != nil {
		a.cancel()
	}
	if a.metrics != nil {
		_ = a.metrics.Close()
	}
	if a.metricsListener != nil {
		_ = a.metricsListener.Close() // already closed once served
	}
	a.wg.Wait()
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// Shutdown closes live websockets with 1001 so clients reconnect to another
// node; HTTP requests in flight are drained by the HTTP server.
func (a *App) Shutdown(ctx context.Context) {
	if err := a.ws.Shutdown(ctx); err != nil {
		a.log.Warn("websockets did not close in time", "err", err)
	}
	// Remove this node's connections at once (OFFLINE for the others)
	// rather than waiting for them to expire.
	if err := a.presence.Shutdown(ctx); err != nil {
		a.log.Warn("presence shutdown", "err", err)
	}
	a.live.FlushLastActive(ctx)
	if a.metrics != nil {
		if err := a.metrics.Shutdown(ctx); err != nil {
			a.log.Warn("metrics server shutdown", "err", err)
		}
	}
}

// eventUsersTTL bounds how long a profile edit may take to show in
// presence events.
const eventUsersTTL = 30 * time.Second

// LiveGroups reports the subscription topics and render groups running on
// this node.
func (a *App) LiveGroups() (topics, groups int) { return a.live.Topics() }
