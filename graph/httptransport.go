package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/graph/incremental"
	"github.com/rollcall/rollcall/models"
)

// The GraphQL-over-HTTP transports. gqlgen's own accept other content types
// silently, echo malformed bodies back in error messages and answer a GET
// mutation with 406; these follow the GraphQL-over-HTTP specification:
// 415 for a body that is not JSON, 400 for malformed JSON, 405 (with Allow)
// for a mutation over GET, 406 when no acceptable media type was asked for,
// 413 for an oversized body, and the status rules of
// application/graphql-response+json.

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// postTransport serves GraphQL over HTTP POST.
type postTransport struct{ maxBody int64 }

func (postTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == ""
}

func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	acc, ok := negotiate(w, r)
	if !ok {
		return
	}
	media := acc.media
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != mediaJSON {
		w.Header().Set("Accept-Post", mediaJSON)
		writeRequestError(w, media, http.StatusUnsupportedMediaType, "the request body must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeRequestError(w, media, http.StatusRequestEntityTooLarge, "the request body is too large")
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.Header().Set("Connection", "close")
			writeRequestError(w, media, http.StatusRequestTimeout, "the request body did not arrive in time")
			return
		}
		writeRequestError(w, media, http.StatusBadRequest, "the request body could not be read")
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		writeRequestError(w, media, http.StatusBadRequest, "the request body is not a valid GraphQL request in JSON")
		return
	}
	if strings.TrimSpace(params.Query) == "" && !HasPersistedQuery(params.Extensions) {
		writeRequestError(w, media, http.StatusBadRequest, "the request has no query")
		return
	}
	execute(w, r, exec, &params, acc, false, 0)
}

// getTransport serves queries (never mutations) over HTTP GET, with
// Cache-Control for shared caches: public with maxAge for a successful
// answer to a request without Authorization, private for one with it
// (never stored by a CDN), no-store for errors (a PERSISTED_QUERY_NOT_FOUND
// must not be cached, or the registration that follows would never be
// seen).
type getTransport struct{ maxAge time.Duration }

func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	acc, ok := negotiate(w, r)
	if !ok {
		return
	}
	media := acc.media
	q := r.URL.Query()
	params := graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for name, dst := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
		if raw := q.Get(name); raw != "" {
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(dst); err != nil {
				writeRequestError(w, media, http.StatusBadRequest, "the "+name+" parameter is not a JSON object")
				return
			}
		}
	}
	if params.Query == "" && !HasPersistedQuery(params.Extensions) {
		writeRequestError(w, media, http.StatusBadRequest, "the request has no query parameter")
		return
	}
	w.Header().Add("Vary", "Accept")
	w.Header().Add("Vary", "Authorization")
	execute(w, r, exec, &params, acc, true, t.maxAge)
}

// cacheControl is the Cache-Control of a GET answer.
func cacheControl(r *http.Request, resp *graphql.Response, maxAge time.Duration) string {
	switch {
	case resp == nil || len(resp.Errors) > 0:
		return "no-store"
	case r.Header.Get("Authorization") != "":
		// The answer depends on who asks: never in a shared cache.
		return "private, no-store"
	case maxAge <= 0:
		return "no-cache"
	}
	return "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
}

func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, acc accepted, queriesOnly bool, maxAge time.Duration) {
	media := acc.media
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	ctx := r.Context()
	if acc.multipart {
		// @defer is streamed only to a client that reads multipart/mixed;
		// for any other, the executor resolves deferred fragments inline.
		ctx = incremental.WithStreaming(ctx)
	}
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if queriesOnly {
			w.Header().Set("Cache-Control", "no-store")
		}
		w.Header().Set("Content-Type", media)
		if media == mediaGraphQLResponse {
			w.WriteHeader(http.StatusBadRequest)
		}
		writeRequestErrors(w, resp)
		return
	}
	op := rc.Operation // the operation chosen by operationName
	if op != nil && op.Operation == ast.Subscription {
		// A subscription answered over HTTP would hold the request until
		// its first event and end there: it needs a websocket.
		writeRequestError(w, media, http.StatusBadRequest, "subscriptions run over a websocket (graphql-transport-ws) at /query, not over HTTP")
		return
	}
	if queriesOnly {
		if op == nil || op.Operation != ast.Query {
			w.Header().Set("Allow", http.MethodPost)
			writeRequestError(w, media, http.StatusMethodNotAllowed, "only queries may be sent with GET; use POST")
			return
		}
	}
	responses, rctx := exec.DispatchOperation(ctx, rc)
	var mp *multipartWriter
	incremental.Deliver(rctx, ctx, rc, responses, func(first *graphql.Response, payload []byte) bool {
		if first != nil && (first.HasNext == nil || !*first.HasNext) {
			// One result: no @defer to stream.
			if queriesOnly {
				w.Header().Set("Cache-Control", cacheControl(r, first, maxAge))
			}
			w.Header().Set("Content-Type", media)
			if onlyUnavailable(first) {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			_, _ = w.Write(payload)
			return false
		}
		if mp == nil {
			mp = newMultipartWriter(w)
		}
		return mp.part(payload)
	})
	if mp != nil {
		mp.close()
	}
}

