package crm

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
)

func leadModel(env *orm.Env) *orm.Model { return env.Reg.Model("crm.lead") }

func addLeadMethods(m *orm.Model) {
	m.AddMethod(&orm.Method{Name: "action_set_won", Doc: "Mark the opportunities won: move them to the won stage with probability 100.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) { return true, SetWon(env, c.IDs) }})
	m.AddMethod(&orm.Method{Name: "action_set_won_rainbowman", Doc: "Mark won (the web client celebrates).",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) { return true, SetWon(env, c.IDs) }})
	m.AddMethod(&orm.Method{Name: "action_set_lost", Params: []string{"lost_reason_id", "lost_feedback"},
		Doc: "Mark lost with an optional reason and feedback: archived, probability 0.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			reason, err := c.Int("lost_reason_id", 0)
			if err != nil {
				return nil, err
			}
			fb, err := c.String("lost_feedback", "")
			if err != nil {
				return nil, err
			}
			return true, SetLost(env, c.IDs, reason, fb)
		}})
	restore := &orm.Method{Name: "action_restore", Doc: "Restore lost or archived leads: active again, lost reason cleared, probability automated.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) { return true, Restore(env, c.IDs) }}
	m.AddMethod(restore)
	m.AddMethod(&orm.Method{Name: "action_unarchive", Doc: restore.Doc, Fn: restore.Fn})
	m.AddMethod(&orm.Method{Name: "convert_opportunity", Params: []string{"partner_id", "user_ids", "team_id"},
		Doc: "Convert leads to opportunities with a customer, optionally assigning salespeople in turn and a team.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			partner, err := c.Int("partner_id", 0)
			if err != nil {
				return nil, err
			}
			users, err := orm.IDs(c.Args["user_ids"])
			if err != nil {
				return nil, err
			}
			team, err := c.Int("team_id", 0)
			if err != nil {
				return nil, err
			}
			return true, ConvertOpportunity(env, c.IDs, partner, users, team)
		}})
	m.AddMethod(&orm.Method{Name: "convert_defaults", ReadOnly: true,
		Doc: "What the conversion dialog proposes for one lead: name (convert or merge), action (create, exist or nothing), partner_id, duplicated_lead_ids, user_id, team_id.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			if len(c.IDs) != 1 {
				return nil, orm.UserErrorf("Select one lead to convert.")
			}
			return ConversionDefaults(env, c.IDs[0])
		}})
	m.AddMethod(&orm.Method{Name: "action_convert", Params: []string{"name", "action", "partner_id", "duplicated_lead_ids", "user_id", "team_id", "force_assignment"},
		Doc: "Apply the conversion dialog: convert (or merge with duplicates) with a new, existing or no customer; returns the resulting opportunity id.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			opts, err := conversionArgs(c)
			if err != nil {
				return nil, err
			}
			return Convert(env, c.IDs, opts)
		}})
	m.AddMethod(&orm.Method{Name: "action_convert_mass", Params: []string{"action", "user_ids", "team_id", "deduplicate", "force_assignment"},
		Doc: "Convert many leads at once: salespeople assigned in turn, duplicates optionally merged; returns the opportunity ids.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			opts, err := conversionArgs(c)
			if err != nil {
				return nil, err
			}
			if opts.UserIDs, err = orm.IDs(c.Args["user_ids"]); err != nil {
				return nil, err
			}
			if opts.Deduplicate, err = c.Bool("deduplicate", true); err != nil {
				return nil, err
			}
			return ConvertMass(env, c.IDs, opts)
		}})
	m.AddMethod(&orm.Method{Name: "merge_opportunity", Params: []string{"user_id", "team_id", "auto_unlink"},
		Doc: "Merge 2 to 5 leads/opportunities into the most advanced one; returns its id.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			u, err := c.Int("user_id", 0)
			if err != nil {
				return nil, err
			}
			t, err := c.Int("team_id", 0)
			if err != nil {
				return nil, err
			}
			unlink, err := c.Bool("auto_unlink", true)
			if err != nil {
				return nil, err
			}
			return Merge(env, c.IDs, u, t, unlink, 5)
		}})
	m.AddMethod(&orm.Method{Name: "action_activate", Params: []string{"user_id", "date_first_contact", "priority", "first_task", "first_task_date"},
		Doc: "Activate an inactive lead: salesperson, date and time of first contact, the first task and the priority, in one step.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			var a Activation
			var err error
			if a.UserID, err = c.Int("user_id", 0); err != nil {
				return nil, err
			}
			if a.FirstContact, err = c.String("date_first_contact", ""); err != nil {
				return nil, err
			}
			if a.Priority, err = c.String("priority", ""); err != nil {
				return nil, err
			}
			if a.FirstTask, err = c.String("first_task", ""); err != nil {
				return nil, err
			}
			if a.FirstTaskDate, err = c.String("first_task_date", ""); err != nil {
				return nil, err
			}
			return true, Activate(env, c.IDs, a)
		}})
	m.AddMethod(&orm.Method{Name: "kanban_move", Params: []string{"stage_id", "above_id", "below_id", "write_date"},
		Doc: "Move an opportunity to a stage, between two cards of its column (ids, or false at the ends), as a drag and drop does.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			if len(c.IDs) != 1 {
				return nil, orm.UserErrorf("Move one card at a time.")
			}
			stage, err := c.Int("stage_id", 0)
			if err != nil {
				return nil, err
			}
			above, err := c.Int("above_id", 0)
			if err != nil {
				return nil, err
			}
			below, err := c.Int("below_id", 0)
			if err != nil {
				return nil, err
			}
			wd, err := c.String("write_date", "")
			if err != nil {
				return nil, err
			}
			return true, KanbanMove(env, c.IDs[0], stage, above, below, wd)
		}})
	m.AddMethod(&orm.Method{Name: "message_post", Params: []string{"body", "message_type", "subtype_xmlid", "subject"},
		Doc: "Post a note on the record's timeline; returns the message id.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			if len(c.IDs) != 1 {
				return nil, orm.UserErrorf("Post on one record at a time.")
			}
			if err := env.CheckRecords(c.Model, c.IDs, orm.PermRead); err != nil {
				return nil, err
			}
			body, err := c.String("body", "")
			if err != nil {
				return nil, err
			}
			typ, _ := c.String("message_type", "comment")
			sub, _ := c.String("subtype_xmlid", "mail.mt_note")
			subject, _ := c.String("subject", "")
			return env.PostMessage(c.Model, c.IDs[0], orm.Message{Type: typ, Subtype: sub, Subject: subject, Body: html.EscapeString(body)})
		}})
}

