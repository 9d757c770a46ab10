package imex_test

import (
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// Relational cells by name, e-mail, tax code, external id (plain or in a
// field/id column), database id, ISO code and login; ambiguous and
// unknown names are problems; missing tags and partners are created only
// on request; the importing user's record rules apply.
func TestRelationalValues(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		sam := fx.user("sam", "en_US", base.GroupSaleSalesman)
		sue := fx.user("sue", "en_US", base.GroupSaleSalesman)
		solaris := fx.create("res.partner", orm.Values{"name": "Solaris SRL", "is_company": true, "vat": "RO12345678", "email": "office@solaris.ro"})
		ana := fx.create("res.partner", orm.Values{"name": "Ana Pop", "parent_id": solaris, "email": "ana@solaris.ro"})
		fx.create("res.partner", orm.Values{"name": "Twin", "email": "twin1@example.com"})
		fx.create("res.partner", orm.Values{"name": "Twin", "email": "twin2@example.com"})
		acme := fx.create("res.partner", orm.Values{"name": "Acme Industries International"})
		fx.sudo(func(env *orm.Env) error { return base.SetXID(env, "legacy.acme", "res.partner", acme) })
		qualified := fx.xid("crm.stage_lead2")
		csv := "name,partner_id,user_id,stage_id/id,country_id,tag_ids,state_id\n" +
			"By name,Solaris SRL,sam,crm.stage_lead2,RO,,Cluj (RO)\n" + // 2
			"By contact name,Ana Pop,Sam,,Romania,,\n" + // 3: the contact's own name
			"By e-mail,OFFICE@solaris.ro,,,,,\n" + // 4
			"By tax code,12345678,,,,,\n" + // 5
			"By external id,legacy.acme,,,,,\n" + // 6
			"By partial name,Acme Ind,,,,,\n" + // 7
			"Ambiguous,Twin,,,,,\n" + // 8
			"Unknown,Nobody Ltd,,,,,\n" + // 9
			"Unknown tag,,,,,\"Hot, New\",\n" + // 10
			"Bad stage id,,,crm.nope,,,\n" // 11
		res, err := fx.importBytes(adminUID, "rel.csv", []byte(csv), imex.Options{Model: "crm.lead", DryRun: true})
		testutil.Must(t, err, "import")
		got := map[int]string{}
		for _, p := range res.Problems {
			got[p.Row] = p.Column + ": " + p.Reason
		}
		if len(res.Problems) != 4 || !strings.HasPrefix(got[8], "partner_id: several") || !strings.HasPrefix(got[9], "partner_id: no Contact") ||
			!strings.HasPrefix(got[10], "tag_ids: no CRM Tag matches \"Hot\"") || !strings.HasPrefix(got[11], "stage_id/id: no CRM Stages record has the external id crm.nope") {
			problems(t, res)
			t.Fatalf("problems: %v", got)
		}
		// with CreateMissing and skipping the bad rows
		res, err = fx.importBytes(adminUID, "rel.csv", []byte(csv), imex.Options{Model: "crm.lead", CreateMissing: true, SkipInvalid: true})
		testutil.Must(t, err, "import")
		if !res.Committed || res.Created != 8 || res.Skipped != 2 {
			problems(t, res)
			t.Fatalf("result: %+v", res)
		}
		recs := fx.read("crm.lead", orm.And{}, "name", "partner_id", "user_id", "stage_id", "country_id", "tag_ids", "state_id")
		byName := map[string]orm.Values{}
		for _, r := range recs {
			byName[r["name"].(string)] = r
		}
		checks := []struct {
			lead, field string
			want        any
		}{
			{"By name", "partner_id", solaris}, {"By name", "user_id", sam}, {"By name", "stage_id", qualified},
			{"By name", "country_id", fx.xid("base.ro")}, {"By contact name", "partner_id", ana}, {"By contact name", "user_id", sam},
			{"By contact name", "country_id", fx.xid("base.ro")}, {"By e-mail", "partner_id", solaris}, {"By tax code", "partner_id", solaris},
			{"By external id", "partner_id", acme}, {"By partial name", "partner_id", acme},
		}
		for _, c := range checks {
			if byName[c.lead][c.field] != c.want {
				t.Errorf("%s: %s = %v, want %v", c.lead, c.field, byName[c.lead][c.field], c.want)
			}
		}
		if st := byName["By name"]["state_id"]; st == nil || fx.names("res.country.state", st)[0] == "" {
			t.Errorf("state: %v", st)
		}
		if tags := fx.names("crm.tag", byName["Unknown tag"]["tag_ids"]); len(tags) != 2 {
			t.Errorf("created tags: %v", tags)
		}
		if fx.count("res.partner", leaf("name", "=", "Nobody Ltd")) != 1 {
			t.Error("missing partner not created")
		}
		// Sam, own documents only, cannot import a lead for Sue
		res, err = fx.importBytes(sam, "sue.csv", []byte("name,user_id\nMine,sam\nFor Sue,sue\n"), imex.Options{Model: "crm.lead"})
		testutil.Must(t, err, "import as sam")
		if res.Committed || len(res.Problems) != 1 || res.Problems[0].Row != 3 {
			problems(t, res)
			t.Errorf("import as sam: %+v", res)
		}
		_ = sue
		if fx.count("crm.lead", leaf("name", "in", []any{"Mine", "For Sue"})) != 0 {
			t.Error("written although a row failed")
		}
	})
}

