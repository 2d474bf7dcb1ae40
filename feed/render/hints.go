package render

import (
	"time"

	"github.com/feedd/feedd/feed"
)

// ArchiveMaxAge is how long an archive document may be cached: RFC 5005
// archives do not change once full, so clients need not ask again soon.
const ArchiveMaxAge = 365 * 24 * time.Hour

// MaxAge returns how long document v of any feed may be cached: the
// Cache-Control max-age the server sends, and what RSS <ttl> and the
// sy:updatePeriod / sy:updateFrequency hints say. It is Options.TTL for
// every document but archives, which get ArchiveMaxAge.
func (r *Renderer) MaxAge(v feed.View) time.Duration {
	if v.Archive > 0 {
		return ArchiveMaxAge
	}
	return r.opts.TTL
}

// Minutes in the periods of the RSS syndication module (namespace sy).
const (
	minutesHour = 60
	minutesDay  = 24 * minutesHour
	minutesWeek = 7 * minutesDay
	minutesYear = 365 * minutesDay
)

// updateSchedule returns the sy:updatePeriod and sy:updateFrequency (times
// per period) that say "every m minutes": hourly when m divides an hour,
// daily when it divides a day (so 15 gives hourly 4, 90 daily 16, a day
// daily 1). Otherwise the shortest period longer than m is taken with the
// frequency rounded down, so that the interval announced is never shorter
// than m and readers poll no more often than max-age allows: 7 gives
// hourly 8 (every 7½ minutes), 100 daily 14, 3 days weekly 2; anything
// beyond a week counts in years, an archive's 365 days yearly 1.
func updateSchedule(m int) (string, int) {
	m = max(m, 1)
	switch {
	case minutesHour%m == 0:
		return "hourly", minutesHour / m
	case minutesDay%m == 0:
		return "daily", minutesDay / m
	case m < minutesHour:
		return "hourly", minutesHour / m
	case m < minutesDay:
		return "daily", minutesDay / m
	case m <= minutesWeek:
		return "weekly", minutesWeek / m
	}
	return "yearly", max(minutesYear/m, 1)
}