// SetWon moves each lead to the right won stage of its team.
func SetWon(env *orm.Env, ids []int64) error {
	m := leadModel(env)
	all := env.WithContext(map[string]any{"active_test": false})
	if err := all.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return err
	}
	recs, err := all.ReadValues(m, ids, []string{"stage_id", "team_id", "active"})
	if err != nil {
		return err
	}
	for _, r := range recs {
		cur, err := loadStage(env, r["stage_id"])
		if err != nil {
			return err
		}
		tid, _ := r["team_id"].(int64)
		won, err := teamStages(env, tid, orm.Leaf{Path: "is_won", Op: "=", Value: true})
		if err != nil {
			return err
		}
		if len(won) == 0 {
			return orm.UserErrorf("There is no won stage for this team; add a stage marked as won in the configuration.")
		}
		var target int64
		var last int64
		for _, id := range won {
			st, err := loadStage(env, id)
			if err != nil {
				return err
			}
			if st.Sequence > cur.Sequence && target == 0 {
				target = id
			}
			if st.Sequence <= cur.Sequence {
				last = id
			}
		}
		if target == 0 {
			target = last
		}
		if err := all.Write(m, []int64{r["id"].(int64)}, orm.Values{"active": true, "stage_id": target, "probability": 100.0}); err != nil {
			return err
		}
	}
	return nil
}

