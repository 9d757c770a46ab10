package mail

import (
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

type typeSpec struct {
	xid, name, summary, category, icon string
	delay                              int64
	unit, from                         string
}

func install(env *orm.Env, opts base.InstallOptions) error {
	acc := func(model, group, perms string) base.Access {
		return base.Access{Model: model, Group: group, Perms: perms}
	}
	if err := base.InstallAccess(env, []base.Access{
		acc("mail.activity.type", base.GroupUser, "r"), acc("mail.activity.type", base.GroupSaleManager, "rwcu"),
		acc("mail.activity", base.GroupUser, "rwcu"),
		acc("ir.attachment", base.GroupUser, "cu"), acc("ir.attachment", base.GroupSystem, "rwcu"),
	}); err != nil {
		return err
	}
	// an activity is visible to whoever may read its record
	if err := base.InstallRules(env, []base.Rule{{Name: "Activities of readable records", Model: "mail.activity", Perms: "rwcu",
		Domain: `["&", "|", ["lead_id", "=", false], ["lead_id", "any", []], "|", ["partner_id", "=", false], ["partner_id", "any", []]]`}}); err != nil {
		return err
	}
	types := env.Reg.Model("mail.activity.type")
	ids := map[string]int64{}
	for i, t := range []typeSpec{
		{"mail.mail_activity_data_email", i18n.N("Email"), "", "default", "envelope", 0, "days", "previous_activity"},
		{"mail.mail_activity_data_call", i18n.N("Call"), "", "phonecall", "phone", 2, "days", "previous_activity"},
		{"mail.mail_activity_data_meeting", i18n.N("Meeting"), "", "meeting", "users", 0, "days", "previous_activity"},
		{"mail.mail_activity_data_todo", i18n.N("To-Do"), "", "default", "check", 5, "days", "previous_activity"},
		{"mail.mail_activity_data_upload_document", i18n.N("Upload Document"), "", "upload_file", "upload", 5, "days", "previous_activity"},
		// the chain of responsibilities of the Romanian guide
		{"mail.chain_contact", i18n.N("Contact the prospect"), i18n.N("Call the prospect and summarise the call"), "phonecall", "phone", 0, "days", "current_date"},
		{"mail.chain_meeting", i18n.N("Meeting and evaluation"), i18n.N("Meet the client and fill in the evaluation sheet"), "meeting", "users", 3, "days", "current_date"},
		{"mail.chain_offer", i18n.N("Offer and negotiation"), i18n.N("Send the price offer and negotiate"), "default", "file", 5, "days", "current_date"},
		{"mail.chain_contract", i18n.N("Contracting"), i18n.N("Record the signed contract"), "upload_file", "pen", 7, "days", "previous_activity"},
	} {
		v := orm.Values{"name": t.name, "category": t.category, "icon": t.icon, "delay_count": t.delay, "delay_unit": t.unit,
			"delay_from": t.from, "sequence": int64(i + 1)}
		if t.summary != "" {
			v["summary"] = t.summary
		}
		created, err := env.Create(types, []orm.Values{v})
		if err != nil {
			return err
		}
		ids[t.xid] = created[0]
		if err := base.SetXID(env, t.xid, "mail.activity.type", created[0]); err != nil {
			return err
		}
	}
	chain := []string{"mail.chain_contact", "mail.chain_meeting", "mail.chain_offer", "mail.chain_contract"}
	for i := 0; i+1 < len(chain); i++ {
		if err := env.Write(types, []int64{ids[chain[i]]}, orm.Values{"chaining_type": "trigger", "triggered_next_type_id": ids[chain[i+1]]}); err != nil {
			return err
		}
	}
	// calls and e-mails suggest each other
	for _, p := range [][2]string{{"mail.mail_activity_data_email", "mail.mail_activity_data_call"}, {"mail.mail_activity_data_call", "mail.mail_activity_data_meeting"}} {
		if err := env.Write(types, []int64{ids[p[0]]}, orm.Values{"suggested_next_type_ids": []any{[]any{int64(4), ids[p[1]], int64(0)}}}); err != nil {
			return err
		}
	}
	return nil
}
