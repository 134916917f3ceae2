package e2e

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
)

// BenchmarkSocketAccept times the connect path alone: websocket upgrade,
// connection_init with a token, the ack (which follows authentication,
// the socket guard and presence.Connect). Each round opens one socket per
// seeded person, 64 handshakes in flight, then closes them all. It reports
// accepted sockets per second; run it with -cpuprofile to see what the
// server spends on the path (client and server share the process):
//
//	TEST_MYSQL_DSN=... TEST_REDIS_URL=... go test ./e2e -run '^$' -bench SocketAccept -benchtime 5x -cpuprofile cpu.out
func BenchmarkSocketAccept(b *testing.B) {
	dsn := testenv.MySQL(b)
	if dsn == "" {
		b.Skip("TEST_MYSQL_DSN not set")
	}
	n := testenv.StartNode(b, testenv.Store{Name: "mysql", URL: dsn}, testenv.NodeOptions{Redis: true,
		Env: map[string]string{"WS_MAX_SOCKETS_PER_SESSION": "1000"}})
	const people, inFlight = 2000, 64
	seed, err := n.App.Store.SeedLoadUsers(context.Background(), db.LoadSeedSpec{Users: people})
	if err != nil {
		b.Fatal(err)
	}
	users := seed.Users()
	u, _ := url.Parse(n.Server.URL)
	addr := "ws://" + u.Host + "/query"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	var took time.Duration
	b.ResetTimer()
	for range b.N {
		conns := make([]*websocket.Conn, len(users))
		sem := make(chan struct{}, inFlight)
		var wg sync.WaitGroup
		errs := make(chan error, len(users))
		start := time.Now()
		for i, lu := range users {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				c, _, err := d.Dial(addr, nil)
				if err != nil {
					errs <- err
					return
				}
				conns[i] = c
				if err := c.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": lu.Token}}); err != nil {
					errs <- err
					return
				}
				var m map[string]any
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				if err := c.ReadJSON(&m); err != nil || m["type"] != "connection_ack" {
					errs <- err
					return
				}
			}()
		}
		wg.Wait()
		took += time.Since(start)
		close(errs)
		for err := range errs {
			b.Fatalf("socket not accepted: %v", err)
		}
		b.StopTimer()
		for _, c := range conns {
			_ = c.Close()
		}
		time.Sleep(time.Second) // the server's closing work stays out of the next round
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*len(users))/took.Seconds(), "accepted/s")
}
