package orm

import (
	"fmt"
	"sort"
	"strings"
)

// Arg accessors: each reads one named argument with Odoo's defaults and
// reports a wrong type clearly.

func (c *Call) has(name string) bool {
	v, ok := c.Args[name]
	return ok && v != nil
}

// Domain reads a domain argument.
func (c *Call) Domain(name string) (Domain, error) { return ParseDomain(c.Args[name]) }

// Int reads an integer argument; false/null give def.
func (c *Call) Int(name string, def int64) (int64, error) {
	v, ok := c.Args[name]
	if !ok || v == nil || v == false {
		return def, nil
	}
	n, ok := asInt(v)
	if !ok {
		return 0, ValidationErrorf("Argument %q must be an integer, got %s", name, describe(v))
	}
	return n, nil
}

// String reads a string argument; false/null give def.
func (c *Call) String(name, def string) (string, error) {
	v, ok := c.Args[name]
	if !ok || v == nil || v == false {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", ValidationErrorf("Argument %q must be a string, got %s", name, describe(v))
	}
	return s, nil
}

// Bool reads a boolean argument.
func (c *Call) Bool(name string, def bool) (bool, error) {
	v, ok := c.Args[name]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, ValidationErrorf("Argument %q must be a boolean, got %s", name, describe(v))
	}
	return b, nil
}

// Strings reads a list of strings (a single string is a list of one).
func (c *Call) Strings(name string) ([]string, error) {
	v, ok := c.Args[name]
	if !ok || v == nil || v == false {
		return nil, nil
	}
	if s, ok := v.(string); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, ValidationErrorf("Argument %q must be a list of strings, got %s", name, describe(v))
	}
	out := make([]string, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, ValidationErrorf("Argument %q must be a list of strings, item %d is %s", name, i, describe(x))
		}
		out[i] = s
	}
	return out, nil
}

// Vals reads a values object.
func (c *Call) Vals(name string) (Values, error) {
	v, ok := c.Args[name]
	if !ok || v == nil {
		return Values{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ValidationErrorf("Argument %q must be an object of field values, got %s", name, describe(v))
	}
	return Values(m), nil
}

// IDs reads a list of record ids.
func IDs(v any) ([]int64, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		if !x {
			return nil, nil
		}
	case []any:
		out := make([]int64, 0, len(x))
		for _, e := range x {
			n, ok := asInt(e)
			if !ok || n <= 0 {
				return nil, ValidationErrorf("Invalid record id %s", describe(e))
			}
			out = append(out, n)
		}
		return out, nil
	case []int64:
		return x, nil
	default:
		if n, ok := asInt(v); ok && n > 0 {
			return []int64{n}, nil
		}
	}
	return nil, ValidationErrorf("Invalid record ids %s", describe(v))
}

