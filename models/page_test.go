package models

import (
	"slices"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// NewPageRequest bounds `first` and `last` alike, refuses both at once and
// names the argument whose cursor is bad.
func TestNewPageRequest(t *testing.T) {
	c5 := EncodeCursor(5)
	cases := []struct {
		name          string
		first, last   *int
		after, before *string
		want          PageRequest
		field         string
	}{
		{name: "Default", want: PageRequest{First: DefaultPageSize}},
		{name: "First", first: ptr(3), after: &c5, want: PageRequest{First: 3, After: 5}},
		{name: "Last", last: ptr(3), before: &c5, want: PageRequest{First: 3, Before: 5, Backward: true}},
		{name: "LastZero", last: ptr(0), want: PageRequest{First: 0, Backward: true}},
		{name: "LastMax", last: ptr(MaxPageSize), want: PageRequest{First: MaxPageSize, Backward: true}},
		{name: "BothCursors", first: ptr(2), after: &c5, before: ptr(EncodeCursor(9)), want: PageRequest{First: 2, After: 5, Before: 9}},
		{name: "BeforeAlone", before: &c5, want: PageRequest{First: DefaultPageSize, Before: 5}},
		{name: "LastNegative", last: ptr(-1), field: "last"},
		{name: "LastTooLarge", last: ptr(MaxPageSize + 1), field: "last"},
		{name: "LastHuge", last: ptr(100000), field: "last"},
		{name: "FirstNegative", first: ptr(-1), field: "first"},
		{name: "FirstAndLast", first: ptr(1), last: ptr(1), field: "last"},
		{name: "BadBefore", last: ptr(1), before: ptr("garbage!"), field: "before"},
		{name: "NegativeBefore", last: ptr(1), before: ptr("YzotNQ"), field: "before"}, // "c:-5"
		{name: "BadAfter", first: ptr(1), after: ptr("YzphYmM"), field: "after"},       // "c:abc"
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPageRequest(tc.first, tc.last, tc.after, tc.before)
			if tc.field != "" {
				e, ok := err.(*Error)
				if !ok || e.Code != CodeBadUserInput || e.Field != tc.field {
					t.Fatalf("want BAD_USER_INPUT on %s, got %v", tc.field, err)
				}
				return
			}
			if err != nil || p != tc.want {
				t.Fatalf("got %+v %v, want %+v", p, err, tc.want)
			}
		})
	}
}

// Cut keeps First rows, puts a backward read back in the connection's
// order, and sets the flags as the Relay specification does.
func TestCut(t *testing.T) {
	cases := []struct {
		name       string
		p          PageRequest
		read, want []int
		prev, next bool
	}{
		{"ForwardMore", PageRequest{First: 2}, []int{1, 2, 3}, []int{1, 2}, false, true},
		{"ForwardEnd", PageRequest{First: 2, After: 9}, []int{1, 2}, []int{1, 2}, true, false},
		{"ForwardBeforeCursor", PageRequest{First: 2, Before: 9}, []int{1}, []int{1}, false, false},
		{"BackwardMore", PageRequest{First: 2, Backward: true}, []int{9, 8, 7}, []int{8, 9}, true, false},
		{"BackwardStart", PageRequest{First: 2, Backward: true, Before: 9}, []int{2, 1}, []int{1, 2}, false, true},
		{"BackwardKeyCursor", PageRequest{First: 3, Backward: true, BeforeKey: "k"}, []int{2, 1}, []int{1, 2}, false, true},
		{"BackwardAfterCursor", PageRequest{First: 3, Backward: true, AfterKey: "k"}, []int{2, 1}, []int{1, 2}, false, false},
		{"LastZero", PageRequest{First: 0, Backward: true}, []int{5}, []int{}, true, false},
		{"FirstZeroEmpty", PageRequest{First: 0}, nil, nil, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, prev, next := Cut(tc.p, slices.Clone(tc.read))
			if !slices.Equal(rows, tc.want) || prev != tc.prev || next != tc.next {
				t.Fatalf("got %v prev %v next %v, want %v %v %v", rows, prev, next, tc.want, tc.prev, tc.next)
			}
		})
	}
}
