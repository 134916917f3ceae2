package e2e

import (
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
)

// A token just used (so answered from the node's session cache) is refused
// at its next request once signed out, by itself or from another device,
// without waiting for the cache's TTL.
func TestCachedTokenRefusedRightAfterSignOut(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		owner, _ := signUp(t, n, "ada@example.com")
		phone := signInAgain(t, n, "ada@example.com", "correct horse battery", safariIOS)
		laptop := signInAgain(t, n, "ada@example.com", "correct horse battery", firefoxWindows)
		for _, c := range []*testenv.Client{phone, phone, laptop, laptop} {
			if refused(t, c) {
				t.Fatal("a fresh session is refused")
			}
		}
		phone.MustDo(t, `mutation { signOut }`, nil, new(map[string]any))
		if !refused(t, phone) {
			t.Fatal("signed out by itself: the cached token still authenticates")
		}
		owner.MustDo(t, `mutation { signOutOtherSessions }`, nil, new(map[string]any))
		if !refused(t, laptop) {
			t.Fatal("signed out from another device: the cached token still authenticates")
		}
		if refused(t, owner) {
			t.Fatal("the device that signed the others out stays signed in")
		}
	})
}

// Two nodes share the store and Redis: a token cached on node B is refused
// there as soon as A's kick arrives, well before the cache's TTL.
func TestCachedTokenRefusedOnOtherNodeAfterKick(t *testing.T) {
	a, b := twoNodes(t)
	owner, _ := signUp(t, a, "ada@example.com")
	phone := signInAgain(t, b, "ada@example.com", "correct horse battery", safariIOS)
	if refused(t, phone) || refused(t, phone) {
		t.Fatal("a fresh session is refused")
	}
	owner.MustDo(t, `mutation { signOutOtherSessions }`, nil, new(map[string]any))
	signedOut := time.Now()
	bound := db.SessionCacheTTL / 3
	for !refused(t, phone) {
		if time.Since(signedOut) > bound {
			t.Fatalf("still authenticated on node B %s after the sign-out on A (cache TTL %s)", bound, db.SessionCacheTTL)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The manual AWAY is read with the session: a socket opened right after
// setPresence sees the new flag although the token was just cached.
func TestSocketOpenedAfterSetPresenceSeesTheFlag(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true})
		c, _ := signUp(t, n, "ada@example.com")
		if refused(t, c) {
			t.Fatal("a fresh session is refused")
		}
		c.MustDo(t, `mutation { setPresence(input: {activity: AWAY}) { status } }`, nil, new(map[string]any))
		ws := initWS(t, n, c)
		if p := presenceOf(t, c); p.Status != "AWAY" || p.ConnectedDevices != 1 {
			t.Fatalf("socket opened after AWAY: %+v", p)
		}
		ws.conn.Close()
		waitFor(t, "OFFLINE after the last device left", func() bool { return presenceOf(t, c).Status == "OFFLINE" })
		c.MustDo(t, `mutation { setPresence(input: {activity: ACTIVE}) { status } }`, nil, new(map[string]any))
		ws = initWS(t, n, c)
		defer ws.conn.Close()
		if p := presenceOf(t, c); p.Status != "ONLINE" || p.ConnectedDevices != 1 {
			t.Fatalf("socket opened after ACTIVE: %+v", p)
		}
	})
}
