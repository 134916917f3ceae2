package presence_test

import (
	"sync"
	"testing"

	"github.com/rollcall/rollcall/presence"
	"github.com/rollcall/rollcall/presence/presencetest"
)

func TestRedisConformance(t *testing.T) {
	rdb := presence.RedisForTest(t)
	var mu sync.Mutex
	prefixes := map[*testing.T]string{}
	presencetest.Run(t, func(t *testing.T, opts presence.Options) presence.Service {
		mu.Lock()
		prefix, ok := prefixes[t]
		if !ok {
			prefix = presence.PrefixForTest(t, rdb)
			prefixes[t] = prefix
		}
		mu.Unlock()
		opts.Prefix = prefix
		return presence.NewRedis(rdb, opts)
	})
}
