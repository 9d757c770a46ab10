package crm

import (
	"time"

	"github.com/kanso-crm/kanso/internal/orm"
)

// registerTargets declares crm.target: an amount to win per team and/or
// salesperson for a month, a quarter or a year.
func registerTargets(r *orm.Registry) {
	m := r.Define(&orm.Model{Name: "crm.target", Description: "Sales Target", Order: "date_start desc, id desc",
		DisplayFields: []string{"period", "date_start", "amount"},
		DisplayName: func(env *orm.Env, recs []orm.Values) []string {
			out := make([]string, len(recs))
			for i, r := range recs {
				d, _ := r["date_start"].(string)
				p, _ := r["period"].(string)
				out[i] = orm.DateLabel(d, p)
			}
			return out
		}},
		&orm.Field{Name: "team_id", Type: orm.Many2one, Relation: "crm.team", String: "Sales Team", OnDelete: "cascade"},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "Salesperson", OnDelete: "cascade"},
		&orm.Field{Name: "period", Type: orm.Selection, String: "Period", Required: true, Default: func(*orm.Env) any { return "month" },
			Selection: [][2]string{{"month", "Month"}, {"quarter", "Quarter"}, {"year", "Year"}}},
		&orm.Field{Name: "date_start", Type: orm.Date, String: "Start", Required: true},
		&orm.Field{Name: "amount", Type: orm.Monetary, String: "Target"},
	)
	norm := func(env *orm.Env, rec orm.Values) error {
		if rec["team_id"] == nil && rec["user_id"] == nil {
			return orm.ValidationErrorf("A target is for a sales team, a salesperson or both.")
		}
		d, _ := rec["date_start"].(string)
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return nil
		}
		// a target starts on the first day of its period
		switch rec["period"] {
		case "year":
			t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		case "quarter":
			t = time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
		default:
			t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		rec["date_start"] = t.Format("2006-01-02")
		if a, _ := rec["amount"].(float64); a < 0 {
			return orm.ValidationErrorf("A target cannot be negative.")
		}
		return nil
	}
	m.Hooks = append(m.Hooks, orm.Hooks{BeforeCreate: norm,
		BeforeWriteRecord: func(env *orm.Env, old, rec, vals orm.Values) error { return norm(env, rec) }})
}