// SetLost archives leads with probability 0, a reason and a feedback note.
func SetLost(env *orm.Env, ids []int64, reason int64, feedback string) error {
	m := leadModel(env)
	all := env.WithContext(map[string]any{"active_test": false})
	vals := orm.Values{"active": false, "probability": 0.0, "automated_probability": 0.0}
	if reason != 0 {
		vals["lost_reason_id"] = reason
	}
	if err := all.Write(m, ids, vals); err != nil {
		return err
	}
	if strings.TrimSpace(feedback) != "" {
		body := `<div style="margin-bottom:4px"><p>Lost Comment:</p>` + html.EscapeString(feedback) + `<br></div>`
		for _, id := range ids {
			if _, err := env.PostMessage(m, id, orm.Message{Type: "comment", Subtype: "mail.mt_note", Body: body}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Restore brings back lost or archived leads.
func Restore(env *orm.Env, ids []int64) error {
	m := leadModel(env)
	all := env.WithContext(map[string]any{"active_test": false})
	if err := all.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return err
	}
	recs, err := all.ReadValues(m, ids, []string{"stage_id", "team_id"})
	if err != nil {
		return err
	}
	for _, r := range recs {
		st, err := loadStage(env, r["stage_id"])
		if err != nil {
			return err
		}
		stage := r["stage_id"]
		if st.IsLost { // leave the lost column for the first stage
			if stage, err = firstStage(env, r["team_id"]); err != nil {
				return err
			}
		}
		p, err := stageProbability(env, stage, r["team_id"])
		if err != nil {
			return err
		}
		if err := all.Write(m, []int64{r["id"].(int64)}, orm.Values{"active": true, "lost_reason_id": nil, "stage_id": stage,
			"probability": p, "automated_probability": p}); err != nil {
			return err
		}
	}
	return nil
}

// ConvertOpportunity turns leads into opportunities (Odoo's
// convert_opportunity): closed or archived leads are skipped.
func ConvertOpportunity(env *orm.Env, ids []int64, partner int64, users []int64, team int64) error {
	m := leadModel(env)
	if err := env.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return err
	}
	recs, err := env.WithContext(map[string]any{"active_test": false}).ReadValues(m, ids, []string{"active", "probability", "partner_id", "stage_id", "team_id"})
	if err != nil {
		return err
	}
	var done []int64
	for _, r := range recs {
		if r["active"] != true || r["probability"] == 100.0 {
			continue
		}
		vals := orm.Values{"type": "opportunity", "date_conversion": env.Now}
		if partner != 0 && r["partner_id"] != partner {
			vals["partner_id"] = partner
		}
		if r["stage_id"] == nil {
			t := r["team_id"]
			if team != 0 {
				t = team
			}
			s, err := firstStage(env, t)
			if err != nil {
				return err
			}
			vals["stage_id"] = s
		}
		if err := env.Write(m, []int64{r["id"].(int64)}, vals); err != nil {
			return err
		}
		done = append(done, r["id"].(int64))
	}
	if len(users) > 0 || team != 0 {
		return assignSalesmen(env, done, users, team)
	}
	return nil
}

// assignSalesmen gives lead i the salesperson users[i % n] (and the team
// when given), as Odoo's _handle_salesmen_assignment.
func assignSalesmen(env *orm.Env, ids []int64, users []int64, team int64) error {
	m := leadModel(env)
	if len(users) == 0 {
		if team == 0 || len(ids) == 0 {
			return nil
		}
		return env.Write(m, ids, orm.Values{"team_id": team})
	}
	for i, id := range ids {
		vals := orm.Values{"user_id": users[i%len(users)]}
		if team != 0 {
			vals["team_id"] = team
		}
		if err := env.Write(m, []int64{id}, vals); err != nil {
			return err
		}
	}
	return nil
}

// ConversionOptions are the choices of the conversion dialog.
type ConversionOptions struct {
	Name            string // "convert" or "merge"
	Action          string // "create", "exist" or "nothing"
	PartnerID       int64
	DuplicatedIDs   []int64
	UserID          int64
	TeamID          int64
	UserIDs         []int64
	ForceAssignment bool
	Deduplicate     bool
}

func conversionArgs(c *orm.Call) (ConversionOptions, error) {
	var o ConversionOptions
	var err error
	if o.Name, err = c.String("name", "convert"); err != nil {
		return o, err
	}
	if o.Name == "convert_and_merge" {
		o.Name = "merge"
	}
	if o.Action, err = c.String("action", "create"); err != nil {
		return o, err
	}
	if o.Name != "convert" && o.Name != "merge" {
		return o, orm.ValidationErrorf("name must be convert or merge, got %q", o.Name)
	}
	if o.Action != "create" && o.Action != "exist" && o.Action != "nothing" {
		return o, orm.ValidationErrorf("action must be create, exist or nothing, got %q", o.Action)
	}
	if o.PartnerID, err = c.Int("partner_id", 0); err != nil {
		return o, err
	}
	if o.Action == "exist" && o.PartnerID == 0 {
		return o, orm.ValidationErrorf("Choose the existing customer to link (partner_id).")
	}
	if o.DuplicatedIDs, err = orm.IDs(c.Args["duplicated_lead_ids"]); err != nil {
		return o, err
	}
	if o.UserID, err = c.Int("user_id", 0); err != nil {
		return o, err
	}
	if o.TeamID, err = c.Int("team_id", 0); err != nil {
		return o, err
	}
	if o.ForceAssignment, err = c.Bool("force_assignment", true); err != nil {
		return o, err
	}
	return o, nil
}

// ConversionDefaults is what the dialog proposes for a lead.
func ConversionDefaults(env *orm.Env, id int64) (map[string]any, error) {
	m := leadModel(env)
	if err := env.CheckRecords(m, []int64{id}, orm.PermRead); err != nil {
		return nil, err
	}
	recs, err := env.ReadValues(m, []int64{id}, []string{"probability", "partner_id", "email_from", "user_id", "team_id"})
	if err != nil {
		return nil, err
	}
	r := recs[0]
	if r["probability"] == 100.0 {
		return nil, orm.UserErrorf("Closed/Dead leads cannot be converted into opportunities.")
	}
	partner, err := findMatchingPartner(env, r)
	if err != nil {
		return nil, err
	}
	email := str(r["email_from"])
	if partner != 0 {
		if pv, err := env.Sudo().ReadValues(env.Reg.Model("res.partner"), []int64{partner}, []string{"email"}); err == nil && len(pv) == 1 && str(pv[0]["email"]) != "" {
			email = str(pv[0]["email"])
		}
	}
	dups, err := leadDuplicates(env, partner, email, true)
	if err != nil {
		return nil, err
	}
	hasSelf := false
	for _, d := range dups {
		hasSelf = hasSelf || d == id
	}
	if !hasSelf {
		dups = append([]int64{id}, dups...)
	}
	out := map[string]any{"name": "convert", "action": "create", "partner_id": false, "duplicated_lead_ids": dups,
		"user_id": orNil(r["user_id"]), "team_id": orNil(r["team_id"])}
	if len(dups) >= 2 {
		out["name"] = "merge"
	}
	if partner != 0 {
		out["action"], out["partner_id"] = "exist", partner
	}
	return out, nil
}

func orNil(v any) any {
	if v == nil {
		return false
	}
	return v
}

// findMatchingPartner: the lead's customer, else a partner with the same
// e-mail address ([v19]).
func findMatchingPartner(env *orm.Env, lead orm.Values) (int64, error) {
	if p, ok := lead["partner_id"].(int64); ok {
		return p, nil
	}
	n := base.NormalizeEmail(str(lead["email_from"]))
	if n == "" {
		return 0, nil
	}
	// a person with the address is a better match than a company
	ids, err := env.Search(env.Reg.Model("res.partner"), orm.Leaf{Path: "email_normalized", Op: "=", Value: n}, orm.SearchOpts{Limit: 1, Order: "is_company, id"})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// leadDuplicates is Odoo's _get_lead_duplicates.
func leadDuplicates(env *orm.Env, partner int64, email string, includeLost bool) ([]int64, error) {
	var or orm.Or
	if n := base.NormalizeEmail(email); n != "" {
		or = append(or, orm.Leaf{Path: "email_normalized", Op: "=", Value: n})
	}
	if partner != 0 {
		or = append(or, orm.Leaf{Path: "partner_id", Op: "=", Value: partner})
	}
	if len(or) == 0 {
		return nil, nil
	}
	d := orm.And{or}
	notWon := orm.Or{orm.Leaf{Path: "stage_id", Op: "=", Value: false}, orm.Leaf{Path: "stage_id.is_won", Op: "=", Value: false}}
	if includeLost {
		d = append(d, orm.Or{orm.Leaf{Path: "type", Op: "=", Value: "opportunity"}, orm.Leaf{Path: "active", Op: "=", Value: true}}, notWon)
	} else {
		d = append(d, orm.Leaf{Path: "active", Op: "=", Value: true}, notWon)
	}
	return env.WithContext(map[string]any{"active_test": false}).Search(leadModel(env), d, orm.SearchOpts{})
}

// Convert applies the conversion dialog to leads and returns the
// resulting opportunity.
func Convert(env *orm.Env, ids []int64, o ConversionOptions) (int64, error) {
	m := leadModel(env)
	if len(ids) == 0 {
		return 0, orm.UserErrorf("Select a lead to convert.")
	}
	if err := env.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return 0, err
	}
	if o.Name == "merge" {
		set := map[int64]bool{ids[0]: true}
		for _, d := range o.DuplicatedIDs {
			set[d] = true
		}
		result := ids[0]
		if len(set) > 1 {
			var err error
			if result, err = Merge(env, sortedKeys(set), 0, 0, true, 5); err != nil {
				return 0, err
			}
		}
		all := env.WithContext(map[string]any{"active_test": false})
		if err := all.Write(m, []int64{result}, orm.Values{"active": true}); err != nil {
			return 0, err
		}
		recs, err := all.ReadValues(m, []int64{result}, []string{"type", "user_id", "partner_id"})
		if err != nil {
			return 0, err
		}
		if recs[0]["type"] == "lead" {
			partner, err := handlePartner(env, result, o)
			if err != nil {
				return 0, err
			}
			if err := ConvertOpportunity(env, []int64{result}, partner, nil, 0); err != nil {
				return 0, err
			}
		}
		if (recs[0]["user_id"] == nil || o.ForceAssignment) && o.UserID != 0 {
			return result, assignSalesmen(env, []int64{result}, []int64{o.UserID}, o.TeamID)
		}
		if o.TeamID != 0 && o.UserID == 0 {
			return result, assignSalesmen(env, []int64{result}, nil, o.TeamID)
		}
		return result, nil
	}
	for _, id := range ids {
		partner, err := handlePartner(env, id, o)
		if err != nil {
			return 0, err
		}
		if err := ConvertOpportunity(env, []int64{id}, partner, nil, 0); err != nil {
			return 0, err
		}
	}
	targets := ids
	if !o.ForceAssignment {
		targets = nil
		recs, err := env.ReadValues(m, ids, []string{"user_id"})
		if err != nil {
			return 0, err
		}
		for _, r := range recs {
			if r["user_id"] == nil {
				targets = append(targets, r["id"].(int64))
			}
		}
	}
	var users []int64
	if o.UserID != 0 {
		users = []int64{o.UserID}
	}
	if err := assignSalesmen(env, targets, users, o.TeamID); err != nil {
		return 0, err
	}
	return ids[0], nil
}

// ConvertMass converts many leads, merging duplicates when asked, and
// gives them the salespeople in turn.
func ConvertMass(env *orm.Env, ids []int64, o ConversionOptions) ([]int64, error) {
	m := leadModel(env)
	if err := env.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return nil, err
	}
	var results []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue // merged into an earlier one
		}
		target := id
		if o.Deduplicate {
			recs, err := env.ReadValues(m, []int64{id}, []string{"partner_id", "email_from"})
			if err != nil {
				return nil, err
			}
			p, _ := recs[0]["partner_id"].(int64)
			dups, err := leadDuplicates(env, p, str(recs[0]["email_from"]), false)
			if err != nil {
				return nil, err
			}
			set := map[int64]bool{id: true}
			for _, d := range dups {
				set[d] = true
			}
			if len(set) > 1 {
				list := sortedKeys(set)
				if len(list) > 5 {
					list = list[:5]
				}
				if target, err = Merge(env, list, 0, 0, true, 5); err != nil {
					return nil, err
				}
				for _, d := range list {
					seen[d] = true
				}
			}
		}
		partner, err := handlePartner(env, target, o)
		if err != nil {
			return nil, err
		}
		if err := ConvertOpportunity(env, []int64{target}, partner, nil, 0); err != nil {
			return nil, err
		}
		results = append(results, target)
	}
	targets := results
	if !o.ForceAssignment {
		targets = nil
		recs, err := env.ReadValues(m, results, []string{"user_id"})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r["user_id"] == nil {
				targets = append(targets, r["id"].(int64))
			}
		}
	}
	if err := assignSalesmen(env, targets, o.UserIDs, o.TeamID); err != nil {
		return nil, err
	}
	if results == nil {
		results = []int64{}
	}
	return results, nil
}

