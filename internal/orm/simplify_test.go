package orm

import (
	"reflect"
	"testing"
)

func TestSimplify(t *testing.T) {
	own := Leaf{Path: "user_id", Op: "=", Value: int64(7)}
	free := Leaf{Path: "user_id", Op: "=", Value: false}
	for _, c := range []struct {
		name string
		in   Domain
		want Domain
	}{
		{"true", Const(true), And{}},
		{"false", Const(false), Const(false)},
		{"leaf", own, own},
		{"empty and", And{}, And{}},
		{"empty or is false", Or{}, Const(false)},
		{"and drops true", And{own, Const(true)}, own},
		{"and with false", And{own, Const(false)}, Const(false)},
		{"or with true (manager's all-leads rule)", And{Or{Or{own, free}, Const(true)}}, And{}},
		{"or drops false", Or{own, Const(false), free}, Or{own, free}},
		{"or of falses", Or{Const(false), Const(false)}, Const(false)},
		{"not true", Not{D: Const(true)}, Const(false)},
		{"not false", Not{D: Const(false)}, And{}},
		{"not leaf", Not{D: own}, Not{D: own}},
		{"nested", And{own, And{Const(true), Or{free, Const(false)}}}, And{own, free}},
	} {
		if got := Simplify(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Simplify(%#v) = %#v; want %#v", c.name, c.in, got, c.want)
		}
	}
}
