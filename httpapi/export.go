package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rollcall/rollcall/models"
)

// ExportPrefix is where the CSV export lives:
// GET /export/accounts/{accountId}/members.csv with Authorization: Bearer.
const ExportPrefix = "/export/accounts/"

// The export streams from a store query that holds a connection of the
// store's pool until its last row is written, that is for as long as the
// client takes to read. The server has no write timeout (responses are
// long), so the export bounds that itself: each chunk of rows must reach
// the client within exportStall of the one before (a client that stops
// reading is cut off then), and the whole download ends by exportLimit. The
// request's context ends the query as soon as the client goes away.
var (
	exportStall = 30 * time.Second
	exportLimit = 30 * time.Minute
)

// MembersCSV serves the members export, streamed row by row with every cell
// neutralised for spreadsheets. It expects the viewer in the context (the
// auth middleware runs before it).
func MembersCSV(exp models.MemberExporter, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			httpError(w, http.StatusMethodNotAllowed, models.CodeBadUserInput, "use GET")
			return
		}
		gid, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, ExportPrefix), "/members.csv")
		if !ok || strings.Contains(gid, "/") {
			httpError(w, http.StatusNotFound, models.CodeNotFound, "not found")
			return
		}
		if models.ViewerFrom(r.Context()) == nil {
			httpError(w, http.StatusUnauthorized, models.CodeUnauthenticated, "sign in required")
			return
		}
		id, err := models.ParseID(models.KindAccount, gid)
		if err != nil {
			httpError(w, http.StatusNotFound, models.CodeNotFound, "account not found")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), exportLimit)
		defer cancel()
		rc := http.NewResponseController(w)
		end := time.Now().Add(exportLimit)
		// A writer that cannot take a deadline (none of the node's) is
		// left to the context and to the store's own timeouts.
		nextDeadline := func() {
			d := time.Now().Add(exportStall)
			if d.After(end) {
				d = end
			}
			_ = rc.SetWriteDeadline(d)
		}
		nextDeadline()
		cw := csv.NewWriter(w)
		started := false
		rows := 0
		err = exp.ExportMembers(ctx, id, func(row []string) error {
			if !started {
				started = true
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", `attachment; filename="members.csv"`)
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("X-Content-Type-Options", "nosniff")
			}
			for i, c := range row {
				row[i] = models.SafeCSVCell(c)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
			rows++
			if rows%500 == 0 {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return err
				}
				if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
					return err
				}
				nextDeadline()
			}
			return cw.Error()
		})
		if err != nil && !started {
			status := http.StatusInternalServerError
			code := models.ErrorCode(err)
			switch code {
			case models.CodeForbidden:
				status = http.StatusForbidden
			case models.CodeNotFound:
				status = http.StatusNotFound
			case models.CodeUnauthenticated:
				status = http.StatusUnauthorized
			default:
				log.ErrorContext(r.Context(), "members export", "err", err)
				httpError(w, status, models.CodeInternal, "internal error")
				return
			}
			e, _ := models.AsError(err)
			httpError(w, status, code, e.Message)
			return
		}
		if err != nil {
			// Headers are gone: the truncated body is all the client gets;
			// the log says why.
			log.ErrorContext(r.Context(), "members export interrupted", "err", err, "rows", rows)
		}
		cw.Flush()
	})
}

func httpError(w http.ResponseWriter, status int, code models.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}}})
}