// handlePartner links the customer chosen in the dialog, creating it
// from the lead when asked.
func handlePartner(env *orm.Env, id int64, o ConversionOptions) (int64, error) {
	m := leadModel(env)
	switch o.Action {
	case "exist":
		if o.PartnerID != 0 {
			return o.PartnerID, env.Write(m, []int64{id}, orm.Values{"partner_id": o.PartnerID})
		}
	case "create":
		recs, err := env.ReadValues(m, []int64{id}, []string{"partner_id"})
		if err != nil {
			return 0, err
		}
		if p, ok := recs[0]["partner_id"].(int64); ok {
			return p, nil
		}
		p, err := createCustomer(env, id)
		if err != nil {
			return 0, err
		}
		return p, env.Write(m, []int64{id}, orm.Values{"partner_id": p})
	}
	recs, err := env.ReadValues(m, []int64{id}, []string{"partner_id"})
	if err != nil {
		return 0, err
	}
	p, _ := recs[0]["partner_id"].(int64)
	return p, nil
}

// createCustomer creates the company and/or contact described by a lead
// (Odoo's _create_customer).
func createCustomer(env *orm.Env, id int64) (int64, error) {
	m := leadModel(env)
	recs, err := env.ReadValues(m, []int64{id}, []string{"name", "partner_name", "contact_name", "email_from", "phone", "function",
		"website", "description", "user_id", "street", "street2", "zip", "city", "state_id", "country_id", "vat", "lang_id", "partner_id"})
	if err != nil {
		return 0, err
	}
	l := recs[0]
	pm := env.Reg.Model("res.partner")
	contact := str(l["contact_name"])
	email := base.NormalizeEmail(str(l["email_from"]))
	if contact == "" && email != "" {
		if i := strings.Index(str(l["email_from"]), "<"); i > 0 {
			contact = strings.Trim(strings.TrimSpace(str(l["email_from"])[:i]), `"`)
		}
	}
	vals := func(name string, isCompany bool, parent int64) orm.Values {
		v := orm.Values{"name": name, "is_company": isCompany, "type": "contact", "phone": l["phone"], "website": l["website"],
			"user_id": l["user_id"], "street": l["street"], "street2": l["street2"], "zip": l["zip"], "city": l["city"],
			"state_id": l["state_id"], "country_id": l["country_id"]}
		if email != "" {
			v["email"] = email
		}
		if d := str(l["description"]); d != "" {
			v["comment"] = d
		}
		if isCompany {
			v["vat"] = l["vat"]
		} else {
			v["function"] = l["function"]
		}
		if parent != 0 {
			v["parent_id"] = parent
		} else if !isCompany && str(l["partner_name"]) != "" {
			v["company_name"] = l["partner_name"]
		}
		if lid, ok := l["lang_id"].(int64); ok {
			var code string
			if err := env.QueryRow("SELECT code FROM res_lang WHERE id = ? AND active = ?", lid, env.Dialect.BoolParam(true)).Scan(&code); err == nil {
				v["lang"] = code
			}
		}
		for k, x := range v {
			if x == nil {
				delete(v, k)
			}
		}
		return v
	}
	create := func(v orm.Values) (int64, error) {
		ids, err := env.Create(pm, []orm.Values{v})
		if err != nil {
			return 0, err
		}
		return ids[0], nil
	}
	var company int64
	if pn := str(l["partner_name"]); pn != "" {
		cv := vals(pn, true, 0)
		if contact != "" {
			delete(cv, "email") // the address is the contact's
		}
		if company, err = create(cv); err != nil {
			return 0, err
		}
	} else if p, ok := l["partner_id"].(int64); ok {
		company = p
	}
	if company != 0 {
		if contact == "" {
			return company, nil
		}
		return create(vals(contact, false, company))
	}
	name := contact
	if name == "" {
		name = str(l["name"])
	}
	return create(vals(name, false, 0))
}

