package presence

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func benchNode(b *testing.B, conns int) (*Redis, []string) {
	rdb := RedisForTest(b)
	prefix := PrefixForTest(b, rdb)
	r := NewRedis(rdb, Options{Prefix: prefix, Node: "bench", TTL: time.Minute})
	ctx := context.Background()
	ids := make([]string, conns)
	for i := range ids {
		ids[i] = fmt.Sprint("c", i)
		// 4 devices per user, like people with a laptop and a phone or two.
		if err := r.Connect(ctx, models.PresenceConn{ConnID: ids[i], UserID: int64(i/4 + 1), SessionID: int64(i + 1)}); err != nil {
			b.Fatal(err)
		}
	}
	return r, ids
}

// BenchmarkTouchPipelined measures heartbeats through the pipelined path
// (batches of 1000, as Run sends them) next to one round trip per touch.
func BenchmarkTouchPipelined(b *testing.B) {
	for _, batch := range []int{1000, 100, 1} {
		name := fmt.Sprintf("batch=%d", batch)
		if batch == 1 {
			name = "unpipelined"
		}
		b.Run(name, func(b *testing.B) {
			r, ids := benchNode(b, 2000)
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			done := 0
			for done < b.N {
				n := min(batch, b.N-done)
				off := done % len(ids)
				if off+n > len(ids) {
					off = 0
				}
				if err := r.Touch(ctx, ids[off:off+n]...); err != nil {
					b.Fatal(err)
				}
				done += n
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "touches/s")
		})
	}
}

// BenchmarkStates50 measures reading the presence of a 50-member list.
func BenchmarkStates50(b *testing.B) {
	r, _ := benchNode(b, 200)
	ctx := context.Background()
	ids := make([]int64, 50)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.States(ctx, ids); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConnectConcurrent measures Connect then Disconnect from 64
// callers at once per core, as in a reconnect storm.
func BenchmarkConnectConcurrent(b *testing.B) {
	r, _ := benchNode(b, 0)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			c := models.PresenceConn{ConnID: fmt.Sprint("c", i), UserID: i%5000 + 1, SessionID: i}
			if err := r.Connect(ctx, c); err != nil {
				b.Error(err)
				return
			}
			if err := r.Disconnect(ctx, c.ConnID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "connects/s")
}
