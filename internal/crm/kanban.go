package crm

import (
	"github.com/kanso-crm/kanso/internal/orm"
)

// KanbanOrder is the order of cards in a pipeline column.
const KanbanOrder = "kanban_position desc, priority desc, id desc"

// KanbanMove moves an opportunity to a stage and between two cards of
// that column (above and below are card ids, 0 for the ends). The stage
// change goes through the normal write, with all its rules; a write_date
// makes a concurrent change a conflict.
func KanbanMove(env *orm.Env, id, stage, above, below int64, writeDate string) error {
	m := leadModel(env)
	if err := env.CheckRecords(m, []int64{id}, orm.PermWrite); err != nil {
		return err
	}
	var ids []int64
	for _, x := range []int64{above, below} {
		if x != 0 && x != id {
			ids = append(ids, x)
		}
	}
	neighbours, err := env.ReadValues(m, ids, []string{"kanban_position"})
	if err != nil {
		return err
	}
	pos := map[int64]float64{}
	for _, n := range neighbours {
		pos[n["id"].(int64)] = f(n["kanban_position"])
	}
	var p float64
	switch {
	case above != 0 && below != 0:
		a, b := pos[above], pos[below]
		if a-b > 1e-6 {
			p = (a + b) / 2
		} else {
			// no room: renumber the cards above the drop, which the user has
			// on screen, so they stay above
			if err := renumberAbove(env, above, b); err != nil {
				return err
			}
			p = b + 0.5
		}
	case above != 0:
		p = pos[above] - 1
	case below != 0:
		p = pos[below] + 1
	}
	vals := orm.Values{"kanban_position": p}
	cur, err := env.ReadValues(m, []int64{id}, []string{"stage_id"})
	if err != nil {
		return err
	}
	if stage != 0 && cur[0]["stage_id"] != stage {
		vals["stage_id"] = stage
	}
	if writeDate != "" {
		vals["write_date"] = writeDate
	}
	return env.Write(m, []int64{id}, vals)
}

// renumberAbove gives the card above a drop, and every card above it in
// its column, whole positions above floor. Positions order cards only, so
// they are set directly, without touching write_date (a colleague editing
// one of those cards must not get a conflict for it).
func renumberAbove(env *orm.Env, above int64, floor float64) error {
	m := leadModel(env)
	cur, err := env.Sudo().ReadValues(m, []int64{above}, []string{"stage_id", "team_id", "type"})
	if err != nil || len(cur) == 0 {
		return err
	}
	d := orm.And{orm.Leaf{Path: "stage_id", Op: "=", Value: orNil(cur[0]["stage_id"])}, orm.Leaf{Path: "team_id", Op: "=", Value: orNil(cur[0]["team_id"])},
		orm.Leaf{Path: "type", Op: "=", Value: cur[0]["type"]}}
	column, err := env.Sudo().Search(m, d, orm.SearchOpts{Order: KanbanOrder, Limit: 2000})
	if err != nil {
		return err
	}
	n := -1
	for i, id := range column {
		if id == above {
			n = i
			break
		}
	}
	if n < 0 {
		return nil
	}
	for k := 0; k <= n; k++ {
		if _, err := env.Exec("UPDATE crm_lead SET kanban_position = ? WHERE id = ?", floor+float64(n+1-k), column[k]); err != nil {
			return err
		}
	}
	return nil
}