func addGenericMethods(m *Model) {
	for _, meth := range []*Method{
		{Name: "search", Model: true, ReadOnly: true, Params: []string{"domain", "offset", "limit", "order"}, Fn: methSearch,
			Doc: "Ids of the records matching the domain."},
		{Name: "search_count", Model: true, ReadOnly: true, Params: []string{"domain", "limit"}, Fn: methSearchCount,
			Doc: "Number of records matching the domain."},
		{Name: "search_read", Model: true, ReadOnly: true, Params: []string{"domain", "fields", "offset", "limit", "order", "load"}, Fn: methSearchRead,
			Doc: "Search, then read the given fields of the records found."},
		{Name: "read", ReadOnly: true, Params: []string{"fields", "load"}, Fn: methRead,
			Doc: "Field values of the records; many2one as [id, name] unless load is null."},
		{Name: "create", Model: true, Params: []string{"vals_list"}, Fn: methCreate,
			Doc: "Create one record (an object: returns its id) or several (a list: returns the ids)."},
		{Name: "write", Params: []string{"vals"}, Fn: methWrite,
			Doc: "Update the records; with write_date as read, a concurrent change is a conflict."},
		{Name: "unlink", Params: nil, Fn: methUnlink, Doc: "Delete the records."},
		{Name: "copy", Params: []string{"default"}, Fn: methCopy, Doc: "Duplicate the record; returns the new id."},
		{Name: "name_search", Model: true, ReadOnly: true, Params: []string{"name", "domain", "operator", "limit"}, Fn: methNameSearch,
			Doc: "[[id, display_name], ...] of the records whose name matches."},
		{Name: "fields_get", Model: true, ReadOnly: true, Params: []string{"allfields", "attributes"}, Fn: methFieldsGet,
			Doc: "Description of every field."},
		{Name: "default_get", Model: true, ReadOnly: true, Params: []string{"fields_list"}, Fn: methDefaultGet,
			Doc: "Default values of the given fields."},
		{Name: "read_group", Model: true, ReadOnly: true, Params: []string{"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"}, Fn: methReadGroup,
			Doc: "Groups with counts and aggregates (Odoo 18 and earlier form)."},
		{Name: "formatted_read_group", Model: true, ReadOnly: true, Params: []string{"domain", "groupby", "aggregates", "having", "offset", "limit", "order"}, Fn: methFormattedReadGroup,
			Doc: "Groups with counts and aggregates (Odoo 19 form)."},
	} {
		m.AddMethod(meth)
	}
	if m.HasActive() {
		m.AddMethod(&Method{Name: "action_archive", Fn: func(env *Env, c *Call) (any, error) {
			return true, env.Write(c.Model, c.IDs, Values{"active": false})
		}, Doc: "Archive the records."})
		m.AddMethod(&Method{Name: "action_unarchive", Fn: func(env *Env, c *Call) (any, error) {
			return true, env.WithContext(map[string]any{"active_test": false}).Write(c.Model, c.IDs, Values{"active": true})
		}, Doc: "Restore archived records."})
	}
}

func searchArgs(c *Call) (Domain, SearchOpts, error) {
	d, err := c.Domain("domain")
	if err != nil {
		return nil, SearchOpts{}, err
	}
	var o SearchOpts
	if o.Offset, err = c.Int("offset", 0); err != nil {
		return nil, o, err
	}
	if o.Limit, err = c.Int("limit", 0); err != nil {
		return nil, o, err
	}
	if o.Order, err = c.String("order", ""); err != nil {
		return nil, o, err
	}
	if o.Offset < 0 || o.Limit < 0 {
		return nil, o, ValidationErrorf("offset and limit must not be negative")
	}
	return d, o, nil
}

func methSearch(env *Env, c *Call) (any, error) {
	d, o, err := searchArgs(c)
	if err != nil {
		return nil, err
	}
	ids, err := env.Search(c.Model, d, o)
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

func methSearchCount(env *Env, c *Call) (any, error) {
	d, err := c.Domain("domain")
	if err != nil {
		return nil, err
	}
	limit, err := c.Int("limit", 0)
	if err != nil {
		return nil, err
	}
	return env.SearchCount(c.Model, d, limit)
}

func loadArg(c *Call) bool {
	v, ok := c.Args["load"]
	if !ok {
		return true
	}
	s, isStr := v.(string)
	return isStr && s == "_classic_read"
}

func methSearchRead(env *Env, c *Call) (any, error) {
	d, o, err := searchArgs(c)
	if err != nil {
		return nil, err
	}
	fields, err := c.Strings("fields")
	if err != nil {
		return nil, err
	}
	return env.SearchRead(c.Model, d, fields, o, loadArg(c))
}

// SearchRead searches and reads in one go (read rights checked once).
func (env *Env) SearchRead(m *Model, d Domain, fields []string, o SearchOpts, load bool) ([]map[string]any, error) {
	ids, err := env.Search(m, d, o)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		fields = env.readableFields(m)
	}
	for _, n := range fields {
		f := m.Field(n)
		if f == nil {
			return nil, ValidationErrorf("Invalid field %q on model %q", n, m.Name)
		}
		if err := env.checkFieldGroups(f); err != nil {
			return nil, err
		}
	}
	out, err := env.readExport(m, ids, fields, load)
	if out == nil {
		out = []map[string]any{}
	}
	return out, err
}

