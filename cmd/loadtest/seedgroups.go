package main

import (
	"context"

	"github.com/rollcall/rollcall/db"
)

// seedGroup is one seeded organization: its account and people.
type seedGroup struct {
	account int64
	users   []db.LoadUser
}

// seedGroups seeds n people in groups of -group.
func (e *env) seedGroups(ctx context.Context, n int) ([]seedGroup, error) {
	return e.seedGroupsOf(ctx, n, e.cfg.group)
}

func (e *env) seedGroupsOf(ctx context.Context, n, size int) ([]seedGroup, error) {
	res, err := e.seed(ctx, n, size)
	if err != nil {
		return nil, err
	}
	out := make([]seedGroup, len(res.Groups))
	for i, g := range res.Groups {
		out[i] = seedGroup{account: g.AccountID, users: g.Users}
	}
	return out, nil
}
