package report

import (
	"time"

	"github.com/kanso-crm/kanso/internal/orm"
)

// Activities is the activities board of the Romanian guide.
type Activities struct {
	Overdue  int64   `json:"overdue"`
	Today    int64   `json:"today"`
	Planned  int64   `json:"planned"`
	DoneType []Point `json:"done_by_type"`
	DoneUser []Point `json:"done_by_user"`
	Months   []Point `json:"done_by_month"` // the last 12 months
}

func activityScope(f Filter) orm.And {
	var d orm.And
	if f.User != 0 {
		d = append(d, orm.Leaf{Path: "user_id", Op: "=", Value: f.User})
	}
	if f.Team != 0 {
		d = append(d, orm.Leaf{Path: "lead_id.team_id", Op: "=", Value: f.Team})
	}
	return d
}

func activityGroups(env *orm.Env, d orm.Domain, groupby string) ([]Point, error) {
	m := env.Reg.Model("mail.activity")
	g := gb(m, groupby)
	groups, err := env.WithContext(allRecords).ReadGroup(m, d, []orm.GroupBy{g}, nil, 0, 0, "")
	if err != nil {
		return nil, err
	}
	ps, err := points(env, g, groups, d, "")
	for i := range ps {
		ps[i].Value = float64(ps[i].Count)
	}
	return ps, err
}

// ComputeActivities counts open activities by state and done ones by
// type, person and month.
func ComputeActivities(env *orm.Env, f Filter, today string) (*Activities, error) {
	m := env.Reg.Model("mail.activity")
	open := orm.And{activityScope(f), orm.Leaf{Path: "active", Op: "=", Value: true}}
	r := &Activities{}
	for _, c := range []struct {
		op  string
		dst *int64
	}{{"<", &r.Overdue}, {"=", &r.Today}, {">", &r.Planned}} {
		n, err := env.SearchCount(m, orm.And{open, orm.Leaf{Path: "date_deadline", Op: c.op, Value: today}}, 0)
		if err != nil {
			return nil, err
		}
		*c.dst = n
	}
	t, _ := time.Parse("2006-01-02", today)
	from := periodStart(t, "month").AddDate(0, -11, 0)
	done := orm.And{activityScope(f), orm.Leaf{Path: "active", Op: "=", Value: false}, orm.Leaf{Path: "date_done", Op: ">=", Value: day(from)}}
	var err error
	if r.DoneType, err = activityGroups(env, done, "activity_type_id"); err != nil {
		return nil, err
	}
	if r.DoneUser, err = activityGroups(env, done, "user_id"); err != nil {
		return nil, err
	}
	r.Months, err = activityGroups(env, done, "date_done:month")
	return r, err
}

// TeamCard is one team on the general board.
type TeamCard struct {
	Team       int64   `json:"team_id"`
	Name       string  `json:"name"`
	Open       Figure  `json:"open"`
	Overdue    Figure  `json:"overdue"`
	Unassigned Figure  `json:"unassigned"`
	Won        Figure  `json:"won_this_month"`
	Target     float64 `json:"target"`
	Percent    float64 `json:"target_percent"`
}

// General is the general board: a card per team.
type General struct {
	Teams []TeamCard `json:"teams"`
}

// ComputeGeneral builds the team cards: open opportunities, overdue ones,
// unassigned leads and the month's progress against the target.
func ComputeGeneral(env *orm.Env, f Filter) (*General, error) {
	d := orm.Domain(orm.And{})
	if f.Team != 0 {
		d = orm.Leaf{Path: "id", Op: "=", Value: f.Team}
	}
	teams, err := env.SearchRead(env.Reg.Model("crm.team"), d, []string{"name"}, orm.SearchOpts{}, false)
	if err != nil {
		return nil, err
	}
	start := periodStart(f.Today, "month")
	r := &General{}
	for _, t := range teams {
		id := t["id"].(int64)
		tf := Filter{Team: id, User: f.User, Today: f.Today, Period: "month"}
		c := TeamCard{Team: id, Name: t["name"].(string)}
		open := orm.And{tf.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "pending"}, orm.Leaf{Path: "active", Op: "=", Value: true}}
		if c.Open, err = figure(env, open, "expected_revenue"); err != nil {
			return nil, err
		}
		if c.Overdue, err = figure(env, orm.And{open, orm.Leaf{Path: "date_deadline", Op: "<", Value: day(f.Today)}}, "expected_revenue"); err != nil {
			return nil, err
		}
		unassigned := orm.And{orm.Leaf{Path: "team_id", Op: "=", Value: id}, orm.Leaf{Path: "user_id", Op: "=", Value: false}, orm.Leaf{Path: "active", Op: "=", Value: true}}
		if c.Unassigned, err = figure(env, unassigned, "expected_revenue"); err != nil {
			return nil, err
		}
		if c.Won, err = figure(env, orm.And{tf.scope(), orm.Leaf{Path: "won_status", Op: "=", Value: "won"}, closedBetween(start, addPeriod(start, "month", 1))}, "expected_revenue"); err != nil {
			return nil, err
		}
		byDate, _, _, err := targets(env, tf, "month", start, addPeriod(start, "month", 1))
		if err != nil {
			return nil, err
		}
		c.Target = byDate[day(start)]
		if c.Target > 0 {
			c.Percent = float64(int(c.Won.Amount/c.Target*1000)) / 10
		}
		r.Teams = append(r.Teams, c)
	}
	return r, nil
}
