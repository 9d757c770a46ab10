package app

import (
	"context"
	"strconv"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Job is periodic background work. Each run is claimed in the database,
// so that with several nodes on one database a job runs once per period,
// not once per node.
type Job struct {
	Name string
	// Every returns the period, or 0 when the job is switched off.
	Every func(env *orm.Env) (time.Duration, error)
	Run   func(env *orm.Env) error
}

// Jobs lists the periodic jobs.
func (a *App) Jobs() []Job {
	return []Job{{
		Name: "crm.assign_leads",
		Every: func(env *orm.Env) (time.Duration, error) {
			on, err := base.GetParam(env, crm.ParamAutoAssignment)
			if err != nil || on != "1" {
				return 0, err
			}
			h, _ := base.GetParam(env, "crm.assignment.interval_hours")
			hours, err := strconv.ParseFloat(h, 64)
			if err != nil || hours <= 0 {
				hours = 24
			}
			return time.Duration(hours * float64(time.Hour)), nil
		},
		Run: func(env *orm.Env) error {
			res, err := crm.AssignLeads(env, nil, false)
			if err == nil {
				env.Log.Info("periodic lead assignment", "teams", len(res.TeamLeads), "assigned", len(res.UserLeads), "merged", res.Merged)
			}
			return err
		},
	}, {
		// PostgreSQL's rollup triggers append rows; merge them per group
		Name: "orm.compact_rollups",
		Every: func(env *orm.Env) (time.Duration, error) {
			if env.Dialect != db.Postgres {
				return 0, nil
			}
			return RollupCompaction, nil
		},
		Run: orm.CompactRollups,
	}}
}

// RollupCompaction is how often the rollups are compacted on PostgreSQL:
// a busy day of writes appends some ten thousand rows, which every
// dashboard would otherwise sum again.
const RollupCompaction = 10 * time.Minute

// RunDueJobs runs every job whose period has passed; it returns the names
// of the jobs it ran.
func (a *App) RunDueJobs(ctx context.Context) ([]string, error) {
	var ran []string
	for _, j := range a.Jobs() {
		did := false
		start := time.Now()
		err := a.Runner.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
			every, err := j.Every(env)
			if err != nil || every == 0 {
				return err
			}
			key := "job." + j.Name + ".last_run"
			last, err := base.GetParam(env, key)
			if err != nil {
				return err
			}
			if t, err := time.Parse(time.RFC3339Nano, last); err == nil && env.Now.Sub(t) < every {
				return nil
			}
			// claim the run: only one node's update matches the value it read
			env.Touched("ir.config_parameter")
			res, err := env.Exec("UPDATE ir_config_parameter SET value = ? WHERE key = ? AND value = ?", env.Now.Format(time.RFC3339Nano), key, last)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if last != "" {
					return nil // another node took it
				}
				if err := base.SetParam(env, key, env.Now.Format(time.RFC3339Nano)); err != nil {
					return err
				}
			}
			did = true
			return j.Run(env)
		})
		if err != nil {
			a.Log.Error("periodic job failed", "job", j.Name, "err", err)
			if a.metrics != nil {
				a.metrics.jobs.WithLabelValues(j.Name, "error").Inc()
			}
			continue
		}
		if did {
			ran = append(ran, j.Name)
			if a.metrics != nil {
				a.metrics.jobs.WithLabelValues(j.Name, "ok").Inc()
				a.metrics.jobTime.WithLabelValues(j.Name).Observe(time.Since(start).Seconds())
			}
		}
	}
	return ran, nil
}

// runJobs checks the periodic jobs every minute until ctx ends.
func (a *App) runJobs(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.RunDueJobs(ctx)
		}
	}
}
