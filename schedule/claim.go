package schedule

import (
	"context"
	"errors"
	"time"

	"github.com/robfig/cron/v3"
)

// The names under which scheduled jobs are claimed in the store: one per
// source's poll, and the purge.
const purgeJob = "purge"

func pollJobName(source string) string { return "poll:" + source }

// claimTimeout bounds the claim of one run: a store that does not answer
// by then costs the run, not the schedule.
const claimTimeout = 10 * time.Second

// claimed returns job as a cron job that first claims run name for the
// schedule's period in the store (every store is a store.JobClaimer) and
// skips the run when the claim fails: another process sharing the store
// ran the job within the period, or the store could not be asked (running
// then might run the job twice). Claims are times in the store, so when
// the process that made the last claim dies, the next run of any other
// process claims the job: the job moves within a period.
//
// job runs under ctx (the scheduler's context).
func (s *Scheduler) claimed(ctx context.Context, name string, sched cron.Schedule, job func(context.Context)) cron.Job {
	period := schedulePeriod(sched, time.Now())
	return cron.FuncJob(func() {
		cctx, cancel := context.WithTimeout(ctx, claimTimeout)
		// Jobs firing together claim in turn with every other write of
		// the process, a huge feed being stored included (see
		// sqlstore.DB.Write).
		won, err := s.st.ClaimJob(cctx, name, period)
		cancel()
		switch {
		case err != nil:
			if !errors.Is(err, context.Canceled) {
				s.log.Warn("scheduled job skipped: cannot claim it", "job", name, "err", err)
			}
			return
		case !won:
			s.log.Debug("scheduled job skipped: claimed by another process", "job", name, "period", period)
			return
		}
		s.log.Debug("scheduled job claimed", "job", name, "period", period)
		job(ctx)
	})
}

// periodSamples is how many intervals of a schedule schedulePeriod looks at:
// enough to see a whole week of a weekday spec and a year of a monthly one.
const periodSamples = 32

// schedulePeriod is the period claims of a job on schedule s use: the
// interval between its runs, the shortest of the next periodSamples of
// them after now. For "@every D" and specs such as "*/5 * * * *" or
// "@daily" every interval is the same and this is exact. A spec whose
// intervals vary ("0 9 * * 1-5": a day, but three days over a weekend)
// takes the shortest, so that a claim never blocks the next run: a run is
// claimed when the last claim is older than 0.9 of the period.
func schedulePeriod(s cron.Schedule, now time.Time) time.Duration {
	var period time.Duration
	prev := s.Next(now)
	for range periodSamples {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		if d := next.Sub(prev); d > 0 && (period == 0 || d < period) {
			period = d
		}
		prev = next
	}
	if period <= 0 {
		// A schedule that never runs again (or not twice): any positive
		// period will do.
		period = time.Second
	}
	return period
}
