package models

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// PageRequest asks for up to First rows after the row whose keyset cursor
// is After (keyset pagination on a unique, ordered id: rows added or
// removed between pages are neither skipped nor repeated).
type PageRequest struct {
	First int
	After int64 // 0: from the start
}

// DefaultPageSize and MaxPageSize bound `first`.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// NewPageRequest validates `first` and `after` from a connection field.
func NewPageRequest(first *int, after *string) (PageRequest, error) {
	p := PageRequest{First: DefaultPageSize}
	if first != nil {
		if *first < 0 || *first > MaxPageSize {
			return p, InvalidInput("first", "first must be between 0 and %d", MaxPageSize)
		}
		p.First = *first
	}
	if after != nil && *after != "" {
		id, err := DecodeCursor(*after)
		if err != nil {
			return p, err
		}
		p.After = id
	}
	return p, nil
}

// EncodeCursor makes an opaque cursor for a keyset position.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if n, ok := strings.CutPrefix(string(raw), "c:"); ok {
			if id, err := strconv.ParseInt(n, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, InvalidInput("after", "the cursor is not valid")
}

// Page is one page of rows with the total that match.
type Page[T any] struct {
	Rows    []T
	Total   int64
	HasNext bool
}

// Edge is a row with its cursor, for orders whose cursor is more than an id.
type Edge[T any] struct {
	Node   T
	Cursor string
}

// MemberOrderField orders an account's members.
type MemberOrderField string

const (
	MemberOrderName       MemberOrderField = "NAME"
	MemberOrderEmail      MemberOrderField = "EMAIL"
	MemberOrderRole       MemberOrderField = "ROLE"
	MemberOrderLastActive MemberOrderField = "LAST_ACTIVE"
	MemberOrderJoined     MemberOrderField = "JOINED"
)

// MemberQuery filters and orders an account's members.
type MemberQuery struct {
	Search string
	Roles  []Role
	Order  MemberOrderField
	Desc   bool
	// UserIDsIn, when not nil, keeps only these people (an empty list
	// keeps no one); UserIDsNotIn drops these people. The presence filter
	// is turned into one of them from the live statuses.
	UserIDsIn    []int64
	UserIDsNotIn []int64
	// NoTotal skips counting (Total is then -1), for walks that do not
	// show a total, such as the CSV export.
	NoTotal bool
}