func methRead(env *Env, c *Call) (any, error) {
	fields, err := c.Strings("fields")
	if err != nil {
		return nil, err
	}
	out, err := env.Read(c.Model, c.IDs, fields, loadArg(c))
	if out == nil && err == nil {
		out = []map[string]any{}
	}
	return out, err
}

func methCreate(env *Env, c *Call) (any, error) {
	v := c.Args["vals_list"]
	switch x := v.(type) {
	case map[string]any:
		ids, err := env.Create(c.Model, []Values{x})
		if err != nil {
			return nil, err
		}
		return ids[0], nil
	case []any:
		list := make([]Values, len(x))
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, ValidationErrorf("create: item %d of vals_list is %s, expected an object", i, describe(e))
			}
			list[i] = m
		}
		ids, err := env.Create(c.Model, list)
		if ids == nil {
			ids = []int64{}
		}
		return ids, err
	}
	return nil, ValidationErrorf("create: vals_list must be an object or a list of objects, got %s", describe(v))
}

func methWrite(env *Env, c *Call) (any, error) {
	vals, err := c.Vals("vals")
	if err != nil {
		return nil, err
	}
	return true, env.Write(c.Model, c.IDs, vals)
}

func methUnlink(env *Env, c *Call) (any, error) { return true, env.Unlink(c.Model, c.IDs) }

func methCopy(env *Env, c *Call) (any, error) {
	if len(c.IDs) != 1 {
		return nil, ValidationErrorf("copy works on one record, got %d", len(c.IDs))
	}
	def, err := c.Vals("default")
	if err != nil {
		return nil, err
	}
	return env.Copy(c.Model, c.IDs[0], def)
}

func methNameSearch(env *Env, c *Call) (any, error) {
	name, err := c.String("name", "")
	if err != nil {
		return nil, err
	}
	if !c.has("domain") && c.has("args") {
		c.Args["domain"] = c.Args["args"]
	}
	d, err := c.Domain("domain")
	if err != nil {
		return nil, err
	}
	op, err := c.String("operator", "ilike")
	if err != nil {
		return nil, err
	}
	limit, err := c.Int("limit", 100)
	if err != nil {
		return nil, err
	}
	return env.NameSearch(c.Model, name, d, op, limit)
}

// NameSearch returns [[id, display_name], ...] of records whose name
// matches.
func (env *Env) NameSearch(m *Model, name string, d Domain, op string, limit int64) ([]any, error) {
	full := d
	if name != "" || (op != "ilike" && op != "like") {
		full = And{d, Leaf{Path: "display_name", Op: op, Value: name}}
	}
	ids, err := env.Search(m, full, SearchOpts{Limit: limit})
	if err != nil {
		return nil, err
	}
	names, err := env.DisplayNames(m, ids)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = []any{id, names[id]}
	}
	return out, nil
}

func methFieldsGet(env *Env, c *Call) (any, error) {
	all, err := c.Strings("allfields")
	if err != nil {
		return nil, err
	}
	attrs, err := c.Strings("attributes")
	if err != nil {
		return nil, err
	}
	return env.FieldsGet(c.Model, all, attrs), nil
}

// FieldsGet describes the fields the user may see.
func (env *Env) FieldsGet(m *Model, only, attrs []string) map[string]any {
	want := map[string]bool{}
	for _, n := range only {
		want[n] = true
	}
	out := map[string]any{}
	for _, f := range m.Fields() {
		if len(want) > 0 && !want[f.Name] {
			continue
		}
		if !env.fieldAllowed(f) {
			continue
		}
		d := FieldDescription(f)
		if len(attrs) > 0 {
			keep := map[string]any{}
			for _, a := range attrs {
				if v, ok := d[a]; ok {
					keep[a] = v
				}
			}
			d = keep
		}
		out[f.Name] = d
	}
	return out
}

