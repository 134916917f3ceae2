package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

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
	media, ok := negotiate(w, r)
	if !ok {
		return
	}
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
	if strings.TrimSpace(params.Query) == "" {
		writeRequestError(w, media, http.StatusBadRequest, "the request has no query")
		return
	}
	execute(w, r, exec, &params, media, false)
}

// getTransport serves queries (never mutations) over HTTP GET.
type getTransport struct{}

func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

func (getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	params := graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if params.Query == "" {
		writeRequestError(w, media, http.StatusBadRequest, "the request has no query parameter")
		return
	}
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
	execute(w, r, exec, &params, media, true)
}

func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, media string, queriesOnly bool) {
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	ctx := r.Context()
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		w.Header().Set("Content-Type", media)
		if media == mediaGraphQLResponse {
			w.WriteHeader(http.StatusBadRequest)
		}
		writeRequestErrors(w, resp)
		return
	}
	if queriesOnly {
		if op := rc.Doc.Operations.ForName(rc.OperationName); op == nil || op.Operation != ast.Query {
			w.Header().Set("Allow", http.MethodPost)
			writeRequestError(w, media, http.StatusMethodNotAllowed, "only queries may be sent with GET; use POST")
			return
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	w.Header().Set("Content-Type", media)
	if onlyUnavailable(resp) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	writeJSON(w, resp)
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

// negotiate picks the response media type from Accept; a request with no
// Accept header gets application/json, as the specification's legacy rule
// says.
func negotiate(w http.ResponseWriter, r *http.Request) (string, bool) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON, true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse, true
		case mediaJSON, "application/*", "*/*":
			return mediaJSON, true
		}
	}
	writeRequestError(w, mediaJSON, http.StatusNotAcceptable, "accept application/graphql-response+json or application/json")
	return "", false
}

// writeRequestError answers a request that never reached execution.
func writeRequestError(w http.ResponseWriter, media string, status int, msg string) {
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