// computeDuplicates finds potential duplicates ([v18+] rules): the same
// e-mail domain (or address for generic providers), the same commercial
// entity, the same phone number; archived ones included.
func computeDuplicates(env *orm.Env, recs []orm.Values) error {
	m := leadModel(env)
	su := env.Sudo().WithContext(map[string]any{"active_test": false})
	for _, r := range recs {
		id, _ := r["id"].(int64)
		found := map[int64]bool{}
		add := func(d orm.Domain, cutoff bool) error {
			ids, err := su.Search(m, d, orm.SearchOpts{Limit: 21})
			if err != nil {
				return err
			}
			if cutoff && len(ids) >= 21 {
				return nil
			}
			for _, x := range ids {
				found[x] = true
			}
			return nil
		}
		vals, err := su.ReadValues(m, []int64{id}, []string{"email_domain_criterion", "partner_id", "phone_sanitized"})
		if err != nil {
			return err
		}
		if len(vals) == 0 {
			continue
		}
		v := vals[0]
		if c := str(v["email_domain_criterion"]); c != "" {
			if err := add(orm.Leaf{Path: "email_domain_criterion", Op: "=", Value: c}, true); err != nil {
				return err
			}
		}
		if p, ok := v["partner_id"].(int64); ok {
			cp, err := su.ReadValues(env.Reg.Model("res.partner"), []int64{p}, []string{"commercial_partner_id"})
			if err != nil {
				return err
			}
			if c, ok := cp[0]["commercial_partner_id"].(int64); ok {
				p = c
			}
			if err := add(orm.Leaf{Path: "partner_id", Op: "child_of", Value: p}, false); err != nil {
				return err
			}
		}
		if ph := str(v["phone_sanitized"]); ph != "" {
			if err := add(orm.Leaf{Path: "phone_sanitized", Op: "=", Value: ph}, true); err != nil {
				return err
			}
		}
		delete(found, id)
		r["duplicate_lead_count"] = int64(len(found))
		found[id] = true
		r["duplicate_lead_ids"] = sortedKeys(found)
	}
	return nil
}