// FieldDescription is fields_get's description of one field.
func FieldDescription(f *Field) map[string]any {
	d := map[string]any{
		"type": string(f.Type), "string": f.String, "help": f.Help, "required": f.Required,
		"readonly": f.Readonly || (f.Compute != nil && f.Stored() && f.Name != "") && f.Readonly,
		"store":    f.Stored(), "sortable": f.Stored() && !f.IsX2Many(), "searchable": f.Stored() || f.IsX2Many() || f.Name == "display_name",
		"groupable": f.Stored() && f.Type != Binary && f.Type != Text && f.Type != HTML || f.Type == Many2many,
		"name":      f.Name, "tracking": f.Tracking, "translate": f.Translate,
	}
	if f.Help == "" {
		d["help"] = false
	}
	if f.IsRelational() {
		d["relation"] = f.Relation
	}
	if f.Type == One2many {
		d["relation_field"] = f.InverseName
	}
	if f.Type == Selection {
		sel := make([]any, len(f.Selection))
		for i, s := range f.Selection {
			sel[i] = []any{s[0], s[1]}
		}
		d["selection"] = sel
	}
	if f.Numeric() && f.Aggregator != "" {
		d["aggregator"] = f.Aggregator
	}
	if f.Related != "" {
		d["related"] = f.Related
	}
	if len(f.Depends) > 0 {
		d["depends"] = f.Depends
	}
	if f.Currency != "" {
		d["currency_field"] = f.Currency
	}
	return d
}

func methDefaultGet(env *Env, c *Call) (any, error) {
	names, err := c.Strings("fields_list")
	if err != nil {
		return nil, err
	}
	return env.DefaultGet(c.Model, names)
}

// DefaultGet returns default values in the API's format.
func (env *Env) DefaultGet(m *Model, names []string) (map[string]any, error) {
	out := map[string]any{}
	for _, n := range names {
		f := m.Field(n)
		if f == nil {
			return nil, ValidationErrorf("Invalid field %q on model %q", n, m.Name)
		}
		var v any
		if dv, ok := env.Context["default_"+n]; ok {
			v = dv
		} else if f.Default != nil {
			v = f.Default(env)
		} else {
			continue
		}
		c, err := f.Convert(v)
		if err != nil || c == nil {
			continue
		}
		out[n] = f.Export(c, nil, false)
	}
	return out, nil
}

func groupArgs(c *Call, m *Model, groupKey string) ([]GroupBy, error) {
	specs, err := c.Strings(groupKey)
	if err != nil {
		return nil, err
	}
	var gbs []GroupBy
	for _, s := range specs {
		g, err := parseGroupBy(m, s)
		if err != nil {
			return nil, err
		}
		gbs = append(gbs, g)
	}
	return gbs, nil
}

