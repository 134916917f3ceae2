package graph

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/graph/generated"
	"github.com/rollcall/rollcall/graph/incremental"
	"github.com/rollcall/rollcall/models"
)

// HandlerConfig configures the GraphQL endpoint.
type HandlerConfig struct {
	Resolver      *Resolver
	Logger        *slog.Logger
	Introspection bool
	// MaxBodyBytes bounds a POST body (default 1 MiB).
	MaxBodyBytes int64
	// MaxDepth bounds how deeply selections nest (default 12).
	MaxDepth int
	// MaxComplexity bounds the cost of an operation, lists multiplying the
	// cost of their items (default DefaultMaxComplexity; see complexity.go).
	MaxComplexity int
	// RequestTimeout is the deadline of each query or mutation, on every
	// transport (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Limits bound the document before it is validated (DefaultDocumentLimits
	// for each zero field).
	Limits DocumentLimits
	// MaxDefers bounds the @defer directives of an operation, fragments
	// expanded (default incremental.DefaultMaxDefers).
	MaxDefers int
	// Websocket is the websocket transport (subscriptions); optional.
	Websocket graphql.Transport
	// Metrics observes operations; optional.
	Metrics graphql.HandlerExtension
	// Loaders batches row lookups per response.
	Loaders LoaderExtension
	// Persisted configures persisted queries and trusted documents (apq
	// with an in-process LRU when nil).
	Persisted *PersistedQueries
	// GetMaxAge is the max-age of a successful anonymous query answered
	// over GET (Cache-Control: public); 0 answers no-cache.
	GetMaxAge time.Duration
	// OnPanic is told of each panic recovered in a resolver; optional.
	OnPanic func()
}

// NewHandler builds the /query handler: transports, limits, introspection,
// the error presenter and panic recovery.
func NewHandler(cfg HandlerConfig) *handler.Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = 12
	}
	if cfg.MaxComplexity == 0 {
		cfg.MaxComplexity = DefaultMaxComplexity
	}
	limits := cfg.Limits.withDefaults()
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: cfg.Resolver, Complexity: complexityRoot()}))
	if cfg.Websocket != nil {
		srv.AddTransport(cfg.Websocket)
	}
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions}})
	srv.AddTransport(getTransport{maxAge: cfg.GetMaxAge})
	srv.AddTransport(postTransport{maxBody: cfg.MaxBodyBytes})
	// Parsed and validated documents are shared: every websocket of a team
	// page sends the same subscription text, and each would otherwise keep
	// its own AST (about 4 KiB per socket).
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	pq := &PersistedQueries{Mode: PersistedAPQ}
	if cfg.Persisted != nil {
		copied := *cfg.Persisted
		pq = &copied
	}
	if pq.Mode == "" {
		pq.Mode = PersistedAPQ
	}
	if pq.Store == nil {
		pq.Store = MemoryPersistedStore(1000)
	}
	if pq.MaxDocumentBytes <= 0 {
		pq.MaxDocumentBytes = DefaultPersistedMaxBytes
	}
	// The hash of a persisted query is resolved to its document before the
	// document is bounded, parsed and validated.
	srv.Use(persistedParams{cfg: pq})
	// Validation is bounded twice: documentLimit refuses an oversized
	// document before it is validated, and the rules validate in time
	// linear in the document (gqlparser's OverlappingFieldsCanBeMerged is
	// quadratic). The parser's own token limit backs the first up.
	srv.Use(documentLimit{limits: limits, cache: cache})
	srv.SetParserTokenLimit(limits.Tokens + 1)
	srv.SetValidationRulesFn(ValidationRules)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.Use(depthLimit{max: cfg.MaxDepth})
	// @defer: streamed to clients that read incremental payloads (multipart
	// HTTP responses, websockets), inline for the others; bounded.
	srv.Use(&incremental.Extension{MaxDefers: cfg.MaxDefers, Code: string(models.CodeBadUserInput)})
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	srv.Use(operationDeadline{d: cfg.RequestTimeout})
	// Registered only once every check above has passed.
	srv.Use(persistedRegister{cfg: pq})
	if cfg.Metrics != nil {
		srv.Use(cfg.Metrics)
	}
	srv.Use(cfg.Loaders)
	srv.AroundFields(authPayloadViewer)
	presenter := ErrorPresenter(cfg.Logger)
	if !cfg.Introspection {
		// No "Did you mean" hints: they would give the schema away.
		srv.SetDisableSuggestion(true)
		presenter = WithoutSuggestions(presenter)
	}
	srv.SetErrorPresenter(presenter)
	recoverFn := RecoverFunc(cfg.Logger)
	if cfg.OnPanic != nil {
		inner := recoverFn
		recoverFn = func(ctx context.Context, p any) error {
			cfg.OnPanic()
			return inner(ctx, p)
		}
	}
	srv.SetRecoverFunc(recoverFn)
	return srv
}

// depthLimit refuses operations whose selections nest deeper than max.
// Introspection fields (__schema, __type) are not counted: their depth is
// fixed by the introspection query, and introspection has its own switch.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(rc.Operation.SelectionSet, rc.Doc.Fragments, 0); depth > d.max {
		return &gqlerror.Error{Message: "the query nests deeper than the limit of " + itoa(d.max),
			Extensions: map[string]any{"code": string(models.CodeBadUserInput)}}
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	if seen > 64 {
		return seen // a cycle through fragments; validation rejects it anyway
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet, frags, seen+1)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, seen+1)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = selectionDepth(f.SelectionSet, frags, seen+1)
			}
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// AuthMiddleware resolves the bearer token of a request to the viewer. A
// missing or invalid token leaves the request anonymous: `me` answers null
// and operations that need a viewer answer UNAUTHENTICATED.
func AuthMiddleware(id models.IdentityService, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := BearerToken(r.Header.Get("Authorization"))
		if token != "" {
			v, err := id.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				r = r.WithContext(models.WithViewer(r.Context(), v))
			case models.ErrorCode(err) == models.CodeUnauthenticated:
			default:
				log.ErrorContext(r.Context(), "authenticate", "err", err)
				w.Header().Set("Content-Type", mediaJSON)
				w.WriteHeader(http.StatusServiceUnavailable)
				writeJSON(w, &graphql.Response{Errors: gqlerror.List{{Message: "the service is temporarily unavailable",
					Extensions: map[string]any{"code": string(models.CodeUnavailable)}}}})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value.
func BearerToken(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
