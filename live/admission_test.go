package live

import (
	"testing"
	"time"
)

func TestAdmissions(t *testing.T) {
	var a admissions
	if _, ok := a.recent(1, 10); ok {
		t.Fatal("an empty cache admitted someone")
	}
	a.admitted(1, 10, 100)
	a.admitted(2, 20, 200)
	if org, ok := a.recent(1, 10); !ok || org != 100 {
		t.Fatalf("recent(1, 10) = %d, %v", org, ok)
	}
	if _, ok := a.recent(1, 20); ok {
		t.Fatal("admitted to an account never checked")
	}
	// An access change in organization 100 forgets its admissions only.
	a.changed(100)
	if _, ok := a.recent(1, 10); ok {
		t.Fatal("admission survived an access change")
	}
	if _, ok := a.recent(2, 20); !ok {
		t.Fatal("an access change elsewhere forgot an admission")
	}
	// Admitted again after the change: valid again.
	a.admitted(1, 10, 100)
	if _, ok := a.recent(1, 10); !ok {
		t.Fatal("a new admission after a change is not remembered")
	}
	// Expired.
	a.mu.Lock()
	e := a.m[admitKey{2, 20}]
	e.until = time.Now().Add(-time.Millisecond)
	a.m[admitKey{2, 20}] = e
	a.mu.Unlock()
	if _, ok := a.recent(2, 20); ok {
		t.Fatal("an expired admission was trusted")
	}
}

func TestAdmissionsBounded(t *testing.T) {
	var a admissions
	for i := range int64(maxAdmissions + 10) {
		a.admitted(i, 1, 1)
	}
	a.mu.Lock()
	n := len(a.m)
	a.mu.Unlock()
	if n > maxAdmissions {
		t.Fatalf("%d admissions kept, bound %d", n, maxAdmissions)
	}
}
