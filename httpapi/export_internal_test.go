package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

// endlessExport writes rows until a write fails or its context ends, as
// the store's streaming query does, and reports how it ended.
type endlessExport struct{ done chan error }

func (e endlessExport) ExportMembers(ctx context.Context, _ int64, write func(row []string) error) error {
	row := strings.Repeat("x", 1000)
	for {
		if err := ctx.Err(); err != nil {
			e.done <- err
			return err
		}
		if err := write([]string{row}); err != nil {
			e.done <- err
			return err
		}
	}
}

// The store connection an export holds is given back when the client
// stops reading (after exportStall) and, for a client that keeps reading,
// when the export has lasted exportLimit.
func TestExportIsBoundedWhateverTheClient(t *testing.T) {
	defer func(stall, limit time.Duration) { exportStall, exportLimit = stall, limit }(exportStall, exportLimit)
	exportStall, exportLimit = 200*time.Millisecond, 2*time.Second
	exp := endlessExport{done: make(chan error, 1)}
	h := MembersCSV(exp, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(models.WithViewer(r.Context(), &models.Viewer{UserID: 1})))
	}))
	defer srv.Close()
	get := func(t *testing.T) *http.Response {
		resp, err := http.Get(srv.URL + ExportPrefix + models.GlobalID(models.KindAccount, 1) + "/members.csv")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return resp
	}
	ended := func(t *testing.T, within time.Duration) {
		t.Helper()
		select {
		case <-exp.done:
		case <-time.After(within):
			t.Fatalf("the export still runs after %v", within)
		}
	}
	t.Run("ClientStopsReading", func(t *testing.T) {
		start := time.Now()
		get(t) // the body is never read
		ended(t, exportLimit-time.Since(start)-100*time.Millisecond)
	})
	t.Run("ClientReadsForEver", func(t *testing.T) {
		start := time.Now()
		resp := get(t)
		go func() { _, _ = io.Copy(io.Discard, resp.Body) }()
		ended(t, exportLimit+time.Second)
		if took := time.Since(start); took < exportLimit-100*time.Millisecond {
			t.Fatalf("a client that reads is cut off after %v, before the limit", took)
		}
	})
}
