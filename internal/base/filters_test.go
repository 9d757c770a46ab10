package base_test

import (
	"testing"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// Saved searches: private to their owner or shared with everyone, one
// default per model and owner.
func TestSavedFilters(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		s := apptest.Start(t, b)
		s.CreateUser(t, "ann", "ann-password", base.GroupSaleSalesman)
		s.CreateUser(t, "ben", "ben-password", base.GroupSaleSalesman)
		ann, ben := s.Client(t, "ann"), s.Client(t, "ben")
		mine := ann.Must("ir.filters", "create_filter", map[string]any{"vals": map[string]any{"name": "My hot deals", "model_id": "crm.lead",
			"domain": `[["priority", "=", "3"]]`, "is_default": true}}).(int64)
		shared := ann.Must("ir.filters", "create_filter", map[string]any{"vals": map[string]any{"name": "Romania", "model_id": "crm.lead",
			"domain": `[["country_id.code", "=", "RO"]]`, "user_ids": []any{}}}).(int64)
		names := func(c *apptest.Client) map[string]bool {
			out := map[string]bool{}
			for _, f := range c.Must("ir.filters", "get_filters", map[string]any{"model": "crm.lead"}).([]any) {
				out[f.(map[string]any)["name"].(string)] = true
			}
			return out
		}
		if got := names(ann); !got["My hot deals"] || !got["Romania"] {
			t.Errorf("ann's filters: %v", got)
		}
		if got := names(ben); got["My hot deals"] || !got["Romania"] {
			t.Errorf("ben sees %v; want the shared filter only", got)
		}
		if st, _ := ben.Call("ir.filters", "unlink", map[string]any{"ids": []any{mine}}); st != 403 {
			t.Errorf("ben deleting ann's filter: %d", st)
		}
		// a new default replaces the previous one; the same name updates
		second := ann.Must("ir.filters", "create_filter", map[string]any{"vals": map[string]any{"name": "Big ones", "model_id": "crm.lead",
			"domain": `[["expected_revenue", ">", 10000]]`, "is_default": true}}).(int64)
		if ann.Read("ir.filters", mine, "is_default")["is_default"] != false || ann.Read("ir.filters", second, "is_default")["is_default"] != true {
			t.Error("two default filters")
		}
		again := ann.Must("ir.filters", "create_filter", map[string]any{"vals": map[string]any{"name": "big ONES", "model_id": "crm.lead",
			"domain": `[["expected_revenue", ">", 20000]]`}}).(int64)
		if again != second {
			t.Errorf("saving under the same name created %d instead of updating %d", again, second)
		}
		for _, bad := range []map[string]any{
			{"name": "x", "model_id": "crm.lead", "domain": `[["priority", "="`},
			{"name": "x", "model_id": "no.such.model", "domain": `[]`},
		} {
			if st, _ := ann.Call("ir.filters", "create_filter", map[string]any{"vals": bad}); st != 422 {
				t.Errorf("filter %v: %d; want a validation error", bad, st)
			}
		}
		_ = shared
	})
}