func methReadGroup(env *Env, c *Call) (any, error) {
	m := c.Model
	d, err := c.Domain("domain")
	if err != nil {
		return nil, err
	}
	gbs, err := groupArgs(c, m, "groupby")
	if err != nil {
		return nil, err
	}
	if len(gbs) == 0 {
		return nil, ValidationErrorf("read_group needs at least one groupby")
	}
	lazy, err := c.Bool("lazy", true)
	if err != nil {
		return nil, err
	}
	grouped := gbs
	if lazy {
		grouped = gbs[:1]
	}
	fieldSpecs, err := c.Strings("fields")
	if err != nil {
		return nil, err
	}
	var aggs []Aggregate
	seen := map[string]bool{}
	for _, s := range fieldSpecs {
		name, _, _ := strings.Cut(s, ":")
		if name == "__count" || seen[name] {
			continue
		}
		isGroup := false
		for _, g := range gbs {
			if g.Field.Name == name {
				isGroup = true
			}
		}
		f := m.Field(name)
		if f == nil {
			return nil, ValidationErrorf("Invalid field %q on model %q", name, m.Name)
		}
		if isGroup || (!strings.Contains(s, ":") && f.Aggregator == "") || !f.Stored() {
			continue
		}
		a, err := parseAggregate(m, s)
		if err != nil {
			return nil, err
		}
		// the legacy form keys results by field (or alias) name
		if strings.Contains(s, "(") {
			a.Spec, _, _ = strings.Cut(s, ":")
		} else {
			a.Spec = name
		}
		seen[name] = true
		aggs = append(aggs, a)
	}
	offset, err := c.Int("offset", 0)
	if err != nil {
		return nil, err
	}
	limit, err := c.Int("limit", 0)
	if err != nil {
		return nil, err
	}
	orderby, err := c.String("orderby", "")
	if err != nil {
		return nil, err
	}
	groups, err := env.ReadGroup(m, d, grouped, aggs, offset, limit, orderby)
	if err != nil {
		return nil, err
	}
	names, err := env.groupNames(grouped, groups)
	if err != nil {
		return nil, err
	}
	countKey := "__count"
	if lazy {
		countKey = grouped[0].Field.Name + "_count"
	}
	out := make([]any, 0, len(groups))
	for _, g := range groups {
		row := map[string]any{countKey: g.Count}
		var conds And
		if !IsTrue(d) {
			conds = append(conds, d)
		}
		ranges := map[string]any{}
		for i, gb := range grouped {
			key := gb.Spec
			row[key] = groupValue(gb, g.Keys[i], names[i], false)
			conds = append(conds, GroupDomain(gb, g.Keys[i]))
			if gb.Gran != "" && g.Keys[i] != nil {
				b := g.Keys[i].(string)
				from, to := b, BucketEnd(b, gb.Gran)
				if gb.Field.Type == Datetime {
					from += " 00:00:00"
					to += " 00:00:00"
				}
				ranges[key] = map[string]any{"from": from, "to": to}
			}
		}
		for _, a := range aggs {
			row[a.Spec] = exportAgg(a, g.Aggs[a.Spec])
		}
		row["__domain"] = DomainToList(flatten(conds))
		if len(ranges) > 0 {
			row["__range"] = ranges
		}
		if lazy && len(gbs) > 1 {
			rest := make([]any, 0, len(gbs)-1)
			for _, g := range gbs[1:] {
				rest = append(rest, g.Spec)
			}
			row["__context"] = map[string]any{"group_by": rest}
		}
		out = append(out, row)
	}
	return out, nil
}

func flatten(a And) Domain {
	if len(a) == 1 {
		return a[0]
	}
	return a
}

func exportAgg(a Aggregate, v any) any {
	if v == nil {
		if a.Field != nil && (a.Func == "sum" || a.Func == "avg" || a.Func == "min" || a.Func == "max") {
			if a.Field.Type == Integer {
				return int64(0)
			}
			return 0.0
		}
		return false
	}
	return v
}

