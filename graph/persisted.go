package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/models"
)

// Persisted queries: automatic persisted queries (APQ) as Apollo Client's
// persisted-queries link sends them, and trusted documents (a manifest of
// the operations a front end was built with).
//
// A request carries extensions.persistedQuery = {version: 1, sha256Hash}:
//   - hash alone: the document is looked up (manifest first, then the
//     store); a miss answers PERSISTED_QUERY_NOT_FOUND and the client sends
//     the text with the hash;
//   - text and hash: the text must hash to it (else BAD_USER_INPUT, nothing
//     registered); the document is registered once it has passed
//     validation and the depth and complexity limits, if it is at most
//     MaxDocumentBytes long (a longer one is served but not kept, so the
//     client keeps sending its text).
//
// Modes (PERSISTED_QUERIES): apq (the above), only (trusted documents: a
// document whose text is not in the manifest is refused with
// PERSISTED_QUERY_NOT_IN_LIST, and a hash not in the manifest answers
// PERSISTED_QUERY_NOT_FOUND; nothing is registered at run time), off
// (extensions.persistedQuery answers PERSISTED_QUERY_NOT_SUPPORTED, so
// Apollo Client stops sending hashes).

// PersistedMode is the PERSISTED_QUERIES setting.
type PersistedMode string

const (
	PersistedAPQ  PersistedMode = "apq"
	PersistedOnly PersistedMode = "only"
	PersistedOff  PersistedMode = "off"
)

// DefaultPersistedMaxBytes bounds a document registered at run time.
const DefaultPersistedMaxBytes = 32 << 10

// PersistedQueryStore keeps the documents registered at run time by their
// sha256 hash (64 lowercase hex digits).
type PersistedQueryStore interface {
	// Get returns the document of hash; an error means the store could not
	// be asked (the caller treats it as a miss).
	Get(ctx context.Context, hash string) (string, bool, error)
	// Add registers doc under hash.
	Add(ctx context.Context, hash, doc string) error
}

// MemoryPersistedStore is an in-process LRU of at most n documents.
func MemoryPersistedStore(n int) PersistedQueryStore {
	if n < 1 {
		n = 1
	}
	return memoryPersisted{lru.New[string](n)}
}

type memoryPersisted struct{ c *lru.LRU[string] }

func (m memoryPersisted) Get(ctx context.Context, hash string) (string, bool, error) {
	doc, ok := m.c.Get(ctx, hash)
	return doc, ok, nil
}

func (m memoryPersisted) Add(ctx context.Context, hash, doc string) error {
	m.c.Add(ctx, hash, doc)
	return nil
}

// PersistedQueries configures the persisted-query extensions of NewHandler.
type PersistedQueries struct {
	Mode PersistedMode
	// Manifest holds the trusted documents (optional in apq mode, where its
	// hashes are served too; required in only mode).
	Manifest *Manifest
	// Store keeps the documents registered at run time (apq mode; an
	// in-process LRU of 1,000 when nil).
	Store PersistedQueryStore
	// MaxDocumentBytes bounds a document registered at run time
	// (DefaultPersistedMaxBytes when 0).
	MaxDocumentBytes int
	// OnStoreError is told when the store failed (the request goes on: a
	// lookup counts as a miss, a registration is skipped).
	OnStoreError func(op string, err error)
}

