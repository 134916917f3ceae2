package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rollcall/rollcall/models"
)

// runP7: sign a session out on node A while its socket is on node B; time
// to the socket's close (4403) and to the token being refused by B.
func runP7(ctx context.Context, e *env) error {
	n := e.cfg.p7Sessions
	groups, err := e.seedGroups(ctx, n)
	if err != nil {
		return err
	}
	a, err := e.startNode(ctx, "p7-a", "p7:")
	if err != nil {
		return err
	}
	b, err := e.startNode(ctx, "p7-b", "p7:")
	if err != nil {
		return err
	}
	cs := newClients(e)
	conns, err := cs.connectAll(ctx, "P7 sockets on B", groupTargets(groups, b, false))
	defer closeAll(conns)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var closeLat, refuseLat, mutLat latencies
	codes := map[int]int{}
	notClosed, notRefused := 0, 0
	for _, c := range conns {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sid := models.GlobalID(models.KindSession, c.user.SessionID)
		t0 := time.Now()
		body, err := gql(ctx, hc, a, c.user.Token, `mutation($id: ID!){ signOutSession(id: $id) { id } }`, map[string]any{"id": sid})
		if err != nil || strings.Contains(body, `"errors"`) {
			return fmt.Errorf("signOutSession on A: %v %s", err, body)
		}
		mutLat.add(time.Since(t0))
		refused := false
		for time.Since(t0) < 2*time.Second {
			body, err := gql(ctx, hc, b, c.user.Token, `{ me { id } }`, nil)
			if err == nil && (strings.Contains(body, `"me":null`) || strings.Contains(body, "UNAUTHENTICATED")) {
				refuseLat.add(time.Since(t0))
				refused = true
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		if !refused {
			notRefused++
		}
		select {
		case <-c.done:
			closeLat.add(c.closedAt.Sub(t0))
			codes[c.code]++
		case <-time.After(3 * time.Second):
			notClosed++
		}
	}
	e.check("P7", "socket on B closed, p50 / p99", float64(closeLat.pct(99).Microseconds())/1000, "ms",
		fmt.Sprintf("%s / %s", ms(closeLat.pct(50)), ms(closeLat.pct(99))), "p99 ≤ 100 ms", closeLat.pct(99) <= 100*time.Millisecond && notClosed == 0,
		fmt.Sprintf("%d sessions one after another, from sending signOutSession to A until the close frame on B; close codes %v, %d not closed within 3 s; the mutation itself p50 %s p99 %s",
			closeLat.n(), codes, notClosed, ms(mutLat.pct(50)), ms(mutLat.pct(99))))
	e.check("P7", "token refused by B, p50 / p99", float64(refuseLat.pct(99).Microseconds())/1000, "ms",
		fmt.Sprintf("%s / %s", ms(refuseLat.pct(50)), ms(refuseLat.pct(99))), "p99 ≤ 100 ms", refuseLat.pct(99) <= 100*time.Millisecond && notRefused == 0,
		fmt.Sprintf("from sending signOutSession to A until B first answers { me { id } } with me: null (an anonymous request); %d never refused within 2 s", notRefused))
	if codes[4403] != closeLat.n() {
		e.check("P7", "close code", 0, "", fmt.Sprint(codes), "4403", false, "")
	}
	return nil
}

// gql posts a GraphQL request to n with a bearer token and returns the body.
func gql(ctx context.Context, hc *http.Client, n *node, token, query string, vars map[string]any) (string, error) {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url("/query"), bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	return buf.String(), err
}