// Updating by e-mail and by name; duplicate keys in the file update the
// record the earlier row created; an explicit map overrides the labels.
func TestUpdateByKeys(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		old := fx.create("crm.lead", orm.Values{"name": "Old", "email_from": "Ana <ana@example.com>", "phone": "1"})
		csv := "Title,E-mail address,Phone\nRenamed,ANA@example.com,2\nNew one,bob@example.com,3\nNew one again,bob@example.com,4\n"
		res, err := fx.importBytes(adminUID, "u.csv", []byte(csv), imex.Options{Model: "crm.lead", UpdateBy: "email",
			Map: map[string]string{"title": "name", "E-mail address": "email_from"}})
		testutil.Must(t, err, "import")
		problems(t, res)
		if !res.Committed || res.Created != 1 || res.Updated != 2 {
			t.Fatalf("result: %+v", res)
		}
		recs := fx.read("crm.lead", orm.And{}, "name", "phone")
		if len(recs) != 2 || recs[0]["id"] != old || recs[0]["name"] != "Renamed" || recs[0]["phone"] != "2" || recs[1]["name"] != "New one again" || recs[1]["phone"] != "4" {
			t.Errorf("leads: %v", recs)
		}
		// by name, with a column ignored by the map
		res, err = fx.importBytes(adminUID, "n.csv", []byte("name,phone\nRenamed,9\n"), imex.Options{Model: "crm.lead", UpdateBy: "name", Map: map[string]string{"phone": ""}})
		testutil.Must(t, err, "import")
		if res.Unchanged != 1 || len(res.Ignored) != 1 || res.Mapping["phone"] != "" {
			t.Errorf("by name: %+v", res)
		}
		// empty cells keep the stored values unless asked to clear them
		res, err = fx.importBytes(adminUID, "c.csv", []byte("name,phone\nRenamed,\n"), imex.Options{Model: "crm.lead", UpdateBy: "name"})
		testutil.Must(t, err, "import")
		if res.Unchanged != 1 {
			t.Errorf("empty cell: %+v", res)
		}
		res, err = fx.importBytes(adminUID, "c.csv", []byte("name,phone\nRenamed,\n"), imex.Options{Model: "crm.lead", UpdateBy: "name", ClearEmpty: true})
		testutil.Must(t, err, "import")
		if res.Updated != 1 || fx.read("crm.lead", leaf("id", "=", old), "phone")[0]["phone"] != nil {
			t.Errorf("clear empty: %+v", res)
		}
		// a row naming the parent an earlier row of the same batch creates
		res, err = fx.importBytes(adminUID, "p.csv", []byte("name,parent_id,is_company\nParent Co,,yes\nChild,Parent Co,no\n"), imex.Options{Model: "res.partner"})
		testutil.Must(t, err, "import")
		problems(t, res)
		if kid := fx.read("res.partner", leaf("name", "=", "Child"), "parent_id", "complete_name"); len(kid) != 1 || kid[0]["complete_name"] != "Parent Co, Child" {
			t.Errorf("child: %v", kid)
		}
		// mapping errors stop the import
		for _, o := range []imex.Options{
			{Model: "crm.lead", UpdateBy: "email"},
			{Model: "crm.lead", Map: map[string]string{"name": "nope"}},
			{Model: "crm.lead", Map: map[string]string{"missing column": "name"}},
			{Model: "crm.lead", Preset: "hubspot-contacts"},
			{Model: "crm.lead", Preset: "nope"},
			{Model: "nope"},
		} {
			if _, err := fx.importBytes(adminUID, "n.csv", []byte("name,phone\nX,1\n"), o); err == nil {
				t.Errorf("%+v: no error", o)
			}
		}
		if len(imex.Presets()) < 8 {
			t.Errorf("presets: %v", imex.Presets())
		}
	})
}
