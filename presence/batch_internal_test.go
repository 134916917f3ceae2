package presence

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/models"
)

// gateHook holds the first pipeline until open is closed, standing for a
// round trip still in flight while more calls arrive.
type gateHook struct {
	countHook
	first atomic.Bool
	held  chan struct{}
	open  chan struct{}
}

func (h *gateHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	count := h.countHook.ProcessPipelineHook(next)
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && !handshake(cmds[0]) && h.first.CompareAndSwap(false, true) {
			close(h.held)
			<-h.open
		}
		return count(ctx, cmds)
	}
}

// concurrently runs f(i) for i in 1..n on n goroutines while the first
// pipeline of hook is held, and releases it once they have all started.
func concurrently(t *testing.T, hook *gateHook, n int, f func(i int)) {
	t.Helper()
	hook.first.Store(false)
	hook.held, hook.open = make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the call in flight
		defer wg.Done()
		f(0)
	}()
	select {
	case <-hook.held:
	case <-time.After(5 * time.Second):
		t.Fatal("the first call sent nothing")
	}
	var started atomic.Int64
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			f(i)
		}()
	}
	for started.Load() < int64(n-1) {
		runtime.Gosched()
	}
	time.Sleep(20 * time.Millisecond) // the started calls reach Redis (or wait for the one in flight)
	close(hook.open)
	wg.Wait()
}

// Connects and Disconnects arriving while one round trip is in flight go out
// together in the next pipeline; each returns once its own change is
// visible, or with its own error.
func TestRedisConcurrentConnectsShareRoundTrips(t *testing.T) {
	rdb := RedisForTest(t)
	prefix := PrefixForTest(t, rdb)
	hook := &gateHook{}
	counted := redis.NewClient(rdb.Options())
	defer counted.Close()
	ctx := context.Background()
	if err := counted.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	r := NewRedis(counted, testOptions(prefix, "a"))
	counted.AddHook(hook) // after NewRedis's one-off epoch write
	reader := NewRedis(rdb, testOptions(prefix, "b"))

	const n = 64
	const cancelled, broken = 20, 40
	// The status record of the user of call broken is not a hash: its script fails.
	if err := rdb.Set(ctx, r.userKeys(broken + 1)[2], "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	cancelledCtx, cancel := context.WithCancel(ctx)
	cancel()
	errs := make([]error, n)
	concurrently(t, hook, n, func(i int) {
		uid := int64(i + 1)
		c := models.PresenceConn{ConnID: fmt.Sprint("c", i), UserID: uid, SessionID: uid * 10, ManualAway: i%3 == 0}
		cctx := ctx
		if i == cancelled {
			cctx = cancelledCtx
		}
		if errs[i] = r.Connect(cctx, c); errs[i] != nil {
			return
		}
		// Registered before Connect returned, with its manual AWAY.
		st, err := reader.States(ctx, []int64{uid})
		if err != nil {
			t.Error(err)
			return
		}
		want := models.PresenceOnline
		if c.ManualAway {
			want = models.PresenceAway
		}
		if st[uid].Status != want || st[uid].Devices != 1 {
			t.Errorf("user %d right after Connect: %+v, want %s with 1 device", uid, st[uid], want)
		}
		sc, err := reader.SessionConnected(ctx, []models.SessionRef{{UserID: uid, SessionID: uid * 10}})
		if err != nil || !sc[uid*10] {
			t.Errorf("session of user %d right after Connect: %v %v", uid, sc, err)
		}
	})
	for i, err := range errs {
		switch i {
		case cancelled:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Connect with a cancelled context: %v", err)
			}
		case broken:
			if err == nil {
				t.Errorf("Connect of a user whose record is broken succeeded")
			}
		default:
			if err != nil {
				t.Errorf("Connect %d: %v", i, err)
			}
		}
	}
	p := hook.pipelines.Load()
	t.Logf("%d concurrent Connects: %d round trips", n, p)
	if p >= n/4 {
		t.Fatalf("%d concurrent Connects took %d round trips", n, p)
	}
	hook.pipelines.Store(0)

	concurrently(t, hook, n, func(i int) {
		uid := int64(i + 1)
		if err := r.Disconnect(ctx, fmt.Sprint("c", i)); err != nil {
			if i != broken {
				t.Errorf("Disconnect %d: %v", i, err)
			}
			return
		}
		sc, err := reader.SessionConnected(ctx, []models.SessionRef{{UserID: uid, SessionID: uid * 10}})
		if err != nil || sc[uid*10] {
			t.Errorf("session of user %d right after Disconnect: %v %v", uid, sc, err)
		}
	})
	p = hook.pipelines.Load()
	t.Logf("%d concurrent Disconnects: %d round trips", n, p)
	if p >= n/4 {
		t.Fatalf("%d concurrent Disconnects took %d round trips", n, p)
	}
}
