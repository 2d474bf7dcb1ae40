package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedd/feedd/cache"
)

// CacheStats is what the cache collector reads: *cache.Cache.
type CacheStats interface {
	Stats() cache.Stats
}

// RegisterCache adds the counters of c (cache.Stats) to the metrics, read
// at each scrape: the cache keeps counting on its own, and nothing in its
// hot path changes. It fails if a cache was registered already.
func (m *M) RegisterCache(c CacheStats) error {
	return m.reg.Register(cacheCollector{c})
}

// cacheCollector turns cache.Stats into metrics at scrape time.
type cacheCollector struct{ c CacheStats }

var (
	cacheHits     = cacheDesc("hits_total", "Feed requests answered from the cache's memory.")
	cacheMisses   = cacheDesc("misses_total", "Feed requests that waited for a render.")
	cacheLoads    = cacheDesc("loads_total", "Reads of one feed's entries from the store (requests and sweeps).")
	cacheRenders  = cacheDesc("renders_total", "Feed documents rendered (requests and sweeps).")
	cacheChanges  = cacheDesc("changes_total", "Change-log records applied to the cache (writes by any process).")
	cacheResets   = cacheDesc("resets_total", "Lost-notice events of the store's watcher, each of which dropped the whole cache.")
	cacheSweepFix = cacheDesc("sweep_fixes_total", "Documents a consistency sweep found stale and replaced or dropped: writes whose change-log record did not reach the cache (should stay 0).")
	cacheEntries  = cacheDesc("entries", "Feed documents held in memory now.")
	cacheEvicts   = cacheDesc("evictions_total", "Documents and delta histories evicted, the least recently used first, to keep the cache within cache.max_bytes.")
	cacheBytes    = cacheDesc("bytes", "Memory the cache holds now, as it counts it against its budget: documents, gzip copies, pages, deltas, the data heads were rendered from, delta histories.")
	cacheMaxBytes = cacheDesc("max_bytes", "The cache's memory budget (cache.max_bytes).")
	cacheAllDescs = []*prometheus.Desc{cacheHits, cacheMisses, cacheLoads, cacheRenders, cacheChanges, cacheResets, cacheSweepFix, cacheEntries, cacheEvicts, cacheBytes, cacheMaxBytes}
)

func cacheDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "cache", name), help, nil, nil)
}

func (cc cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range cacheAllDescs {
		ch <- d
	}
}

func (cc cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := cc.c.Stats()
	for _, v := range []struct {
		d *prometheus.Desc
		n int64
	}{
		{cacheHits, s.Hits}, {cacheMisses, s.Misses}, {cacheLoads, s.Loads},
		{cacheRenders, s.Renders}, {cacheChanges, s.Changes}, {cacheResets, s.Resets},
		{cacheSweepFix, s.SweepFixes}, {cacheEvicts, s.Evictions},
	} {
		ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n))
	}
	ch <- prometheus.MustNewConstMetric(cacheEntries, prometheus.GaugeValue, float64(s.Entries))
	ch <- prometheus.MustNewConstMetric(cacheBytes, prometheus.GaugeValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(cacheMaxBytes, prometheus.GaugeValue, float64(s.MaxBytes))
}
