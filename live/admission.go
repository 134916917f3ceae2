package live

import (
	"sync"
	"time"
)

// admissionTTL bounds how long a person's right to watch an account is
// trusted without asking the store again: within the staleness bound of
// signed-out sessions. Any access change in the organization, announced on
// every node, forgets it at once.
const admissionTTL = 10 * time.Second

// maxAdmissions bounds the remembered admissions; past it the expired
// ones are swept, and if none are, everything is forgotten.
const maxAdmissions = 100_000

type admitKey struct{ user, account int64 }

type admission struct {
	org   int64
	gen   uint64 // the organization's access generation when admitted
	until time.Time
}

// admissions remembers who was recently allowed to watch which account, so
// a reconnect storm subscribes without reading every person's access from
// the store.
type admissions struct {
	mu  sync.Mutex
	m   map[admitKey]admission
	gen map[int64]uint64 // organization → access changes seen
}

// recent answers the organization of an account the person was allowed to
// watch within admissionTTL, with no access change since.
func (a *admissions) recent(user, account int64) (int64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.m[admitKey{user, account}]
	if !ok || time.Now().After(e.until) || a.gen[e.org] != e.gen {
		return 0, false
	}
	return e.org, true
}

func (a *admissions) admitted(user, account, org int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[admitKey]admission{}
		a.gen = map[int64]uint64{}
	}
	now := time.Now()
	if len(a.m) >= maxAdmissions {
		for k, e := range a.m {
			if now.After(e.until) || a.gen[e.org] != e.gen {
				delete(a.m, k)
			}
		}
		if len(a.m) >= maxAdmissions {
			clear(a.m)
		}
	}
	a.m[admitKey{user, account}] = admission{org: org, gen: a.gen[org], until: now.Add(admissionTTL)}
}

// changed forgets every admission in the organization.
func (a *admissions) changed(org int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen == nil {
		a.gen = map[int64]uint64{}
	}
	a.gen[org]++
}
