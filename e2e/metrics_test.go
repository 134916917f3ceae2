package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// Metrics with bounded labels (issue 12, item 8), read by scraping /metrics.

func scrape(t *testing.T, n *testenv.Node) string {
	t.Helper()
	resp, err := http.Get(n.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// sampleOf is the value of the series named exactly (with its labels),
// or -1 when it is absent.
func sampleOf(body, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// seriesOf counts the series of a metric family (lines starting with name
// followed by { or a space).
func seriesOf(body, name string) int {
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			n++
		}
	}
	return n
}

func TestMetricsBoundedAndListedFromTheStart(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Redis: true,
		Env: map[string]string{"METRICS_OPERATION_NAMES": "Catalogue,Watch"}})
	m := scrape(t, n)

	// Failure counters and pool figures exist at 0 before anything happened.
	want := []string{
		`rollcall_graphql_errors_total{code="INTERNAL"} 0`,
		`rollcall_graphql_errors_total{code="UNAVAILABLE"} 0`,
		`rollcall_graphql_errors_total{code="PERSISTED_QUERY_NOT_FOUND"} 0`,
		`rollcall_graphql_errors_total{code="OTHER"} 0`,
		`rollcall_graphql_panics_total 0`,
		`rollcall_persisted_query_store_errors_total{op="get"} 0`,
		`rollcall_websocket_refusals_total{reason="operations"} 0`,
		`rollcall_graphql_subscriptions_active 0`,
		`rollcall_presence_connections 0`,
		`rollcall_presence_watchers 0`,
		`go_sql_max_open_connections{db_name="rollcall"}`,
		`go_sql_open_connections{db_name="rollcall"}`,
		`go_sql_wait_count_total{db_name="rollcall"}`,
	}
	for _, k := range models.MailKinds {
		want = append(want, fmt.Sprintf(`rollcall_mail_failed_total{kind="%s"} 0`, k))
	}
	if n.App.Redis != nil {
		want = append(want, `rollcall_redis_pool_connections `, `rollcall_redis_pool_timeouts_total `, `rollcall_redis_pool_hits_total `)
	}
	for _, w := range want {
		if !strings.Contains(m, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}

	// 1000 made-up operation names create no series: they are "other".
	n.Client().Do(t, `query Catalogue { products { key } }`, nil)
	n.Client().Do(t, `{ products { key } }`, nil)
	n.Client().Do(t, `query Made_up_0 { products { key } }`, nil)
	before := scrape(t, n)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := n.Client()
			for i := 1 + w; i <= 1000; i += 8 {
				c.Do(t, fmt.Sprintf(`query Made_up_%d { products { key } }`, i), nil)
			}
		}()
	}
	wg.Wait()
	t.Logf("1000 made-up names sent in %v", time.Since(start).Round(time.Millisecond))
	after := scrape(t, n)
	for _, family := range []string{"rollcall_graphql_requests_total", "rollcall_graphql_request_duration_seconds_count", "rollcall_graphql_errors_total"} {
		if b, a := seriesOf(before, family), seriesOf(after, family); a != b {
			t.Errorf("%s: %d series before 1000 made-up names, %d after", family, b, a)
		}
	}
	if got := sampleOf(after, `rollcall_graphql_requests_total{operation="other",type="query"}`); got != 1001 {
		t.Errorf("other queries: %v, want 1001\n%s", got, grepLines(after, "requests_total"))
	}
	for _, s := range []string{`{operation="Catalogue",type="query"} 1`, `{operation="anonymous",type="query"} 1`} {
		if !strings.Contains(after, "rollcall_graphql_requests_total"+s) {
			t.Errorf("want rollcall_graphql_requests_total%s in\n%s", s, grepLines(after, "requests_total"))
		}
	}
	if strings.Contains(after, "Made_up") {
		t.Error("a made-up name reached the metrics")
	}

	// Subscriptions are counted apart: started, active, events delivered.
	f := newOrg(t, n, "owner@example.com")
	ws := initWS(t, n, f.owner)
	ws.send(map[string]any{"id": "p", "type": "subscribe", "payload": map[string]any{
		"query": "subscription Watch($a: ID!) { presenceChanged(accountId: $a) { accountId user { email } } }", "variables": map[string]any{"a": f.rootID}}})
	waitWatching(t, ws, f.owner)
	m = scrape(t, n)
	if v := sampleOf(m, `rollcall_graphql_subscriptions_started_total{operation="Watch"}`); v != 1 {
		t.Errorf("subscriptions started: %v\n%s", v, grepLines(m, "subscription"))
	}
	if v := sampleOf(m, `rollcall_graphql_subscriptions_active`); v != 1 {
		t.Errorf("subscriptions active: %v", v)
	}
	if v := sampleOf(m, `rollcall_graphql_subscription_events_total{operation="Watch"}`); v < 1 {
		t.Errorf("subscription events: %v", v)
	}
	if strings.Contains(m, `type="subscription"`) {
		t.Errorf("subscriptions must not be counted with queries:\n%s", grepLines(m, "requests_total"))
	}
	if v := sampleOf(m, "rollcall_presence_connections"); v != 1 {
		t.Errorf("presence connections: %v", v)
	}
	if v := sampleOf(m, "rollcall_presence_watchers"); v < 1 {
		t.Errorf("presence watchers: %v", v)
	}
	ws.send(map[string]any{"id": "p", "type": "complete"})
	waitFor(t, "the subscription to end", func() bool {
		return sampleOf(scrape(t, n), `rollcall_graphql_subscriptions_active`) == 0
	})
}
