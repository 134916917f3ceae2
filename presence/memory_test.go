package presence_test

import (
	"sync"
	"testing"

	"github.com/rollcall/rollcall/presence"
	"github.com/rollcall/rollcall/presence/presencetest"
)

func TestMemoryConformance(t *testing.T) {
	var mu sync.Mutex
	clusters := map[*testing.T]*presence.Memory{}
	presencetest.Run(t, func(t *testing.T, opts presence.Options) presence.Service {
		mu.Lock()
		defer mu.Unlock()
		first, ok := clusters[t]
		if !ok {
			m := presence.NewMemory(opts)
			clusters[t] = m
			t.Cleanup(func() {
				mu.Lock()
				delete(clusters, t)
				mu.Unlock()
			})
			return m
		}
		return first.Peer(opts)
	})
}