// mergeFields take the first non-empty value in confidence order.
var mergeFields = []string{"campaign_id", "medium_id", "source_id", "email_cc", "name", "user_id", "color", "company_id", "lang_id",
	"team_id", "referred", "stage_id", "expected_revenue", "recurring_plan", "recurring_revenue", "create_date", "date_automation_last",
	"date_deadline", "partner_id", "partner_name", "contact_name", "email_from", "function", "phone", "website", "vat"}

// Merge merges leads into the most advanced one (Odoo's
// merge_opportunity) and returns it. Timeline messages move to the
// survivor; the others are deleted when unlink is true.
func Merge(env *orm.Env, ids []int64, userID, teamID int64, unlink bool, max int) (int64, error) {
	m := leadModel(env)
	ids = uniq(ids)
	if len(ids) < 2 {
		return 0, orm.UserErrorf("Please select more than one element (lead or opportunity) from the list view.")
	}
	if len(ids) > max && env.UID != orm.SuperuserID {
		return 0, orm.UserErrorf("To prevent data loss, Leads and Opportunities can only be merged by groups of %d.", max)
	}
	all := env.WithContext(map[string]any{"active_test": false})
	if err := all.CheckRecords(m, ids, orm.PermWrite); err != nil {
		return 0, err
	}
	fields := append([]string{"type", "active", "probability", "priority", "description", "tag_ids", "lost_reason_id"}, mergeFields...)
	fields = append(fields, addressFields...)
	recs, err := all.ReadValues(m, ids, fields)
	if err != nil {
		return 0, err
	}
	seq := map[int64]int64{}
	for _, r := range recs {
		st, err := loadStage(env, r["stage_id"])
		if err != nil {
			return 0, err
		}
		seq[r["id"].(int64)] = st.Sequence
	}
	// confidence: (opportunity or active, opportunity, stage sequence,
	// probability, -id), highest first
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		ka := [5]float64{b2f(a["type"] == "opportunity" || a["active"] == true), b2f(a["type"] == "opportunity"), float64(seq[a["id"].(int64)]), f(a["probability"]), -float64(a["id"].(int64))}
		kb := [5]float64{b2f(b["type"] == "opportunity" || b["active"] == true), b2f(b["type"] == "opportunity"), float64(seq[b["id"].(int64)]), f(b["probability"]), -float64(b["id"].(int64))}
		for k := 0; k < 5; k++ {
			if ka[k] != kb[k] {
				return ka[k] > kb[k]
			}
		}
		return false
	})
	head := recs[0]
	headID := head["id"].(int64)
	vals := orm.Values{}
	for _, fld := range mergeFields {
		if fld == "create_date" {
			continue
		}
		for _, r := range recs {
			if v := r[fld]; v != nil && v != "" && v != int64(0) && v != 0.0 {
				vals[fld] = v
				break
			}
		}
	}
	var descs []string
	typ := "lead"
	prio := "0"
	tags := map[int64]bool{}
	for _, r := range recs {
		if d := str(r["description"]); strings.TrimSpace(d) != "" {
			descs = append(descs, d)
		}
		if r["type"] == "opportunity" {
			typ = "opportunity"
		}
		if p := str(r["priority"]); p > prio {
			prio = p
		}
		for _, t := range r["tag_ids"].([]int64) {
			tags[t] = true
		}
	}
	vals["description"] = strings.Join(descs, "<br/><br/>")
	if len(descs) == 0 {
		vals["description"] = nil
	}
	vals["type"], vals["priority"] = typ, prio
	vals["tag_ids"] = []any{[]any{int64(6), int64(0), anyList(sortedKeys(tags))}}
	if f(head["probability"]) > 0 {
		vals["lost_reason_id"] = nil
	} else {
		for _, r := range recs {
			if r["lost_reason_id"] != nil {
				vals["lost_reason_id"] = r["lost_reason_id"]
				break
			}
		}
	}
	best, bestN := recs[0], -1
	for _, r := range recs {
		n := 0
		for _, k := range addressFields {
			if r[k] != nil && r[k] != "" {
				n++
			}
		}
		if n > bestN {
			best, bestN = r, n
		}
	}
	for _, k := range addressFields {
		vals[k] = best[k]
	}
	if userID != 0 {
		vals["user_id"] = userID
	}
	if teamID != 0 {
		vals["team_id"] = teamID
	}
	// the stage must belong to the merged team
	if tid, ok := vals["team_id"].(int64); ok {
		stages, err := teamStages(env, tid, nil)
		if err != nil {
			return 0, err
		}
		ok := false
		for _, s := range stages {
			ok = ok || s == vals["stage_id"]
		}
		if !ok && len(stages) > 0 {
			vals["stage_id"] = stages[0]
		}
	}
	if vals["stage_id"] == head["stage_id"] {
		delete(vals, "stage_id")
	}
	if err := all.Write(m, []int64{headID}, convertForWrite(vals)); err != nil {
		return 0, err
	}
	// the timeline of the others moves to the survivor
	var tailNames []string
	for _, r := range recs[1:] {
		tid := r["id"].(int64)
		name := str(r["name"])
		tailNames = append(tailNames, html.EscapeString(name))
		if _, err := env.Exec(`UPDATE mail_message SET res_id = ?, subject = CASE WHEN subject IS NULL OR subject = '' THEN ? ELSE ? || subject END
			WHERE model = 'crm.lead' AND res_id = ?`, headID, "From "+name, "From "+name+" : ", tid); err != nil {
			return 0, err
		}
		for _, x := range env.Reg.Extensions(ExtMerge) {
			if err := x.(MergeHook)(env, headID, tid); err != nil {
				return 0, err
			}
		}
	}
	body := "<p>Merged with the following " + plural(len(recs)-1) + ":</p><ul><li>" + strings.Join(tailNames, "</li><li>") + "</li></ul>"
	if _, err := env.PostMessage(m, headID, orm.Message{Type: "notification", Subtype: "crm.mt_lead_merge", Body: body}); err != nil {
		return 0, err
	}
	if unlink {
		var tails []int64
		for _, r := range recs[1:] {
			tails = append(tails, r["id"].(int64))
		}
		// the messages were moved; delete the records themselves
		if err := all.Sudo().Unlink(m, tails); err != nil {
			return 0, err
		}
	}
	return headID, nil
}

