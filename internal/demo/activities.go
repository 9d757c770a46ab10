package demo

import (
	"context"
	"math/rand/v2"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

// maxActivities bounds the planned activities of a demo: enough for My
// Activities, the kanban's activity bars and the activities dashboard to
// show real figures, few enough to go through the ORM (so the lead's
// next-activity fields and the timeline are what a user would get).
const maxActivities = 1500

// activityTypes are the shipped types the demo plans, by external id.
var activityTypes = []string{"mail.mail_activity_data_call", "mail.mail_activity_data_meeting",
	"mail.mail_activity_data_email", "mail.mail_activity_data_todo"}

var activitySummaries = []string{"Follow up on the offer", "Discuss the budget", "Send the price list",
	"Demo of the product", "Confirm the delivery date", "Check the decision maker"}

// planActivities schedules an activity on about two thirds of the most recent
// open opportunities, assigned to their salesperson, with deadlines from two
// weeks overdue to three weeks ahead.
func (g *gen) planActivities(ctx context.Context, r *orm.Runner) (int, error) {
	n := 0
	err := r.Run(ctx, orm.SuperuserID, nil, true, func(env *orm.Env) error {
		var types []int64
		for _, x := range activityTypes {
			id, err := base.XID(env, x)
			if err != nil {
				return err
			}
			types = append(types, id)
		}
		lead := env.Reg.Model("crm.lead")
		open := orm.And{orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, orm.Leaf{Path: "won_status", Op: "=", Value: "pending"},
			orm.Leaf{Path: "user_id", Op: "!=", Value: false}}
		recs, err := env.SearchRead(lead, open, []string{"user_id"}, orm.SearchOpts{Order: "id desc", Limit: 2 * maxActivities}, false)
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(g.o.Seed, 3<<32))
		var vals []orm.Values
		for _, rec := range recs {
			if rng.IntN(3) == 0 || len(vals) == maxActivities {
				continue
			}
			uid, _ := rec["user_id"].(int64)
			vals = append(vals, orm.Values{
				"res_model": "crm.lead", "res_id": rec["id"], "user_id": uid,
				"activity_type_id": types[rng.IntN(len(types))],
				"summary":          activitySummaries[rng.IntN(len(activitySummaries))],
				"date_deadline":    g.now.AddDate(0, 0, rng.IntN(35)-14).Format("2006-01-02"),
			})
		}
		if len(vals) == 0 {
			return nil
		}
		ids, err := env.Create(env.Reg.Model("mail.activity"), vals)
		n = len(ids)
		return err
	})
	return n, err
}
