package base

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kanso-crm/kanso/internal/orm"
)

func registerSecurity(r *orm.Registry) {
	r.Define(&orm.Model{Name: "res.groups", Description: "Access Groups", Order: "category, name, id",
		DisplayFields: []string{"name", "category"},
		DisplayName: func(env *orm.Env, recs []orm.Values) []string {
			out := make([]string, len(recs))
			for i, r := range recs {
				n, _ := r["name"].(string)
				if c, _ := r["category"].(string); c != "" {
					n = c + " / " + n
				}
				out[i] = n
			}
			return out
		}},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true, Translate: true},
		&orm.Field{Name: "category", Type: orm.Char, String: "Application"},
		&orm.Field{Name: "comment", Type: orm.Text, String: "Comment"},
		&orm.Field{Name: "user_ids", Type: orm.Many2many, Relation: "res.users", String: "Users",
			RelTable: "res_groups_users_rel", Column1: "gid", Column2: "uid"},
		&orm.Field{Name: "implied_ids", Type: orm.Many2many, Relation: "res.groups", String: "Inherits",
			RelTable: "res_groups_implied_rel", Column1: "gid", Column2: "hid"},
	)
	r.Define(&orm.Model{Name: "ir.model.access", Description: "Model Access", Order: "model, group_id, name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true},
		&orm.Field{Name: "model", Type: orm.Char, String: "Model", Required: true, Index: true},
		&orm.Field{Name: "group_id", Type: orm.Many2one, Relation: "res.groups", String: "Group", OnDelete: "cascade"},
		&orm.Field{Name: "perm_read", Type: orm.Boolean, String: "Read Access"},
		&orm.Field{Name: "perm_write", Type: orm.Boolean, String: "Write Access"},
		&orm.Field{Name: "perm_create", Type: orm.Boolean, String: "Create Access"},
		&orm.Field{Name: "perm_unlink", Type: orm.Boolean, String: "Delete Access"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	rule := r.Define(&orm.Model{Name: "ir.rule", Description: "Record Rule", Order: "model, name, id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Name", Required: true},
		&orm.Field{Name: "model", Type: orm.Char, String: "Model", Required: true, Index: true},
		&orm.Field{Name: "domain_force", Type: orm.Text, String: "Domain",
			Help:    `A domain as JSON; "$uid", "$partner_id", "$company_id" and "$company_ids" stand for the user's values.`,
			Default: func(*orm.Env) any { return "[]" }},
		&orm.Field{Name: "group_ids", Type: orm.Many2many, Relation: "res.groups", String: "Groups",
			RelTable: "rule_group_rel", Column1: "rule_group_id", Column2: "group_id"},
		&orm.Field{Name: "perm_read", Type: orm.Boolean, String: "Read", Default: func(*orm.Env) any { return true }},
		&orm.Field{Name: "perm_write", Type: orm.Boolean, String: "Write", Default: func(*orm.Env) any { return true }},
		&orm.Field{Name: "perm_create", Type: orm.Boolean, String: "Create", Default: func(*orm.Env) any { return true }},
		&orm.Field{Name: "perm_unlink", Type: orm.Boolean, String: "Delete", Default: func(*orm.Env) any { return true }},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	// A rule must name a model and a domain that works on it: a broken
	// rule would lock its users out of the model.
	check := func(env *orm.Env, rec orm.Values) error {
		model, _ := rec["model"].(string)
		m := env.Reg.Model(model)
		if m == nil {
			return orm.ValidationErrorf("Unknown model %q for a record rule", model)
		}
		src, _ := rec["domain_force"].(string)
		if src == "" {
			src = "[]"
		}
		var v any
		if err := json.Unmarshal([]byte(src), &v); err != nil {
			return orm.ValidationErrorf("The rule's domain is not valid JSON: %s", err)
		}
		d, err := env.ParseRuleDomain(src, &orm.UserInfo{ID: 1, PartnerID: 1, CompanyID: 1})
		if err != nil {
			return orm.ValidationErrorf("The rule's domain is not valid: %s", err)
		}
		if _, err := env.Sudo().SearchCount(m, d, 1); err != nil {
			return orm.ValidationErrorf("The rule's domain does not work on %s: %s", model, err)
		}
		return nil
	}
	rule.Hooks = append(rule.Hooks, orm.Hooks{BeforeCreate: check,
		BeforeWriteRecord: func(env *orm.Env, old, rec, vals orm.Values) error { return check(env, rec) }})

	keys := r.Define(&orm.Model{Name: "res.users.apikeys", Description: "Users API Keys", Order: "id"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Description", Required: true, Readonly: true},
		&orm.Field{Name: "user_id", Type: orm.Many2one, Relation: "res.users", String: "User", Required: true, Readonly: true},
		&orm.Field{Name: "scope", Type: orm.Char, String: "Scope", Readonly: true},
		&orm.Field{Name: "expiration_date", Type: orm.Datetime, String: "Expiration Date", Readonly: true},
	)
	keys.AddMethod(&orm.Method{Name: "generate", Model: true, Params: []string{"key", "scope", "name", "expiration_date"},
		Doc: "Create an API key for the calling user and return it; it is shown only once.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			name, err := c.String("name", "")
			if err != nil {
				return nil, err
			}
			scope, err := c.String("scope", "rpc")
			if err != nil {
				return nil, err
			}
			exp, err := c.String("expiration_date", "")
			if err != nil {
				return nil, err
			}
			var expires *time.Time
			if exp != "" {
				t, err := orm.ParseDatetime(exp)
				if err != nil {
					return nil, orm.ValidationErrorf("expiration_date: %s", err)
				}
				expires = &t
			}
			var n int64
			if err := env.QueryRow("SELECT count(*) FROM res_users_apikeys WHERE user_id = ?", env.UID).Scan(&n); err != nil {
				return nil, fmt.Errorf("base: count api keys: %w", err)
			}
			if n >= MaxAPIKeys {
				return nil, orm.UserErrorf("Limit of %d API keys reached; revoke one first.", MaxAPIKeys)
			}
			return GenerateAPIKey(env, env.UID, name, scope, expires)
		}})
	keys.AddMethod(&orm.Method{Name: "revoke", Model: true, Params: []string{"key"},
		Doc: "Revoke one of the calling user's API keys, given in clear.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			k, err := c.String("key", "")
			if err != nil {
				return nil, err
			}
			return true, RevokeAPIKey(env, k)
		}})
	// keys are created by generate only
	keys.AddMethod(&orm.Method{Name: "create", Model: true, Params: []string{"vals_list"},
		Doc: "Not available: use generate.", Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			return nil, orm.UserErrorf("API keys are created with generate, which returns the key once.")
		}})
	keys.AddMethod(&orm.Method{Name: "write", Params: []string{"vals"},
		Doc: "Not available: keys cannot be changed.", Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			return nil, orm.UserErrorf("API keys cannot be changed; revoke the key and generate a new one.")
		}})
	keys.AddMethod(&orm.Method{Name: "copy", Params: []string{"default"},
		Doc: "Not available.", Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			return nil, orm.UserErrorf("API keys cannot be copied.")
		}})
}

// MaxAPIKeys is how many keys one user may hold.
const MaxAPIKeys = 10
