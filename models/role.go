package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Role is a level of access on an account. Higher roles include everything
// lower roles may do.
type Role string

const (
	RoleOwner   Role = "OWNER"
	RoleAdmin   Role = "ADMIN"
	RoleManager Role = "MANAGER"
	RoleAgent   Role = "AGENT"
)

// Roles lists every role, highest first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleManager, RoleAgent}

// Rank orders roles: OWNER 4, ADMIN 3, MANAGER 2, AGENT 1, unknown 0.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleManager:
		return 2
	case RoleAgent:
		return 1
	}
	return 0
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r.Rank() > 0 }

// AtLeast reports whether r is as high as other.
func (r Role) AtLeast(other Role) bool { return r.Rank() >= other.Rank() }

// Permission is an extra right granted on top of a role.
type Permission string

const (
	// PermissionBillingManager may change the organization's enabled products.
	PermissionBillingManager Permission = "BILLING_MANAGER"
)

// AllPermissions lists every defined permission.
var AllPermissions = []Permission{PermissionBillingManager}

// Valid reports whether p is a defined permission.
func (p Permission) Valid() bool { return slices.Contains(AllPermissions, p) }

// Permissions is a set of permissions stored as a comma-separated column.
type Permissions []Permission

// Has reports whether the set holds p.
func (ps Permissions) Has(p Permission) bool { return slices.Contains(ps, p) }

// Normalize sorts and deduplicates the set.
func (ps Permissions) Normalize() Permissions {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

// Value stores the set as "A,B".
func (ps Permissions) Value() (driver.Value, error) {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = string(p)
	}
	return strings.Join(parts, ","), nil
}

// Scan reads the comma-separated form.
func (ps *Permissions) Scan(src any) error {
	s, err := scanString(src)
	if err != nil {
		return err
	}
	*ps = nil
	for _, part := range strings.Split(s, ",") {
		if part != "" {
			*ps = append(*ps, Permission(part))
		}
	}
	return nil
}

// StringList is a list of strings stored as a JSON array column.
type StringList []string

// Value stores the list as JSON ("[]" when empty).
func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

// Scan reads the JSON form.
func (l *StringList) Scan(src any) error {
	s, err := scanString(src)
	if err != nil {
		return err
	}
	if s == "" {
		*l = nil
		return nil
	}
	return json.Unmarshal([]byte(s), (*[]string)(l))
}

func scanString(src any) (string, error) {
	switch v := src.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("cannot scan %T into a string column", src)
}

// Restrictions narrow what a MANAGER or AGENT sees and does.
type Restrictions struct {
	AssignedContactsOnly bool `gorm:"column:restrict_assigned_contacts_only"`
	DataExportBlocked    bool `gorm:"column:restrict_data_export_blocked"`
}

// RestrictionsUpdate changes some restrictions; nil keeps one.
type RestrictionsUpdate struct {
	AssignedContactsOnly *bool
	DataExportBlocked    *bool
}

// Apply returns r with the update applied.
func (u RestrictionsUpdate) Apply(r Restrictions) Restrictions {
	if u.AssignedContactsOnly != nil {
		r.AssignedContactsOnly = *u.AssignedContactsOnly
	}
	if u.DataExportBlocked != nil {
		r.DataExportBlocked = *u.DataExportBlocked
	}
	return r
}
