package models

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// PageRequest is one page of a Relay cursor connection, read by keyset
// (rows added or removed between pages are neither skipped nor repeated):
// the rows strictly between the After and Before cursors, in the
// connection's order, of which the first First (`first`), or with Backward
// the last First (`last`, the page still in the connection's order).
// After and Before are row ids for connections ordered by id; AfterKey and
// BeforeKey are the opaque cursors of orders whose cursor is more than an
// id (the members directory), which the store decodes.
type PageRequest struct {
	First    int
	After    int64 // 0: from the start
	Before   int64 // 0: to the end
	Backward bool

	AfterKey, BeforeKey string
}

// DefaultPageSize and MaxPageSize bound `first` and `last`.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// NewPageRequest validates the arguments of a connection ordered by id:
// `first` or `last` (not both; neither is `first: 50`), each 0 to
// MaxPageSize, and the `after` and `before` cursors, which may be given
// together (the rows between them).
func NewPageRequest(first, last *int, after, before *string) (PageRequest, error) {
	p, err := NewKeyPageRequest(first, last, nil, nil)
	if err != nil {
		return p, err
	}
	if after != nil && *after != "" {
		if p.After, err = decodeCursor(*after, "after"); err != nil {
			return p, err
		}
	}
	if before != nil && *before != "" {
		if p.Before, err = decodeCursor(*before, "before"); err != nil {
			return p, err
		}
	}
	return p, nil
}

// NewKeyPageRequest validates `first` and `last` as NewPageRequest does and
// keeps the cursors as they are, for the store to decode (AfterKey,
// BeforeKey).
func NewKeyPageRequest(first, last *int, after, before *string) (PageRequest, error) {
	p := PageRequest{First: DefaultPageSize}
	if first != nil && last != nil {
		return p, InvalidInput("last", "use first (with after) to page forwards or last (with before) to page backwards, not both")
	}
	if first != nil {
		if *first < 0 || *first > MaxPageSize {
			return p, InvalidInput("first", "first must be between 0 and %d", MaxPageSize)
		}
		p.First = *first
	}
	if last != nil {
		if *last < 0 || *last > MaxPageSize {
			return p, InvalidInput("last", "last must be between 0 and %d", MaxPageSize)
		}
		p.First, p.Backward = *last, true
	}
	if after != nil {
		p.AfterKey = *after
	}
	if before != nil {
		p.BeforeKey = *before
	}
	return p, nil
}

// HasAfter and HasBefore say whether the page starts after, or ends
// before, a cursor.
func (p PageRequest) HasAfter() bool  { return p.After > 0 || p.AfterKey != "" }
func (p PageRequest) HasBefore() bool { return p.Before > 0 || p.BeforeKey != "" }

// Cut finishes a page read with LIMIT First+1 in the order of the read
// (the connection's order, reversed when Backward): it keeps First rows,
// puts them back in the connection's order and sets the page's flags as the
// Relay specification computes them. The side read tells from its extra
// row whether more rows lie beyond the page; the other side has a page
// when the request starts (or ends) at a cursor, whose row lies there.
func Cut[T any](p PageRequest, rows []T) (page []T, hasPrevious, hasNext bool) {
	more := len(rows) > p.First
	if more {
		rows = rows[:p.First]
	}
	if !p.Backward {
		return rows, p.HasAfter(), more
	}
	slices.Reverse(rows)
	return rows, more, p.HasBefore()
}

// EncodeCursor makes an opaque cursor for a keyset position.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.FormatInt(id, 10)))
}

// decodeCursor reads a cursor made by EncodeCursor, given as the argument
// field.
func decodeCursor(s, field string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if n, ok := strings.CutPrefix(string(raw), "c:"); ok {
			if id, err := strconv.ParseInt(n, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, InvalidInput(field, "the cursor is not valid")
}

// Page is one page of rows with the total that match.
type Page[T any] struct {
	Rows  []T
	Total int64
	// HasPrevious and HasNext are the page info's hasPreviousPage and
	// hasNextPage (see Cut).
	HasPrevious, HasNext bool
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
	// HideSuspended drops the people suspended in the organization: the
	// store sets it for viewers who may not see them (CanSeeSuspended).
	HideSuspended bool
}

// Directory is the members directory of accounts and organizations.
type Directory interface {
	FindMembers(ctx context.Context, accountID int64, q MemberQuery, p PageRequest) (Page[Edge[*Membership]], error)
	// EffectiveMemberIDs lists the people with access to an account.
	EffectiveMemberIDs(ctx context.Context, accountID int64) ([]int64, error)
	FindOrganizationMembers(ctx context.Context, orgID int64, search string, p PageRequest) (Page[Edge[*DirectoryMember]], error)
}

// MemberExporter streams an account's members as rows.
type MemberExporter interface {
	ExportMembers(ctx context.Context, accountID int64, write func(row []string) error) error
}
