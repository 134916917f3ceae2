package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/presence"
)

// registerPoolMetrics adds the figures of the database pool
// (go_sql_*{db_name="rollcall"}), of the Redis pool when there is one
// (rollcall_redis_pool_*), and of presence on this node
// (rollcall_presence_*). Each is read at scrape time from counters the
// libraries keep anyway.
func (a *App) registerPoolMetrics(reg prometheus.Registerer) {
	reg.MustRegister(collectors.NewDBStatsCollector(a.DB.SQL(), "rollcall"))
	if a.Redis != nil {
		reg.MustRegister(redisPoolCollector{a.Redis})
	}
	if ps, ok := a.presence.(interface{ LocalStats() presence.LocalStats }); ok {
		reg.MustRegister(presenceCollector{ps.LocalStats})
	}
}

var (
	redisHits     = prometheus.NewDesc("rollcall_redis_pool_hits_total", "Times a free connection was found in the Redis pool.", nil, nil)
	redisMisses   = prometheus.NewDesc("rollcall_redis_pool_misses_total", "Times no free connection was found in the Redis pool.", nil, nil)
	redisTimeouts = prometheus.NewDesc("rollcall_redis_pool_timeouts_total", "Times a wait for a Redis pool connection timed out.", nil, nil)
	redisTotal    = prometheus.NewDesc("rollcall_redis_pool_connections", "Connections in the Redis pool.", nil, nil)
	redisIdle     = prometheus.NewDesc("rollcall_redis_pool_idle_connections", "Idle connections in the Redis pool.", nil, nil)
	redisStale    = prometheus.NewDesc("rollcall_redis_pool_stale_connections_total", "Stale connections removed from the Redis pool.", nil, nil)

	presenceConns    = prometheus.NewDesc("rollcall_presence_connections", "Device connections held by this node.", nil, nil)
	presenceWatchers = prometheus.NewDesc("rollcall_presence_watchers", "Presence watchers open on this node.", nil, nil)
	presenceUsers    = prometheus.NewDesc("rollcall_presence_watched_users", "Distinct users followed by this node's watchers.", nil, nil)
	pubsubMessages   = prometheus.NewDesc("rollcall_presence_pubsub_messages_total", "Pub/sub messages this node read from Redis.", nil, nil)
	pubsubBytes      = prometheus.NewDesc("rollcall_presence_pubsub_bytes_total", "Bytes of pub/sub messages (channel and payload) this node read from Redis.", nil, nil)
	shardSubs        = prometheus.NewDesc("rollcall_presence_shard_subscriptions", "Sharded pub/sub subscriptions open (one per watched presence shard; REDIS_MODE=cluster).", nil, nil)
)

type redisPoolCollector struct{ rdb redis.UniversalClient }

func (redisPoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{redisHits, redisMisses, redisTimeouts, redisTotal, redisIdle, redisStale} {
		ch <- d
	}
}

func (c redisPoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.rdb.PoolStats()
	ch <- prometheus.MustNewConstMetric(redisHits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(redisMisses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(redisTimeouts, prometheus.CounterValue, float64(s.Timeouts))
	ch <- prometheus.MustNewConstMetric(redisTotal, prometheus.GaugeValue, float64(s.TotalConns))
	ch <- prometheus.MustNewConstMetric(redisIdle, prometheus.GaugeValue, float64(s.IdleConns))
	ch <- prometheus.MustNewConstMetric(redisStale, prometheus.CounterValue, float64(s.StaleConns))
}

type presenceCollector struct{ stats func() presence.LocalStats }

func (presenceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- presenceConns
	ch <- presenceWatchers
	ch <- presenceUsers
	ch <- pubsubMessages
	ch <- pubsubBytes
	ch <- shardSubs
}

func (c presenceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(presenceConns, prometheus.GaugeValue, float64(s.Connections))
	ch <- prometheus.MustNewConstMetric(presenceWatchers, prometheus.GaugeValue, float64(s.Watchers))
	ch <- prometheus.MustNewConstMetric(presenceUsers, prometheus.GaugeValue, float64(s.WatchedUsers))
	ch <- prometheus.MustNewConstMetric(pubsubMessages, prometheus.CounterValue, float64(s.PubSubMessages))
	ch <- prometheus.MustNewConstMetric(pubsubBytes, prometheus.CounterValue, float64(s.PubSubBytes))
	ch <- prometheus.MustNewConstMetric(shardSubs, prometheus.GaugeValue, float64(s.ShardSubscriptions))
}
