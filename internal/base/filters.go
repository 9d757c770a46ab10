package base

import (
	"encoding/json"

	"github.com/kanso-crm/kanso/internal/orm"
)

func registerFilters(r *orm.Registry) {
	m := r.Define(&orm.Model{Name: "ir.filters", Description: "Filters", Order: "model_id, name, id desc"},
		&orm.Field{Name: "name", Type: orm.Char, String: "Filter Name", Required: true, Translate: true},
		&orm.Field{Name: "user_ids", Type: orm.Many2many, Relation: "res.users", String: "Users",
			RelTable: "ir_filters_res_users_rel", Column1: "filter_id", Column2: "user_id",
			Help: "The users the filter is private to; empty shares it with everyone."},
		&orm.Field{Name: "domain", Type: orm.Text, String: "Domain", Required: true, Default: func(*orm.Env) any { return "[]" }},
		&orm.Field{Name: "context", Type: orm.Text, String: "Context", Required: true, Default: func(*orm.Env) any { return "{}" }},
		&orm.Field{Name: "sort", Type: orm.Char, String: "Sort", Required: true, Default: func(*orm.Env) any { return "[]" }},
		&orm.Field{Name: "model_id", Type: orm.Char, String: "Model", Required: true},
		&orm.Field{Name: "is_default", Type: orm.Boolean, String: "Default Filter"},
		&orm.Field{Name: "active", Type: orm.Boolean, String: "Active", Default: func(*orm.Env) any { return true }},
	)
	validate := func(env *orm.Env, vals orm.Values) error {
		if s, ok := vals["domain"].(string); ok {
			var v any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				return orm.ValidationErrorf("The filter's domain is not valid JSON: %s", err)
			}
			d, err := orm.ParseDomain(orm.Normalize(v))
			if err != nil {
				return err
			}
			_ = d
		}
		if s, ok := vals["model_id"].(string); ok && env.Reg.Model(s) == nil {
			return orm.ValidationErrorf("Unknown model %q for a filter", s)
		}
		return nil
	}
	m.Hooks = append(m.Hooks, orm.Hooks{
		BeforeCreate: validate,
		BeforeWrite:  func(env *orm.Env, old []orm.Values, vals orm.Values) error { return validate(env, vals) },
	})
	m.AddMethod(&orm.Method{Name: "get_filters", Model: true, ReadOnly: true,
		Params: []string{"model", "action_id", "embedded_action_id", "embedded_parent_res_id"},
		Doc:    "The saved filters of a model visible to the calling user (own and shared).",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			model, err := c.String("model", "")
			if err != nil {
				return nil, err
			}
			d := orm.And{orm.Leaf{Path: "model_id", Op: "=", Value: model},
				orm.Or{orm.Leaf{Path: "user_ids", Op: "in", Value: []any{env.UID}}, orm.Leaf{Path: "user_ids", Op: "=", Value: false}}}
			return env.SearchRead(c.Model, d, []string{"name", "is_default", "domain", "context", "user_ids", "sort"}, orm.SearchOpts{}, true)
		}})
	m.AddMethod(&orm.Method{Name: "create_filter", Model: true, Params: []string{"vals"},
		Doc: "Save a filter; a default filter replaces the user's previous default for the model.",
		Fn: func(env *orm.Env, c *orm.Call) (any, error) {
			vals, err := c.Vals("vals")
			if err != nil {
				return nil, err
			}
			return CreateFilter(env, vals)
		}})
}

// CreateFilter saves a filter, replacing a same-named one of the same
// owners, and keeps a single default per model and owner.
func CreateFilter(env *orm.Env, vals orm.Values) (int64, error) {
	m := env.Reg.Model("ir.filters")
	model, _ := vals["model_id"].(string)
	name, _ := vals["name"].(string)
	if _, ok := vals["user_ids"]; !ok {
		vals["user_ids"] = []any{env.UID}
	}
	shared := false
	if l, ok := vals["user_ids"].([]any); ok && len(l) == 0 || vals["user_ids"] == false {
		shared = true
	}
	owner := orm.Domain(orm.Leaf{Path: "user_ids", Op: "in", Value: []any{env.UID}})
	if shared {
		owner = orm.Leaf{Path: "user_ids", Op: "=", Value: false}
	}
	if def, _ := vals["is_default"].(bool); def {
		prev, err := env.Search(m, orm.And{orm.Leaf{Path: "model_id", Op: "=", Value: model}, owner,
			orm.Leaf{Path: "is_default", Op: "=", Value: true}}, orm.SearchOpts{})
		if err != nil {
			return 0, err
		}
		if err := env.Write(m, prev, orm.Values{"is_default": false}); err != nil {
			return 0, err
		}
	}
	same, err := env.Search(m, orm.And{orm.Leaf{Path: "model_id", Op: "=", Value: model}, owner,
		orm.Leaf{Path: "name", Op: "=ilike", Value: name}}, orm.SearchOpts{Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(same) == 1 {
		delete(vals, "user_ids")
		return same[0], env.Write(m, same, vals)
	}
	ids, err := env.Create(m, []orm.Values{vals})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}