// The multipart/mixed response of incremental delivery, as Apollo Client
// reads it (deferSpec=20220824): each payload is a part of its own, flushed
// as soon as it is written, and the close delimiter ends the response.
const (
	multipartBoundary = "-"
	mediaMultipart    = `multipart/mixed; boundary="` + multipartBoundary + `"; deferSpec=20220824`
)

type multipartWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	ok bool
}

func newMultipartWriter(w http.ResponseWriter) *multipartWriter {
	w.Header().Set("Content-Type", mediaMultipart)
	w.Header().Set("Cache-Control", "no-cache")
	// A proxy must pass each part on as it comes.
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return &multipartWriter{w: w, rc: http.NewResponseController(w), ok: true}
}

// part writes one payload; false once the client is gone.
func (m *multipartWriter) part(payload []byte) bool {
	if !m.ok {
		return false
	}
	var b bytes.Buffer
	b.Grow(len(payload) + 64)
	b.WriteString("\r\n--" + multipartBoundary + "\r\nContent-Type: application/json; charset=utf-8\r\n\r\n")
	b.Write(payload)
	if _, err := m.w.Write(b.Bytes()); err != nil {
		m.ok = false
		return false
	}
	if err := m.rc.Flush(); err != nil {
		m.ok = false
	}
	return m.ok
}

func (m *multipartWriter) close() {
	if m.ok {
		_, _ = m.w.Write([]byte("\r\n--" + multipartBoundary + "--\r\n"))
		_ = m.rc.Flush()
	}
}

// onlyUnavailable reports a response that carries an UNAVAILABLE error and
// no data at all (data null, or every top-level field null): a backing
// service is down and nothing was answered, so the status is 503 with
// Retry-After, for load balancers and client retry logic alike. A response
// with some data (presence unavailable inside a members page) stays 200.
func onlyUnavailable(resp *graphql.Response) bool {
	if resp == nil {
		return false
	}
	found := false
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(string); code == string(models.CodeUnavailable) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return true
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(resp.Data, &top); err != nil {
		return false
	}
	for _, v := range top {
		if string(v) != "null" {
			return false
		}
	}
	return true
}

// accepted is what a request's Accept header allows: the media type of a
// single result, and whether multipart/mixed incremental delivery (for
// @defer) is read.
type accepted struct {
	media     string
	multipart bool
}

// negotiate picks the response media type from Accept; a request with no
// Accept header gets application/json, as the specification's legacy rule
// says. multipart/mixed counts when its deferSpec, if given, is the one
// served (20220824); a request accepting only it gets its single results
// as application/json.
func negotiate(w http.ResponseWriter, r *http.Request) (accepted, bool) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return accepted{media: mediaJSON}, true
	}
	var acc accepted
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			if acc.media == "" {
				acc.media = mediaGraphQLResponse
			}
		case mediaJSON, "application/*", "*/*":
			if acc.media == "" {
				acc.media = mediaJSON
			}
		case "multipart/mixed":
			if spec, ok := params["deferspec"]; !ok || spec == "20220824" {
				acc.multipart = true
			}
		}
	}
	if acc.media == "" && acc.multipart {
		acc.media = mediaJSON
	}
	if acc.media == "" {
		writeRequestError(w, mediaJSON, http.StatusNotAcceptable, "accept application/graphql-response+json, application/json or multipart/mixed;deferSpec=20220824")
		return acc, false
	}
	return acc, true
}

// writeRequestError answers a request that never reached execution.
func writeRequestError(w http.ResponseWriter, media string, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", media)
	w.WriteHeader(status)
	writeRequestErrors(w, &graphql.Response{Errors: gqlerror.List{{
		Message: msg, Extensions: map[string]any{"code": string(models.CodeBadUserInput)},
	}}})
}

// writeRequestErrors writes the errors of a request that failed before
// execution (unreadable, unparsable, invalid, over a limit) without a
// "data" entry: GraphQL's response format says data is absent, not null,
// when execution never started, and GraphQL over HTTP checks it for
// application/graphql-response+json.
func writeRequestErrors(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	_, _ = w.Write(b)
}

func writeJSON(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	_, _ = w.Write(b)
}
