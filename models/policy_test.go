package models

import (
	"slices"
	"strings"
	"testing"
)

// TestPolicyMatrix walks every decision of policy.go: actor role × target
// role × action, then the cases around it.
func TestPolicyMatrix(t *testing.T) {
	enabled := []string{"chat", "crm", "sms"}
	actors := []struct {
		name   string
		access Access
	}{
		{"OWNER", Access{Role: RoleOwner}},
		{"ADMIN", Access{Role: RoleAdmin}},
		{"MANAGER", Access{Role: RoleManager}},
		{"AGENT", Access{Role: RoleAgent}},
		{"NoAccess", Access{}},
	}
	// manages[actor] lists the roles an actor may manage, give and change.
	manages := map[Role][]Role{
		RoleOwner:   {RoleOwner, RoleAdmin, RoleManager, RoleAgent},
		RoleAdmin:   {RoleAdmin, RoleManager, RoleAgent},
		RoleManager: {RoleAgent},
	}
	actions := []struct {
		name string
		do   func(actor Access, target Role) error
	}{
		{"manage", func(a Access, r Role) error { return CanManage(a, r) }},
		{"grant", func(a Access, r Role) error { return CheckGrant(a, Grant{Role: r}, enabled) }},
		{"change", func(a Access, r Role) error { return CanChangeAccess(1, 2, a, r, r == RoleOwner) }},
	}
	for _, actor := range actors {
		for _, target := range Roles {
			for _, action := range actions {
				var want Code
				if !slices.Contains(manages[actor.access.Role], target) {
					want = CodeForbidden
				}
				t.Run(actor.name+"/"+action.name+"/"+string(target), func(t *testing.T) {
					assertCode(t, action.do(actor.access, target), want)
				})
			}
		}
	}

	owner := Access{Role: RoleOwner}
	admin := Access{Role: RoleAdmin}
	billingAdmin := Access{Role: RoleAdmin, Permissions: Permissions{PermissionBillingManager}}
	manager := Access{Role: RoleManager, Products: []string{"crm"}}
	billingManager := Access{Role: RoleManager, Permissions: Permissions{PermissionBillingManager}}
	restrictedManager := Access{Role: RoleManager, Restrictions: Restrictions{AssignedContactsOnly: true}}
	noExportManager := Access{Role: RoleManager, Restrictions: Restrictions{DataExportBlocked: true}}
	agent := Access{Role: RoleAgent}
	billingAgent := Access{Role: RoleAgent, Permissions: Permissions{PermissionBillingManager}}
	blockedAgent := Access{Role: RoleAgent, Restrictions: Restrictions{DataExportBlocked: true}}
	// Restrictions stored on an admin's membership do not apply to them.
	adminWithStaleRestrictions := Access{Role: RoleAdmin, Restrictions: Restrictions{AssignedContactsOnly: true, DataExportBlocked: true}}
	none := Access{}

	tests := []struct {
		name  string
		err   error
		want  Code
		field string // for BAD_USER_INPUT
	}{
		{"ManageUnknownRole", CanManage(owner, "ROOT"), CodeBadUserInput, "role"},
		{"GrantUnknownRole", CheckGrant(owner, Grant{Role: "ROOT"}, enabled), CodeBadUserInput, "role"},
		{"GrantEmptyRole", CheckGrant(owner, Grant{}, enabled), CodeBadUserInput, "role"},

		{"SelfOwner", CanChangeAccess(7, 7, owner, RoleOwner, true), CodeForbidden, ""},
		{"SelfAdminOnAgentRole", CanChangeAccess(7, 7, admin, RoleAgent, false), CodeForbidden, ""},
		{"OtherOwnerByOwner", CanChangeAccess(7, 8, owner, RoleOwner, true), "", ""},
		// Item 4: owners are organization-wide. An owner given a lower role
		// on a sub-account is still managed by owners only.
		{"OwnerLoweredOnSubAccountByAdmin", CanChangeAccess(7, 8, admin, RoleAdmin, true), CodeForbidden, ""},
		{"OwnerLoweredToAgentByAdmin", CanChangeAccess(7, 8, admin, RoleAgent, true), CodeForbidden, ""},
		{"OwnerLoweredToAgentByManager", CanChangeAccess(7, 8, manager, RoleAgent, true), CodeForbidden, ""},
		{"OwnerLoweredOnSubAccountByOwner", CanChangeAccess(7, 8, owner, RoleAdmin, true), "", ""},
		{"AdminOnSubAccountByAdmin", CanChangeAccess(7, 8, admin, RoleAdmin, false), "", ""},

		{"LastOwner", CheckOwnersRemain(0), CodeConflict, ""},
		{"NegativeOwners", CheckOwnersRemain(-1), CodeConflict, ""},
		{"OwnerRemains", CheckOwnersRemain(1), "", ""},

		{"PermissionHeldImplicitlyByOwner", CheckGrant(owner, Grant{Role: RoleAdmin, Permissions: Permissions{PermissionBillingManager}}, enabled), "", ""},
		{"PermissionNotHeld", CheckGrant(admin, Grant{Role: RoleAgent, Permissions: Permissions{PermissionBillingManager}}, enabled), CodeForbidden, ""},
		{"PermissionHeld", CheckGrant(billingAdmin, Grant{Role: RoleAdmin, Permissions: Permissions{PermissionBillingManager}}, enabled), "", ""},
		{"PermissionHeldByManager", CheckGrant(billingManager, Grant{Role: RoleAgent, Permissions: Permissions{PermissionBillingManager}}, enabled), "", ""},
		{"PermissionNotHeldByAgent", CheckGrant(agent, Grant{Role: RoleAgent, Permissions: Permissions{PermissionBillingManager}}, enabled), CodeForbidden, ""},
		{"PermissionUnknown", CheckGrant(owner, Grant{Role: RoleAgent, Permissions: Permissions{"GOD_MODE"}}, enabled), CodeBadUserInput, "permissions"},

		{"ProductEnabled", CheckGrant(owner, Grant{Role: RoleAgent, Products: []string{"sms", "crm"}}, enabled), "", ""},
		{"ProductNotEnabled", CheckGrant(owner, Grant{Role: RoleAgent, Products: []string{"crm", "voice"}}, enabled), CodeBadUserInput, "products"},
		{"ProductNoneEnabled", CheckGrant(owner, Grant{Role: RoleAgent, Products: []string{"crm"}}, nil), CodeBadUserInput, "products"},
		{"ProductNotHeldByAdminIsFine", CheckGrant(admin, Grant{Role: RoleAgent, Products: []string{"chat"}}, enabled), "", ""},
		{"ProductHeldByManager", CheckGrant(manager, Grant{Role: RoleAgent, Products: []string{"crm"}}, enabled), "", ""},
		{"ProductNotHeldByManager", CheckGrant(manager, Grant{Role: RoleAgent, Products: []string{"crm", "chat"}}, enabled), CodeForbidden, ""},
		{"ProductNotEnabledEvenIfHeld", CheckGrant(manager, Grant{Role: RoleAgent, Products: []string{"crm"}}, []string{"chat"}), CodeBadUserInput, "products"},

		{"RestrictedManagerUnrestrictedGrant", CheckGrant(restrictedManager, Grant{Role: RoleAgent}, enabled), CodeForbidden, ""},
		{"RestrictedManagerOtherRestrictionOnly", CheckGrant(restrictedManager, Grant{Role: RoleAgent, Restrictions: Restrictions{DataExportBlocked: true}}, enabled), CodeForbidden, ""},
		{"RestrictedManagerRestrictedGrant", CheckGrant(restrictedManager, Grant{Role: RoleAgent, Restrictions: Restrictions{AssignedContactsOnly: true, DataExportBlocked: true}}, enabled), "", ""},
		{"NoExportManagerExportingGrant", CheckGrant(noExportManager, Grant{Role: RoleAgent}, enabled), CodeForbidden, ""},
		{"NoExportManagerBlockedGrant", CheckGrant(noExportManager, Grant{Role: RoleAgent, Restrictions: Restrictions{DataExportBlocked: true}}, enabled), "", ""},
		{"AdminStaleRestrictionsIgnored", CheckGrant(adminWithStaleRestrictions, Grant{Role: RoleAgent}, enabled), "", ""},
		{"GrantNoAccess", CheckGrant(none, Grant{Role: RoleAgent}, enabled), CodeForbidden, ""},

		{"EnabledProductsOwner", CanChangeEnabledProducts(owner), "", ""},
		{"EnabledProductsAdmin", CanChangeEnabledProducts(admin), CodeForbidden, ""},
		{"EnabledProductsBillingAdmin", CanChangeEnabledProducts(billingAdmin), "", ""},
		{"EnabledProductsBillingAgent", CanChangeEnabledProducts(billingAgent), "", ""},
		{"EnabledProductsManager", CanChangeEnabledProducts(manager), CodeForbidden, ""},
		{"EnabledProductsNoAccess", CanChangeEnabledProducts(Access{Permissions: Permissions{PermissionBillingManager}}), CodeForbidden, ""},

		{"AuditLogOwner", CanViewAuditLog(owner), "", ""},
		{"AuditLogAdmin", CanViewAuditLog(admin), "", ""},
		{"AuditLogManager", CanViewAuditLog(manager), CodeForbidden, ""},
		{"AuditLogAgent", CanViewAuditLog(agent), CodeForbidden, ""},
		{"AuditLogNoAccess", CanViewAuditLog(none), CodeForbidden, ""},

		{"ExportAgent", CanExportMembers(agent), "", ""},
		{"ExportBlockedAgent", CanExportMembers(blockedAgent), CodeForbidden, ""},
		{"ExportBlockedManager", CanExportMembers(noExportManager), CodeForbidden, ""},
		{"ExportAdminNeverRestricted", CanExportMembers(adminWithStaleRestrictions), "", ""},
		{"ExportNoAccess", CanExportMembers(none), CodeForbidden, ""},

		{"InviteOwner", CanInvite(owner), "", ""},
		{"InviteAdmin", CanInvite(admin), "", ""},
		{"InviteManager", CanInvite(manager), "", ""},
		{"InviteAgent", CanInvite(agent), CodeForbidden, ""},
		{"InviteNoAccess", CanInvite(none), CodeForbidden, ""},

		{"InvitationAgentByManager", CanManageInvitation(manager, RoleAgent), "", ""},
		{"InvitationManagerByManager", CanManageInvitation(manager, RoleManager), CodeForbidden, ""},
		{"InvitationOwnerByAdmin", CanManageInvitation(admin, RoleOwner), CodeForbidden, ""},
		{"InvitationAgentByAgent", CanManageInvitation(agent, RoleAgent), CodeForbidden, ""},

		{"AccountsOwner", CanManageAccounts(owner), "", ""},
		{"AccountsAdmin", CanManageAccounts(admin), "", ""},
		{"AccountsManager", CanManageAccounts(manager), CodeForbidden, ""},
		{"AccountsAgent", CanManageAccounts(agent), CodeForbidden, ""},

		{"ProfileAgentByAdmin", CanEditMemberProfile(admin, RoleAgent), "", ""},
		{"ProfileOwnerByAdmin", CanEditMemberProfile(admin, RoleOwner), CodeForbidden, ""},
		{"ProfileOwnerByOwner", CanEditMemberProfile(owner, RoleOwner), "", ""},
		{"ProfileAgentByManager", CanEditMemberProfile(manager, RoleAgent), CodeForbidden, ""},

		{"PasswordResetAgentByAdmin", CanSendPasswordReset(admin, RoleAgent), "", ""},
		{"PasswordResetOwnerByAdmin", CanSendPasswordReset(admin, RoleOwner), CodeForbidden, ""},
		{"PasswordResetAgentByManager", CanSendPasswordReset(manager, RoleAgent), CodeForbidden, ""},
		{"SignOutAgentByAdmin", CanSignOutMember(admin, RoleAgent), "", ""},
		{"SignOutOwnerByAdmin", CanSignOutMember(admin, RoleOwner), CodeForbidden, ""},
		{"SignOutOwnerByOwner", CanSignOutMember(owner, RoleOwner), "", ""},
		{"SignOutAgentByManager", CanSignOutMember(manager, RoleAgent), CodeForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertCode(t, tc.err, tc.want)
			if tc.field != "" {
				if e, _ := AsError(tc.err); e.Field != tc.field {
					t.Errorf("field = %q, want %q", e.Field, tc.field)
				}
			}
		})
	}

	t.Run("ProductNotEnabledNamesProduct", func(t *testing.T) {
		err := CheckGrant(owner, Grant{Role: RoleAgent, Products: []string{"voice"}}, enabled)
		if e, ok := AsError(err); !ok || !strings.Contains(e.Message, "voice") {
			t.Errorf("error %v does not name the product", err)
		}
	})

	viewer, other := int64(10), int64(11)
	contacts := []struct {
		name     string
		actor    Access
		assignee *int64
		want     bool
	}{
		{"ContactUnrestrictedUnassigned", agent, nil, true},
		{"ContactUnrestrictedOthers", agent, &other, true},
		{"ContactRestrictedOwn", restrictedManager, &viewer, true},
		{"ContactRestrictedOthers", restrictedManager, &other, false},
		{"ContactRestrictedUnassigned", restrictedManager, nil, false},
		{"ContactAdminNeverRestricted", adminWithStaleRestrictions, &other, true},
		{"ContactNoAccess", none, &viewer, false},
	}
	for _, tc := range contacts {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanSeeContact(tc.actor, viewer, tc.assignee); got != tc.want {
				t.Errorf("CanSeeContact = %v, want %v", got, tc.want)
			}
		})
	}

	// Inherited and direct access: root 1 > child 2 > grandchild 3.
	chain := []int64{3, 2, 1}
	m := func(id int64, r Role) *Membership { return &Membership{ID: id, AccountID: id, Role: r} }
	resolution := []struct {
		name          string
		byAccount     map[int64]*Membership
		wantID        int64 // 0: no access
		wantInherited bool
	}{
		{"Direct", map[int64]*Membership{3: m(3, RoleAgent), 1: m(1, RoleOwner)}, 3, false},
		{"InheritedFromRoot", map[int64]*Membership{1: m(1, RoleAdmin)}, 1, true},
		{"NearestAncestorWins", map[int64]*Membership{1: m(1, RoleOwner), 2: m(2, RoleManager)}, 2, true},
		{"MoreSpecificLowerRoleWins", map[int64]*Membership{1: m(1, RoleAdmin), 3: m(3, RoleAgent)}, 3, false},
		{"OtherBranchIgnored", map[int64]*Membership{4: m(4, RoleOwner)}, 0, false},
		{"NoMemberships", nil, 0, false},
	}
	for _, tc := range resolution {
		t.Run("Effective"+tc.name, func(t *testing.T) {
			got, inherited := EffectiveMembership(chain, tc.byAccount)
			if tc.wantID == 0 {
				if got != nil || inherited {
					t.Fatalf("got %+v, %v; want no access", got, inherited)
				}
				if AccessOf(got).HasAccess() {
					t.Error("AccessOf(nil) has access")
				}
				return
			}
			if got == nil || got.ID != tc.wantID || inherited != tc.wantInherited || got.Inherited != tc.wantInherited {
				t.Fatalf("got %+v, %v; want membership %d inherited=%v", got, inherited, tc.wantID, tc.wantInherited)
			}
			if got.EffectiveAccountID != 3 {
				t.Errorf("EffectiveAccountID = %d, want 3", got.EffectiveAccountID)
			}
			if src := tc.byAccount[tc.wantID]; src == got || src.Inherited || src.EffectiveAccountID != 0 {
				t.Error("the input membership was modified or returned as is")
			}
		})
	}
	t.Run("EffectiveEmptyChain", func(t *testing.T) {
		if got, _ := EffectiveMembership(nil, map[int64]*Membership{1: m(1, RoleOwner)}); got != nil {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("InheritedAdminManagesOnSubAccount", func(t *testing.T) {
		got, _ := EffectiveMembership(chain, map[int64]*Membership{1: m(1, RoleAdmin)})
		assertCode(t, CanManage(AccessOf(got), RoleManager), "")
	})
	t.Run("SubAccountAgentOverridesRootAdmin", func(t *testing.T) {
		got, _ := EffectiveMembership(chain, map[int64]*Membership{1: m(1, RoleAdmin), 3: m(3, RoleAgent)})
		assertCode(t, CanManage(AccessOf(got), RoleAgent), CodeForbidden)
	})
	t.Run("Identity", identityMatrix)
}

// identityMatrix covers the rule on actions on a person's identity
// (CanActOnIdentity with StandingIn): the actor must be able to act on the
// person in every organization the person belongs to (issue items 4 and 5).
func identityMatrix(t *testing.T) {
	// Organization tree: root 1 > sub-accounts 2 and 3; 4 under 2.
	parents := map[int64]int64{1: 0, 2: 1, 3: 1, 4: 2}
	ms := func(pairs ...any) map[int64]*Membership {
		out := map[int64]*Membership{}
		for i := 0; i < len(pairs); i += 2 {
			id := int64(pairs[i].(int))
			out[id] = &Membership{ID: id, AccountID: id, Role: pairs[i+1].(Role)}
		}
		return out
	}
	checks := []struct {
		name  string
		check func(Access, Role) error
	}{
		{"profile", CanEditMemberProfile},
		{"reset", CanSendPasswordReset},
		{"sign out", CanSignOutMember},
	}
	// acts[actor] lists the roles an actor may act on: OWNER and ADMIN only,
	// on the roles they may manage.
	acts := map[Role][]Role{
		RoleOwner: {RoleOwner, RoleAdmin, RoleManager, RoleAgent},
		RoleAdmin: {RoleAdmin, RoleManager, RoleAgent},
	}
	// One organization, both at the root; then the same with a second
	// organization where the actor owns and the person is an agent: it
	// changes nothing; then with a second organization the actor is not in:
	// always refused.
	for _, ar := range Roles {
		for _, tr := range Roles {
			for _, c := range checks {
				here := StandingIn(parents, ms(1, ar), ms(1, tr))
				ownedElsewhere := StandingIn(parents, ms(1, RoleOwner), ms(1, RoleAgent))
				foreign := StandingIn(parents, nil, ms(1, RoleAgent))
				var want Code
				if !slices.Contains(acts[ar], tr) {
					want = CodeForbidden
				}
				name := string(ar) + "/" + c.name + "/" + string(tr)
				t.Run("One/"+name, func(t *testing.T) {
					assertCode(t, CanActOnIdentity([]Standing{here}, c.check), want)
				})
				t.Run("BothShared/"+name, func(t *testing.T) {
					assertCode(t, CanActOnIdentity([]Standing{ownedElsewhere, here}, c.check), want)
					assertCode(t, CanActOnIdentity([]Standing{here, ownedElsewhere}, c.check), want)
				})
				t.Run("AlsoInAnotherOrganization/"+name, func(t *testing.T) {
					assertCode(t, CanActOnIdentity([]Standing{here, foreign}, c.check), CodeForbidden)
					assertCode(t, CanActOnIdentity([]Standing{foreign, here}, c.check), CodeForbidden)
				})
			}
		}
	}

	standings := []struct {
		name          string
		actor, target map[int64]*Membership
		want          Standing
	}{
		// Item 4: a second owner gave the first ADMIN on sub-account 2; a
		// root admin reaches 2, but the first owner still ranks OWNER.
		{"OwnerLoweredOnSubAccount", ms(1, RoleAdmin), ms(1, RoleOwner, 2, RoleAdmin), Standing{Actor: RoleAdmin, Target: RoleOwner}},
		{"OwnerLoweredToAgentOnSubAccount", ms(1, RoleAdmin), ms(1, RoleOwner, 4, RoleAgent), Standing{Actor: RoleAdmin, Target: RoleOwner}},
		{"OwnerOfSubAccountOnly", ms(1, RoleAdmin), ms(3, RoleOwner), Standing{Actor: RoleAdmin, Target: RoleOwner}},
		// An owner ranks OWNER as an actor too, whatever their role where
		// the person is.
		{"ActorOwnerLoweredOnSubAccount", ms(1, RoleOwner, 2, RoleAgent), ms(2, RoleAdmin), Standing{Actor: RoleOwner, Target: RoleAdmin}},
		// The person's highest role counts.
		{"TargetHighestRole", ms(1, RoleAdmin), ms(1, RoleAgent, 3, RoleAdmin), Standing{Actor: RoleAdmin, Target: RoleAdmin}},
		// The actor's lowest role where the person is counts.
		{"ActorLoweredWhereTargetIs", ms(1, RoleAdmin, 2, RoleAgent), ms(4, RoleAgent), Standing{Actor: RoleAgent, Target: RoleAgent}},
		{"ActorLoweredElsewhere", ms(1, RoleAdmin, 3, RoleAgent), ms(2, RoleAgent), Standing{Actor: RoleAdmin, Target: RoleAgent}},
		{"SubAccountAdminOnItsAgent", ms(2, RoleAdmin), ms(4, RoleAgent), Standing{Actor: RoleAdmin, Target: RoleAgent}},
		// Access on one branch does not reach a person who is also on another.
		{"SubAccountAdminOnRootAgent", ms(2, RoleAdmin), ms(1, RoleAgent), Standing{Target: RoleAgent}},
		{"SubAccountAdminOnOtherBranch", ms(2, RoleAdmin), ms(2, RoleAgent, 3, RoleAgent), Standing{Target: RoleAgent}},
		// In the directory without access: the actor's root role against the lowest.
		{"TargetWithoutAccess", ms(1, RoleAdmin), nil, Standing{Actor: RoleAdmin, Target: RoleAgent}},
		{"TargetWithoutAccessSubAccountAdmin", ms(2, RoleAdmin), nil, Standing{Target: RoleAgent}},
		// Item 5: the actor holds nothing in this organization.
		{"Outsider", nil, ms(1, RoleAdmin), Standing{Outsider: true, Target: RoleAdmin}},
	}
	for _, tc := range standings {
		t.Run("Standing"+tc.name, func(t *testing.T) {
			if got := StandingIn(parents, tc.actor, tc.target); got != tc.want {
				t.Fatalf("StandingIn = %+v, want %+v", got, tc.want)
			}
		})
	}

	// The two scenarios of the issue, end to end through the pure rule.
	for _, c := range checks {
		t.Run("Item4RootAdminOnLoweredOwner/"+c.name, func(t *testing.T) {
			st := StandingIn(parents, ms(1, RoleAdmin), ms(1, RoleOwner, 2, RoleAdmin))
			assertCode(t, CanActOnIdentity([]Standing{st}, c.check), CodeForbidden)
		})
		t.Run("Item4SecondOwnerOnLoweredOwner/"+c.name, func(t *testing.T) {
			st := StandingIn(parents, ms(1, RoleOwner), ms(1, RoleOwner, 2, RoleAdmin))
			assertCode(t, CanActOnIdentity([]Standing{st}, c.check), "")
		})
		t.Run("Item5OwnerOfBOnAdminOfA/"+c.name, func(t *testing.T) {
			inA := StandingIn(parents, nil, ms(1, RoleAdmin))
			inB := StandingIn(parents, ms(1, RoleOwner), ms(1, RoleAgent))
			err := CanActOnIdentity([]Standing{inA, inB}, c.check)
			if err != ErrOtherOrganization {
				t.Fatalf("err = %v, want ErrOtherOrganization", err)
			}
		})
		t.Run("SubAccountAdminOnRootAgent/"+c.name, func(t *testing.T) {
			st := StandingIn(parents, ms(2, RoleAdmin), ms(1, RoleAgent))
			assertCode(t, CanActOnIdentity([]Standing{st}, c.check), CodeForbidden)
		})
		t.Run("SubAccountAdminOnItsAgent/"+c.name, func(t *testing.T) {
			st := StandingIn(parents, ms(2, RoleAdmin), ms(4, RoleAgent))
			assertCode(t, CanActOnIdentity([]Standing{st}, c.check), "")
		})
		t.Run("NoOrganizations/"+c.name, func(t *testing.T) {
			assertCode(t, CanActOnIdentity(nil, c.check), CodeForbidden)
		})
	}
	t.Run("OrganizationRole", func(t *testing.T) {
		if OrganizationRole(RoleAgent, true) != RoleOwner || OrganizationRole(RoleAgent, false) != RoleAgent {
			t.Fatal("OrganizationRole")
		}
	})
	t.Run("AccountChainCycleBounded", func(t *testing.T) {
		if got := accountChain(map[int64]int64{1: 2, 2: 1}, 1); len(got) > 3 {
			t.Fatalf("chain %v", got)
		}
	})
}

func assertCode(t *testing.T, err error, want Code) {
	t.Helper()
	if got := ErrorCode(err); got != want {
		t.Fatalf("code = %q (%v), want %q", got, err, want)
	}
}

func TestNormalizeGrant(t *testing.T) {
	tests := []struct {
		name string
		in   Grant
		want Grant
	}{
		{"SortedDeduped",
			Grant{Role: RoleAgent, Permissions: Permissions{PermissionBillingManager, PermissionBillingManager}, Products: []string{"sms", "crm", "sms"}},
			Grant{Role: RoleAgent, Permissions: Permissions{PermissionBillingManager}, Products: []string{"crm", "sms"}}},
		{"RestrictionsKeptForManager",
			Grant{Role: RoleManager, Restrictions: Restrictions{AssignedContactsOnly: true}},
			Grant{Role: RoleManager, Restrictions: Restrictions{AssignedContactsOnly: true}}},
		{"RestrictionsClearedForAdmin",
			Grant{Role: RoleAdmin, Restrictions: Restrictions{AssignedContactsOnly: true, DataExportBlocked: true}},
			Grant{Role: RoleAdmin}},
		{"RestrictionsClearedForOwner",
			Grant{Role: RoleOwner, Restrictions: Restrictions{DataExportBlocked: true}},
			Grant{Role: RoleOwner}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NormalizeGrant(tc.in)
			if got.Role != tc.want.Role || !slices.Equal(got.Permissions, tc.want.Permissions) ||
				!slices.Equal(got.Products, tc.want.Products) || got.Restrictions != tc.want.Restrictions {
				t.Errorf("NormalizeGrant(%+v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
	t.Run("InputNotModified", func(t *testing.T) {
		in := Grant{Role: RoleAgent, Products: []string{"sms", "crm"}}
		NormalizeGrant(in)
		if !slices.Equal(in.Products, []string{"sms", "crm"}) {
			t.Errorf("input products changed to %v", in.Products)
		}
	})
}

func TestAccessOf(t *testing.T) {
	m := &Membership{Role: RoleManager, Permissions: Permissions{PermissionBillingManager}, Products: StringList{"crm"},
		Restrictions: Restrictions{DataExportBlocked: true}}
	a := AccessOf(m)
	if a.Role != RoleManager || !a.HasPermission(PermissionBillingManager) || !a.HasProduct("crm") || a.HasProduct("sms") ||
		!a.EffectiveRestrictions().DataExportBlocked {
		t.Errorf("AccessOf(%+v) = %+v", m, a)
	}
}

// TestCanSuspendMember walks suspension and reactivation: OWNER and ADMIN,
// on the roles they manage (an owner counts as OWNER whatever role they
// hold where acted on), never on themselves; and who sees the suspended.
func TestCanSuspendMember(t *testing.T) {
	suspends := map[Role][]Role{
		RoleOwner: {RoleOwner, RoleAdmin, RoleManager, RoleAgent},
		RoleAdmin: {RoleAdmin, RoleManager, RoleAgent},
	}
	for _, ar := range append(slices.Clone(Roles), "") {
		for _, tr := range Roles {
			var want Code
			if !slices.Contains(suspends[ar], tr) {
				want = CodeForbidden
			}
			t.Run(string(ar)+"/"+string(tr), func(t *testing.T) {
				assertCode(t, CanSuspendMember(1, 2, Access{Role: ar}, tr, tr == RoleOwner), want)
			})
		}
	}
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"Yourself as owner", CanSuspendMember(1, 1, Access{Role: RoleOwner}, RoleOwner, true), CodeForbidden},
		{"Yourself as admin", CanSuspendMember(1, 1, Access{Role: RoleAdmin}, RoleAdmin, false), CodeForbidden},
		// An owner who holds ADMIN here is still an owner to an admin.
		{"OwnerHoldingAdminByAdmin", CanSuspendMember(1, 2, Access{Role: RoleAdmin}, RoleAdmin, true), CodeForbidden},
		{"OwnerHoldingAdminByOwner", CanSuspendMember(1, 2, Access{Role: RoleOwner}, RoleAdmin, true), ""},
		{"UnknownRole", CanSuspendMember(1, 2, Access{Role: RoleOwner}, "BOSS", false), CodeBadUserInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assertCode(t, tc.err, tc.want) })
	}
	for _, r := range Roles {
		if got, want := CanSeeSuspended(Access{Role: r}), r.AtLeast(RoleAdmin); got != want {
			t.Errorf("CanSeeSuspended(%s) = %v, want %v", r, got, want)
		}
	}
	if CanSeeSuspended(Access{}) {
		t.Error("no access sees the suspended")
	}
}