// ExtMerge is the extension point through which later modules
// (activities, quotations) move their records from a merged lead to the
// survivor; implementations are MergeHook.
const ExtMerge = "crm.merge"

// MergeHook moves a module's records from tail to head.
type MergeHook func(env *orm.Env, head, tail int64) error

func plural(n int) string {
	if n == 1 {
		return "record"
	}
	return fmt.Sprintf("%d records", n)
}

func convertForWrite(v orm.Values) orm.Values {
	out := orm.Values{}
	for k, x := range v {
		out[k] = x
	}
	return out
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func f(v any) float64 {
	x, _ := v.(float64)
	return x
}

// Activation is what "Activate" sets on an inactive lead.
type Activation struct {
	UserID        int64
	FirstContact  string // datetime
	Priority      string
	FirstTask     string
	FirstTaskDate string
}

// Activate turns inactive leads into active ones in one step.
func Activate(env *orm.Env, ids []int64, a Activation) error {
	m := leadModel(env)
	if a.UserID == 0 {
		return orm.ValidationErrorf("Choose the salesperson who takes the lead.")
	}
	if strings.TrimSpace(a.FirstContact) == "" {
		return orm.ValidationErrorf("Give the date and time of the first contact.")
	}
	if _, err := orm.ParseDatetime(a.FirstContact); err != nil {
		return orm.ValidationErrorf("First contact: %s", err)
	}
	recs, err := env.ReadValues(m, ids, []string{"activated"})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r["activated"] == true {
			return orm.UserErrorf("This lead is already active.")
		}
	}
	vals := orm.Values{"activated": true, "user_id": a.UserID, "date_first_contact": a.FirstContact}
	if a.Priority != "" {
		vals["priority"] = a.Priority
	}
	if err := env.Write(m, ids, vals); err != nil {
		return err
	}
	if strings.TrimSpace(a.FirstTask) != "" {
		for _, id := range ids {
			if hooks := env.Reg.Extensions(ExtActivation); len(hooks) > 0 {
				for _, h := range hooks {
					if err := h.(ActivationHook)(env, id, a); err != nil {
						return err
					}
				}
				continue
			}
			body := "<p>First task: " + html.EscapeString(a.FirstTask)
			if a.FirstTaskDate != "" {
				body += " (due " + html.EscapeString(a.FirstTaskDate) + ")"
			}
			if _, err := env.PostMessage(m, id, orm.Message{Type: "comment", Subtype: "mail.mt_note", Body: body + "</p>"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExtActivation lets the activities module schedule the first task of an
// activation as a real activity (ActivationHook); without it the task is
// noted on the timeline.
const ExtActivation = "crm.activation"

// ActivationHook schedules the first task of an activated lead.
type ActivationHook func(env *orm.Env, lead int64, a Activation) error