// groupNames fetches display names of many2one/many2many group keys,
// one query per grouping.
func (env *Env) groupNames(gbs []GroupBy, groups []Group) ([]map[int64]string, error) {
	out := make([]map[int64]string, len(gbs))
	for i, gb := range gbs {
		if gb.Field.Type != Many2one && gb.Field.Type != Many2many {
			continue
		}
		var ids []int64
		for _, g := range groups {
			if id, ok := g.Keys[i].(int64); ok {
				ids = append(ids, id)
			}
		}
		n, err := env.DisplayNames(env.Reg.Model(gb.Field.Relation), uniqueIDs(ids))
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// groupValue renders a group key: many2one as [id, name], dates as their
// label (or [start, label] in the v19 form), unset as false.
func groupValue(gb GroupBy, key any, names map[int64]string, v19 bool) any {
	if key == nil {
		return false
	}
	switch {
	case gb.Field.Type == Many2one || gb.Field.Type == Many2many:
		id := key.(int64)
		return []any{id, names[id]}
	case gb.Gran != "":
		label := DateLabel(key.(string), gb.Gran)
		if v19 {
			return []any{key, label}
		}
		return label
	}
	return gb.Field.Export(key, nil, false)
}

func methFormattedReadGroup(env *Env, c *Call) (any, error) {
	m := c.Model
	d, err := c.Domain("domain")
	if err != nil {
		return nil, err
	}
	gbs, err := groupArgs(c, m, "groupby")
	if err != nil {
		return nil, err
	}
	aggSpecs, err := c.Strings("aggregates")
	if err != nil {
		return nil, err
	}
	if h, ok := c.Args["having"]; ok && h != nil && h != false {
		if l, ok := h.([]any); !ok || len(l) > 0 {
			return nil, ValidationErrorf("formatted_read_group: having is not supported yet")
		}
	}
	var aggs []Aggregate
	for _, s := range aggSpecs {
		a, err := parseAggregate(m, s)
		if err != nil {
			return nil, err
		}
		aggs = append(aggs, a)
	}
	offset, err := c.Int("offset", 0)
	if err != nil {
		return nil, err
	}
	limit, err := c.Int("limit", 0)
	if err != nil {
		return nil, err
	}
	order, err := c.String("order", "")
	if err != nil {
		return nil, err
	}
	groups, err := env.ReadGroup(m, d, gbs, aggs, offset, limit, order)
	if err != nil {
		return nil, err
	}
	names, err := env.groupNames(gbs, groups)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(groups))
	for _, g := range groups {
		row := map[string]any{}
		var conds And
		for i, gb := range gbs {
			row[gb.Spec] = groupValue(gb, g.Keys[i], names[i], true)
			conds = append(conds, GroupDomain(gb, g.Keys[i]))
		}
		for _, a := range aggs {
			row[a.Spec] = exportAgg(a, g.Aggs[a.Spec])
		}
		row["__extra_domain"] = DomainToList(flatten(conds))
		out = append(out, row)
	}
	return out, nil
}

// CallMethod runs a public method by name with named arguments.
func (env *Env) CallMethod(m *Model, name string, ids []int64, args map[string]any) (any, error) {
	meth := m.Method(name)
	if meth == nil || strings.HasPrefix(name, "_") {
		return nil, NotFoundf("The method '%s' does not exist on the model '%s'", name, m.Name)
	}
	if args == nil {
		args = map[string]any{}
	}
	known := map[string]bool{}
	for _, p := range meth.Params {
		known[p] = true
	}
	var unknown []string
	for k := range args {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 && !(name == "name_search" && len(unknown) == 1 && unknown[0] == "args") {
		sort.Strings(unknown)
		return nil, ValidationErrorf("%s.%s() got unexpected keyword argument(s): %s", m.Name, name, strings.Join(unknown, ", "))
	}
	if !meth.Model && ids == nil {
		ids = []int64{}
	}
	return meth.Fn(env, &Call{Model: m, IDs: ids, Args: args})
}

// PositionalToNamed maps XML-RPC positional arguments onto a method's
// parameter names; for record methods the first argument is the ids.
func PositionalToNamed(m *Model, name string, args []any, kwargs map[string]any) ([]int64, map[string]any, error) {
	meth := m.Method(name)
	if meth == nil || strings.HasPrefix(name, "_") {
		return nil, nil, NotFoundf("The method '%s' does not exist on the model '%s'", name, m.Name)
	}
	named := map[string]any{}
	var ids []int64
	if !meth.Model {
		if len(args) == 0 {
			return nil, nil, ValidationErrorf("%s.%s() needs the record ids as first argument", m.Name, name)
		}
		var err error
		ids, err = IDs(args[0])
		if err != nil {
			return nil, nil, err
		}
		args = args[1:]
	}
	if len(args) > len(meth.Params) {
		return nil, nil, ValidationErrorf("%s.%s() takes %d positional arguments but %d were given", m.Name, name, len(meth.Params), len(args))
	}
	for i, a := range args {
		named[meth.Params[i]] = a
	}
	for k, v := range kwargs {
		if k == "context" {
			continue
		}
		if _, dup := named[k]; dup {
			return nil, nil, ValidationErrorf("%s.%s() got multiple values for argument %q", m.Name, name, k)
		}
		named[k] = v
	}
	return ids, named, nil
}

var _ = fmt.Sprint
