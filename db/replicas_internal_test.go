package db

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

// fakeMarks is a SharedMarks in memory that can be made to fail.
type fakeMarks struct {
	mu    sync.Mutex
	keys  map[string]time.Duration
	sets  int
	fails bool
}

func (f *fakeMarks) Mark(_ context.Context, key string, ttl time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails {
		return errors.New("redis: connection refused")
	}
	f.sets++
	f.keys[key] = ttl
	return nil
}

func (f *fakeMarks) Marked(_ context.Context, key string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails {
		return false, errors.New("redis: connection refused")
	}
	_, ok := f.keys[key]
	return ok, nil
}

func testReplicas(shared SharedMarks) (*Replicas, *time.Time) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Replicas{window: time.Second, refresh: 200 * time.Millisecond, shared: shared,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), local: map[int64]localMark{}}
	r.now = func() time.Time { return now }
	return r, &now
}

func session(id int64) context.Context {
	return models.WithViewer(context.Background(), &models.Viewer{UserID: 1, SessionID: id})
}

// In process: a session that wrote reads the primary for the window, and
// nobody else does.
func TestReplicasReadYourWritesInProcess(t *testing.T) {
	r, now := testReplicas(nil)
	if !r.ReadFromReplica(session(7)) || !r.ReadFromReplica(context.Background()) {
		t.Fatal("nobody wrote: the replica serves")
	}
	r.wrote(session(7), []int64{7})
	if r.ReadFromReplica(session(7)) {
		t.Fatal("the writer reads the replica within its window")
	}
	if !r.ReadFromReplica(session(8)) || !r.ReadFromReplica(context.Background()) {
		t.Fatal("another session, or none, reads the primary")
	}
	*now = now.Add(time.Second)
	if !r.ReadFromReplica(session(7)) {
		t.Fatal("after the window the writer reads the replica again")
	}
	var nilReplicas *Replicas
	if nilReplicas.ReadFromReplica(session(7)) {
		t.Fatal("without replicas everything reads the primary")
	}
}

// Shared marks: set with window+refresh, renewed at most once per refresh
// by one node, read for sessions this node has not seen write; a mark that
// cannot be read sends the read to the primary, one that cannot be set is
// still honoured by this node.
func TestReplicasSharedMarks(t *testing.T) {
	f := &fakeMarks{keys: map[string]time.Duration{}}
	r, now := testReplicas(f)
	r.wrote(session(7), []int64{7})
	r.wrote(session(7), []int64{7})
	if f.sets != 1 || f.keys["ryw:7"] != 1200*time.Millisecond {
		t.Fatalf("sets %d, keys %v", f.sets, f.keys)
	}
	*now = now.Add(200 * time.Millisecond)
	r.wrote(session(7), []int64{7})
	if f.sets != 2 {
		t.Fatalf("the mark is renewed after refresh: %d sets", f.sets)
	}

	other, _ := testReplicas(f) // another node
	if other.ReadFromReplica(session(7)) {
		t.Fatal("another node reads the writer's directory from the replica")
	}
	if !other.ReadFromReplica(session(8)) {
		t.Fatal("a session without a mark reads the primary")
	}

	f.fails = true
	if other.ReadFromReplica(session(8)) {
		t.Fatal("a mark that cannot be read must send the read to the primary")
	}
	r.wrote(session(9), []int64{9})
	if r.ReadFromReplica(session(9)) {
		t.Fatal("a mark that could not be shared is still honoured here")
	}
	if m := r.local[9]; !m.sharedAt.IsZero() {
		t.Fatal("a mark that could not be shared is tried again on the next write")
	}
}

// The marks in process are bounded: past maxLocalMarks every routed read
// goes to the primary for a window; expired marks are pruned to make room.
func TestReplicasLocalMarksBounded(t *testing.T) {
	f := &fakeMarks{keys: map[string]time.Duration{}}
	r, now := testReplicas(f)
	for id := int64(1); id <= maxLocalMarks; id++ {
		r.local[id] = localMark{until: now.Add(time.Second), sharedAt: *now}
	}
	r.wrote(session(0), []int64{maxLocalMarks + 1})
	if len(r.local) != maxLocalMarks || r.ReadFromReplica(session(maxLocalMarks+2)) {
		t.Fatalf("full: %d marks, and a session that did not write must read the primary", len(r.local))
	}
	if f.sets != 1 {
		t.Fatal("a mark not kept in process is still shared")
	}
	*now = now.Add(time.Second)
	if !r.ReadFromReplica(session(maxLocalMarks + 2)) {
		t.Fatal("after the window the replica serves again")
	}
	r.wrote(session(0), []int64{maxLocalMarks + 1})
	if len(r.local) != 1 || r.ReadFromReplica(session(maxLocalMarks+1)) {
		t.Fatalf("expired marks are pruned for a new one: %d marks", len(r.local))
	}
}

// A replica that failed is skipped for replicaRetryAfter.
func TestReplicasFailedSkipsReplicas(t *testing.T) {
	r, now := testReplicas(nil)
	r.failed(context.Background(), errors.New("dial tcp: connection refused"))
	if r.ReadFromReplica(session(7)) || r.ReadFromReplica(context.Background()) {
		t.Fatal("after a failure the primary serves")
	}
	*now = now.Add(replicaRetryAfter)
	if !r.ReadFromReplica(session(7)) {
		t.Fatal("after replicaRetryAfter the replica is tried again")
	}
}
