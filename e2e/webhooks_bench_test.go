package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// BenchmarkWebhookOutbox measures events through the transactional outbox
// on MySQL: each event is queued in its own transaction (16 writers at
// once, as concurrent mutations would), then the webhook workers of one or
// two nodes deliver them to a receiver on loopback that answers 204 at
// once. It reports queued/s (commits) and delivered/s (queued to received,
// end to end); run the sub-benchmarks side by side:
//
//	TEST_MYSQL_DSN=... TEST_REDIS_URL=... go test ./e2e -run '^$' -bench WebhookOutbox -benchtime 3x
func BenchmarkWebhookOutbox(b *testing.B) {
	for _, nodes := range []int{1, 2} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			dsn := testenv.MySQL(b) // a database of its own for each run
			if dsn == "" {
				b.Skip("TEST_MYSQL_DSN not set")
			}
			store := testenv.Store{Name: "mysql", URL: dsn}
			n := testenv.StartNode(b, store, testenv.NodeOptions{MailPollInterval: time.Hour})
			for i := 1; i < nodes; i++ {
				testenv.StartNode(b, store, testenv.NodeOptions{MailPollInterval: time.Hour})
			}
			f := newOrgB(b, n)
			var got atomic.Int64
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer rcv.Close()
			var out struct {
				C struct {
					Endpoint struct{ ID string } `json:"endpoint"`
				} `json:"createWebhookEndpoint"`
			}
			f.owner.MustDo(b, createEndpointMutation, map[string]any{"in": map[string]any{"organizationId": f.orgID, "url": rcv.URL,
				"eventTypes": []string{"PRESENCE_CHANGED"}}}, &out)
			uid, err := models.ParseID(models.KindUser, f.userID)
			if err != nil {
				b.Fatal(err)
			}
			const events, writers = 2000, 16
			var queued, delivered time.Duration
			b.ResetTimer()
			for range b.N {
				start := got.Load()
				t0 := time.Now()
				var wg sync.WaitGroup
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := w; i < events; i += writers {
							st := models.PresenceState{UserID: uid, Status: models.PresenceOnline, Devices: 1, LastActiveAt: time.Now()}
							if err := n.App.Store.RaisePresenceChanged(context.Background(), st); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				queued += time.Since(t0)
				deadline := time.Now().Add(2 * time.Minute)
				for got.Load()-start < events {
					if time.Now().After(deadline) {
						b.Fatalf("delivered %d of %d in 2 minutes", got.Load()-start, events)
					}
					time.Sleep(5 * time.Millisecond) // counting what a receiver got: no event to wait on
				}
				delivered += time.Since(t0)
			}
			b.ReportMetric(float64(events*b.N)/queued.Seconds(), "queued/s")
			b.ReportMetric(float64(events*b.N)/delivered.Seconds(), "delivered/s")
		})
	}
}

// newOrgB is newOrg for a benchmark.
func newOrgB(b *testing.B, n *testenv.Node) orgFixture {
	b.Helper()
	o := n.NewOrg(b, "bench@example.com")
	return orgFixture{n: n, owner: o.Owner, orgID: o.OrgID, rootID: o.RootID, userID: o.UserID}
}
