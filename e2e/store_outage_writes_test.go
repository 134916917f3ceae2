package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

// TestStoreOutageUnderLoad cuts MariaDB while clients are writing and
// reading, then restores it. Every answer is either a success or 503
// UNAVAILABLE (never INTERNAL, never a 200 with a bare error), and no
// acknowledged write is lost: each person's name in the store afterwards is
// the last one acknowledged to them, or a later one whose answer was lost
// with the connection.
func TestStoreOutageUnderLoad(t *testing.T) {
	dbURL, proxy := testenv.MySQLViaProxy(t)
	if dbURL == "" {
		t.Skip("TEST_MYSQL_DSN is not set")
	}
	n := testenv.StartNode(t, testenv.Store{Name: "mysql", URL: dbURL}, testenv.NodeOptions{})
	const clients = 8
	type person struct {
		c     *testenv.Client
		acked int // the last sequence number acknowledged
	}
	people := make([]*person, clients)
	for i := range people {
		c, _ := signUp(t, n, fmt.Sprintf("load%d@example.com", i))
		people[i] = &person{c: c}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				r := p.c.Do(t, `mutation($n: String!) { updateProfile(input: {firstName: $n}) { firstName } }`, map[string]any{"n": "n" + strconv.Itoa(seq)})
				code := r.Code()
				if code == "" {
					p.acked = seq
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
				r = p.c.Do(t, `{ me { id firstName organizations { name } } }`, nil)
				mu.Lock()
				codes[r.Code()]++
				mu.Unlock()
			}
		}()
	}
	waitCount := func(min int) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			ok := codes[""] >= min
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("fewer than %d successful answers: %v", min, codes)
			}
			time.Sleep(10 * time.Millisecond) // polling a counter the clients raise
		}
	}
	waitCount(40)
	proxy.Cut()
	waitUnavailable := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		ok := codes["UNAVAILABLE"] >= 2*clients
		mu.Unlock()
		if ok || time.Now().After(waitUnavailable) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling a counter the clients raise
	}
	proxy.Restore()
	mu.Lock()
	before := codes[""]
	mu.Unlock()
	waitCount(before + 40)
	close(stop)
	wg.Wait()

	for code, k := range codes {
		if code != "" && code != "UNAVAILABLE" {
			t.Errorf("%d answers with %s during a store outage (want only successes and UNAVAILABLE): %v", k, code, codes)
		}
	}
	if codes["UNAVAILABLE"] == 0 {
		t.Fatalf("the outage was not seen: %v", codes)
	}
	for i, p := range people {
		var me struct {
			Me struct {
				FirstName string `json:"firstName"`
			} `json:"me"`
		}
		p.c.MustDo(t, `{ me { firstName } }`, nil, &me)
		got, err := strconv.Atoi(me.Me.FirstName[1:])
		if err != nil || got < p.acked {
			t.Errorf("person %d: the store holds %q, but n%d was acknowledged", i, me.Me.FirstName, p.acked)
		}
	}
	t.Logf("answers: %v", codes)
}