// HashDocument is the sha256 of a document text in lowercase hex, the
// persisted-query id.
func HashDocument(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// ValidHash reports a hash of 64 lowercase hex digits.
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// HasPersistedQuery reports a request whose extensions carry a
// persistedQuery entry (its document may then be absent).
func HasPersistedQuery(ext map[string]any) bool {
	_, ok := ext["persistedQuery"]
	return ok
}

func persistedError(code models.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}

// persistedParams resolves extensions.persistedQuery before the document is
// parsed (it runs before the document limits).
type persistedParams struct{ cfg *PersistedQueries }

// persistedRegister registers a document sent with its hash once the
// document has passed validation and every limit (it runs last).
type persistedRegister struct{ cfg *PersistedQueries }

var (
	_ interface {
		graphql.HandlerExtension
		graphql.OperationParameterMutator
	} = persistedParams{}
	_ interface {
		graphql.HandlerExtension
		graphql.OperationContextMutator
	} = persistedRegister{}
)

func (persistedParams) ExtensionName() string                     { return "PersistedQueries" }
func (persistedParams) Validate(graphql.ExecutableSchema) error   { return nil }
func (persistedRegister) ExtensionName() string                   { return "PersistedQueryRegistration" }
func (persistedRegister) Validate(graphql.ExecutableSchema) error { return nil }

// pendingRegistration is kept in the operation's stats between the two
// extensions.
type pendingRegistration struct{ hash string }

const pendingKey = "PersistedQueryRegistration"

func (p persistedParams) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	cfg := p.cfg
	raw, has := params.Extensions["persistedQuery"]
	if !has {
		if cfg.Mode == PersistedOnly && params.Query != "" && !cfg.Manifest.Has(HashDocument(params.Query)) {
			return persistedError(models.CodePersistedQueryNotInList,
				"this server runs trusted documents only: the document is not in its persisted-query manifest")
		}
		return nil
	}
	if cfg.Mode == PersistedOff {
		return persistedError(models.CodePersistedQueryNotSupported, "persisted queries are turned off on this server; send the query text")
	}
	hash, err := parsePersistedExtension(raw)
	if err != nil {
		return err
	}
	if params.Query == "" {
		if doc, ok := cfg.Manifest.Get(hash); ok {
			params.Query = doc
			return nil
		}
		if cfg.Mode == PersistedAPQ {
			doc, ok, err := cfg.Store.Get(ctx, hash)
			if err != nil && cfg.OnStoreError != nil {
				cfg.OnStoreError("get", err)
			}
			// A stored document is checked again: a store shared with
			// others (Redis) is not trusted blindly.
			if ok && HashDocument(doc) == hash {
				params.Query = doc
				return nil
			}
		}
		return persistedError(models.CodePersistedQueryNotFound, "PersistedQueryNotFound")
	}
	if HashDocument(params.Query) != hash {
		return &gqlerror.Error{Message: "the query text does not match extensions.persistedQuery.sha256Hash (the sha256 of the text, in hex)",
			Extensions: map[string]any{"code": string(models.CodeBadUserInput), "field": "extensions.persistedQuery.sha256Hash"}}
	}
	if cfg.Manifest.Has(hash) {
		return nil
	}
	if cfg.Mode == PersistedOnly {
		return persistedError(models.CodePersistedQueryNotInList,
			"this server runs trusted documents only: the document is not in its persisted-query manifest")
	}
	if len(params.Query) <= cfg.MaxDocumentBytes && graphql.HasOperationContext(ctx) {
		graphql.GetOperationContext(ctx).Stats.SetExtension(pendingKey, &pendingRegistration{hash: hash})
	}
	return nil
}

func (p persistedRegister) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	pending, _ := rc.Stats.GetExtension(pendingKey).(*pendingRegistration)
	if pending == nil {
		return nil
	}
	if err := p.cfg.Store.Add(ctx, pending.hash, rc.RawQuery); err != nil && p.cfg.OnStoreError != nil {
		p.cfg.OnStoreError("add", err)
	}
	return nil
}

// parsePersistedExtension checks extensions.persistedQuery: an object with
// version 1 and a sha256Hash of 64 lowercase hex digits.
func parsePersistedExtension(raw any) (string, *gqlerror.Error) {
	bad := func(msg string) (string, *gqlerror.Error) {
		return "", &gqlerror.Error{Message: msg,
			Extensions: map[string]any{"code": string(models.CodeBadUserInput), "field": "extensions.persistedQuery"}}
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return bad("extensions.persistedQuery must be an object {version: 1, sha256Hash}")
	}
	var version float64
	switch v := m["version"].(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return bad("extensions.persistedQuery.version must be 1")
		}
		version = f
	case float64:
		version = v
	default:
		return bad("extensions.persistedQuery.version must be 1")
	}
	if version != 1 {
		return bad(fmt.Sprintf("extensions.persistedQuery.version %v is not supported: only version 1 is", version))
	}
	hash, _ := m["sha256Hash"].(string)
	if !ValidHash(hash) {
		return bad("extensions.persistedQuery.sha256Hash must be the sha256 of the query as 64 lowercase hex digits")
	}
	return hash, nil
}
