/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation ReportActivity($activity: PresenceActivity!) {\n    setPresence(input: { activity: $activity }) {\n      status\n    }\n  }\n": typeof types.ReportActivityDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  query AuditLog($orgId: ID!, $filter: AuditFilter, $first: Int, $after: String, $withCount: Boolean!) {\n    organization(id: $orgId) {\n      id\n      auditLog(filter: $filter, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            action\n            actor {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetUser {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetEmail\n            account {\n              id\n              name\n            }\n            details\n            ipAddress\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.AuditLogDocument,
    "\n  query AuditPeople($orgId: ID!, $search: String) {\n    organization(id: $orgId) {\n      id\n      members(search: $search, first: 8) {\n        edges {\n          node {\n            id\n            displayName\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.AuditPeopleDocument,
    "\n  mutation DeleteMyAccount($password: String!) {\n    deleteMyAccount(password: $password)\n  }\n": typeof types.DeleteMyAccountDocument,
    "\n  query MySessions {\n    me {\n      id\n      sessions {\n        id\n        deviceName\n        userAgent\n        ipAddress\n        createdAt\n        lastSeenAt\n        current\n        connected\n      }\n    }\n  }\n": typeof types.MySessionsDocument,
    "\n  subscription SessionsChanged {\n    sessionsChanged {\n      kind\n      at\n      session {\n        id\n        connected\n        lastSeenAt\n      }\n    }\n  }\n": typeof types.SessionsChangedDocument,
    "\n  fragment SessionState on Session {\n    connected\n    lastSeenAt\n  }\n": typeof types.SessionStateFragmentDoc,
    "\n  mutation SignOutSession($id: ID!) {\n    signOutSession(id: $id) {\n      id\n    }\n  }\n": typeof types.SignOutSessionDocument,
    "\n  mutation SignOutOtherSessions {\n    signOutOtherSessions\n  }\n": typeof types.SignOutOtherSessionsDocument,
    "\n  query Directory($accountId: ID!, $filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String, $withCount: Boolean!) {\n    account(id: $accountId) {\n      id\n      name\n      membersCsvUrl\n      members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            role\n            inherited\n            suspended\n            user {\n              id\n              displayName\n              email\n              avatarUrl\n              presence {\n                status\n                lastActiveAt\n                connectedDevices\n              }\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.DirectoryDocument,
    "\n  query PendingInvitations($accountId: ID!) {\n    account(id: $accountId) {\n      id\n      invitations(status: [PENDING], first: 20) {\n        totalCount\n        edges {\n          node {\n            id\n            email\n            role\n            expiresAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.PendingInvitationsDocument,
    "\n  fragment InvitationFields on Invitation {\n    id\n    email\n    firstName\n    lastName\n    preferredLanguage\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    accounts {\n      id\n      name\n    }\n    status\n    invitedBy {\n      id\n      displayName\n    }\n    createdAt\n    expiresAt\n    lastSentAt\n    sendCount\n  }\n": typeof types.InvitationFieldsFragmentDoc,
    "\n  query Invitations($accountId: ID!, $status: [InvitationStatus!], $search: String, $first: Int, $after: String) {\n    account(id: $accountId) {\n      id\n      invitations(status: $status, search: $search, first: $first, after: $after) {\n        totalCount\n        edges {\n          cursor\n          node {\n            ...InvitationFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.InvitationsDocument,
    "\n  mutation ResendInvitation($id: ID!) {\n    resendInvitation(id: $id) {\n      ...InvitationFields\n    }\n  }\n": typeof types.ResendInvitationDocument,
    "\n  mutation UpdateInvitation($input: UpdateInvitationInput!) {\n    updateInvitation(input: $input) {\n      ...InvitationFields\n    }\n  }\n": typeof types.UpdateInvitationDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.RevokeInvitationDocument,
    "\n  query GrantOptions($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n      accounts {\n        id\n        viewerMembership {\n          id\n          products {\n            key\n          }\n        }\n      }\n    }\n  }\n": typeof types.GrantOptionsDocument,
    "\n  mutation InviteUsers($input: InviteUsersInput!) {\n    inviteUsers(input: $input) {\n      results {\n        email\n        outcome\n        invitation {\n          id\n          expiresAt\n        }\n      }\n    }\n  }\n": typeof types.InviteUsersDocument,
    "\n  mutation LeaveOrganization($organizationId: ID!) {\n    leaveOrganization(organizationId: $organizationId)\n  }\n": typeof types.LeaveOrganizationDocument,
    "\n  query Member($userId: ID!, $orgId: ID!) {\n    node(id: $userId) {\n      __typename\n      id\n      ... on User {\n        email\n        firstName\n        lastName\n        displayName\n        phone\n        avatarUrl\n        emailVerified\n        createdAt\n        presence {\n          status\n          lastActiveAt\n          connectedDevices\n        }\n        memberships {\n          ...MemberAccess\n        }\n      }\n    }\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n    }\n  }\n": typeof types.MemberDocument,
    "\n  fragment MemberAccess on Membership {\n    id\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    inherited\n    createdAt\n    suspended\n    suspendedAt\n    account {\n      id\n      name\n      organization {\n        id\n      }\n    }\n    invitedBy {\n      id\n      displayName\n    }\n  }\n": typeof types.MemberAccessFragmentDoc,
    "\n  mutation UpdateMemberAccess($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      ...MemberAccess\n    }\n  }\n": typeof types.UpdateMemberAccessDocument,
    "\n  mutation UpdateMemberProfile($input: UpdateMemberProfileInput!) {\n    updateMemberProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n    }\n  }\n": typeof types.UpdateMemberProfileDocument,
    "\n  mutation SendMemberPasswordReset($userId: ID!) {\n    sendPasswordReset(userId: $userId)\n  }\n": typeof types.SendMemberPasswordResetDocument,
    "\n  mutation SignOutMember($userId: ID!) {\n    signOutMember(userId: $userId)\n  }\n": typeof types.SignOutMemberDocument,
    "\n  mutation SuspendMember($orgId: ID!, $userId: ID!) {\n    suspendMember(organizationId: $orgId, userId: $userId)\n  }\n": typeof types.SuspendMemberDocument,
    "\n  mutation ReactivateMember($orgId: ID!, $userId: ID!) {\n    reactivateMember(organizationId: $orgId, userId: $userId)\n  }\n": typeof types.ReactivateMemberDocument,
    "\n  mutation RevokeMemberAccess($input: RevokeAccessInput!) {\n    revokeAccess(input: $input) {\n      membership {\n        id\n      }\n      reassignedContacts\n    }\n  }\n": typeof types.RevokeMemberAccessDocument,
    "\n  mutation RemoveMemberFromOrganization($input: RemoveFromOrganizationInput!) {\n    removeFromOrganization(input: $input)\n  }\n": typeof types.RemoveMemberFromOrganizationDocument,
    "\n  query ReassignCandidates($accountId: ID!, $search: String) {\n    account(id: $accountId) {\n      id\n      members(filter: { search: $search }, first: 50) {\n        edges {\n          node {\n            id\n            role\n            user {\n              id\n              displayName\n              email\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.ReassignCandidatesDocument,
    "\n  query MyProfile {\n    me {\n      id\n      email\n      communicationEmail\n      emailVerified\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      avatarUrl\n      notificationPreferences {\n        desktopNotifications\n        browserBadges\n        sounds\n      }\n    }\n  }\n": typeof types.MyProfileDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      communicationEmail\n      avatarUrl\n    }\n  }\n": typeof types.UpdateProfileDocument,
    "\n  mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n    updateNotificationPreferences(input: $input) {\n      desktopNotifications\n      browserBadges\n      sounds\n    }\n  }\n": typeof types.UpdateNotificationPreferencesDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n": typeof types.ChangePasswordDocument,
    "\n  mutation RequestEmailChange($input: RequestEmailChangeInput!) {\n    requestEmailChange(input: $input)\n  }\n": typeof types.RequestEmailChangeDocument,
    "\n  mutation RequestEmailVerification {\n    requestEmailVerification\n  }\n": typeof types.RequestEmailVerificationDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      email\n      organizationName\n      accountNames\n      invitedByName\n      expiresAt\n      status\n      existingUser\n    }\n  }\n": typeof types.InvitationPreviewDocument,
    "\n  query LinkViewer {\n    me {\n      id\n      email\n    }\n  }\n": typeof types.LinkViewerDocument,
    "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      user {\n        id\n        preferredLanguage\n        organizations {\n          id\n          name\n          accounts {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      token\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation RequestPasswordResetFromLink($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": typeof types.RequestPasswordResetFromLinkDocument,
    "\n  mutation ConfirmEmailChange($token: String!) {\n    confirmEmailChange(token: $token) {\n      id\n      email\n    }\n  }\n": typeof types.ConfirmEmailChangeDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      id\n      email\n      emailVerified\n      communicationEmail\n    }\n  }\n": typeof types.VerifyEmailDocument,
    "\n  subscription PresenceChanged($accountId: ID!) {\n    presenceChanged(accountId: $accountId) {\n      user {\n        id\n      }\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      at\n    }\n  }\n": typeof types.PresenceChangedDocument,
    "\n  fragment PresenceOfUser on User {\n    presence {\n      status\n      lastActiveAt\n      connectedDevices\n    }\n  }\n": typeof types.PresenceOfUserFragmentDoc,
    "\n  query Viewer {\n    me {\n      id\n      email\n      firstName\n      lastName\n      displayName\n      avatarUrl\n      preferredLanguage\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      organizations {\n        id\n        name\n        rootAccount {\n          id\n        }\n        accounts {\n          id\n          name\n          parent {\n            id\n          }\n          viewerMembership {\n            id\n            role\n            permissions\n            inherited\n            restrictions {\n              assignedContactsOnly\n              dataExportBlocked\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.ViewerDocument,
};
const documents: Documents = {
    "\n  mutation ReportActivity($activity: PresenceActivity!) {\n    setPresence(input: { activity: $activity }) {\n      status\n    }\n  }\n": types.ReportActivityDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  query AuditLog($orgId: ID!, $filter: AuditFilter, $first: Int, $after: String, $withCount: Boolean!) {\n    organization(id: $orgId) {\n      id\n      auditLog(filter: $filter, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            action\n            actor {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetUser {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetEmail\n            account {\n              id\n              name\n            }\n            details\n            ipAddress\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.AuditLogDocument,
    "\n  query AuditPeople($orgId: ID!, $search: String) {\n    organization(id: $orgId) {\n      id\n      members(search: $search, first: 8) {\n        edges {\n          node {\n            id\n            displayName\n            email\n          }\n        }\n      }\n    }\n  }\n": types.AuditPeopleDocument,
    "\n  mutation DeleteMyAccount($password: String!) {\n    deleteMyAccount(password: $password)\n  }\n": types.DeleteMyAccountDocument,
    "\n  query MySessions {\n    me {\n      id\n      sessions {\n        id\n        deviceName\n        userAgent\n        ipAddress\n        createdAt\n        lastSeenAt\n        current\n        connected\n      }\n    }\n  }\n": types.MySessionsDocument,
    "\n  subscription SessionsChanged {\n    sessionsChanged {\n      kind\n      at\n      session {\n        id\n        connected\n        lastSeenAt\n      }\n    }\n  }\n": types.SessionsChangedDocument,
    "\n  fragment SessionState on Session {\n    connected\n    lastSeenAt\n  }\n": types.SessionStateFragmentDoc,
    "\n  mutation SignOutSession($id: ID!) {\n    signOutSession(id: $id) {\n      id\n    }\n  }\n": types.SignOutSessionDocument,
    "\n  mutation SignOutOtherSessions {\n    signOutOtherSessions\n  }\n": types.SignOutOtherSessionsDocument,
    "\n  query Directory($accountId: ID!, $filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String, $withCount: Boolean!) {\n    account(id: $accountId) {\n      id\n      name\n      membersCsvUrl\n      members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            role\n            inherited\n            suspended\n            user {\n              id\n              displayName\n              email\n              avatarUrl\n              presence {\n                status\n                lastActiveAt\n                connectedDevices\n              }\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.DirectoryDocument,
    "\n  query PendingInvitations($accountId: ID!) {\n    account(id: $accountId) {\n      id\n      invitations(status: [PENDING], first: 20) {\n        totalCount\n        edges {\n          node {\n            id\n            email\n            role\n            expiresAt\n          }\n        }\n      }\n    }\n  }\n": types.PendingInvitationsDocument,
    "\n  fragment InvitationFields on Invitation {\n    id\n    email\n    firstName\n    lastName\n    preferredLanguage\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    accounts {\n      id\n      name\n    }\n    status\n    invitedBy {\n      id\n      displayName\n    }\n    createdAt\n    expiresAt\n    lastSentAt\n    sendCount\n  }\n": types.InvitationFieldsFragmentDoc,
    "\n  query Invitations($accountId: ID!, $status: [InvitationStatus!], $search: String, $first: Int, $after: String) {\n    account(id: $accountId) {\n      id\n      invitations(status: $status, search: $search, first: $first, after: $after) {\n        totalCount\n        edges {\n          cursor\n          node {\n            ...InvitationFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.InvitationsDocument,
    "\n  mutation ResendInvitation($id: ID!) {\n    resendInvitation(id: $id) {\n      ...InvitationFields\n    }\n  }\n": types.ResendInvitationDocument,
    "\n  mutation UpdateInvitation($input: UpdateInvitationInput!) {\n    updateInvitation(input: $input) {\n      ...InvitationFields\n    }\n  }\n": types.UpdateInvitationDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n": types.RevokeInvitationDocument,
    "\n  query GrantOptions($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n      accounts {\n        id\n        viewerMembership {\n          id\n          products {\n            key\n          }\n        }\n      }\n    }\n  }\n": types.GrantOptionsDocument,
    "\n  mutation InviteUsers($input: InviteUsersInput!) {\n    inviteUsers(input: $input) {\n      results {\n        email\n        outcome\n        invitation {\n          id\n          expiresAt\n        }\n      }\n    }\n  }\n": types.InviteUsersDocument,
    "\n  mutation LeaveOrganization($organizationId: ID!) {\n    leaveOrganization(organizationId: $organizationId)\n  }\n": types.LeaveOrganizationDocument,
    "\n  query Member($userId: ID!, $orgId: ID!) {\n    node(id: $userId) {\n      __typename\n      id\n      ... on User {\n        email\n        firstName\n        lastName\n        displayName\n        phone\n        avatarUrl\n        emailVerified\n        createdAt\n        presence {\n          status\n          lastActiveAt\n          connectedDevices\n        }\n        memberships {\n          ...MemberAccess\n        }\n      }\n    }\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n    }\n  }\n": types.MemberDocument,
    "\n  fragment MemberAccess on Membership {\n    id\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    inherited\n    createdAt\n    suspended\n    suspendedAt\n    account {\n      id\n      name\n      organization {\n        id\n      }\n    }\n    invitedBy {\n      id\n      displayName\n    }\n  }\n": types.MemberAccessFragmentDoc,
    "\n  mutation UpdateMemberAccess($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      ...MemberAccess\n    }\n  }\n": types.UpdateMemberAccessDocument,
    "\n  mutation UpdateMemberProfile($input: UpdateMemberProfileInput!) {\n    updateMemberProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n    }\n  }\n": types.UpdateMemberProfileDocument,
    "\n  mutation SendMemberPasswordReset($userId: ID!) {\n    sendPasswordReset(userId: $userId)\n  }\n": types.SendMemberPasswordResetDocument,
    "\n  mutation SignOutMember($userId: ID!) {\n    signOutMember(userId: $userId)\n  }\n": types.SignOutMemberDocument,
    "\n  mutation SuspendMember($orgId: ID!, $userId: ID!) {\n    suspendMember(organizationId: $orgId, userId: $userId)\n  }\n": types.SuspendMemberDocument,
    "\n  mutation ReactivateMember($orgId: ID!, $userId: ID!) {\n    reactivateMember(organizationId: $orgId, userId: $userId)\n  }\n": types.ReactivateMemberDocument,
    "\n  mutation RevokeMemberAccess($input: RevokeAccessInput!) {\n    revokeAccess(input: $input) {\n      membership {\n        id\n      }\n      reassignedContacts\n    }\n  }\n": types.RevokeMemberAccessDocument,
    "\n  mutation RemoveMemberFromOrganization($input: RemoveFromOrganizationInput!) {\n    removeFromOrganization(input: $input)\n  }\n": types.RemoveMemberFromOrganizationDocument,
    "\n  query ReassignCandidates($accountId: ID!, $search: String) {\n    account(id: $accountId) {\n      id\n      members(filter: { search: $search }, first: 50) {\n        edges {\n          node {\n            id\n            role\n            user {\n              id\n              displayName\n              email\n            }\n          }\n        }\n      }\n    }\n  }\n": types.ReassignCandidatesDocument,
    "\n  query MyProfile {\n    me {\n      id\n      email\n      communicationEmail\n      emailVerified\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      avatarUrl\n      notificationPreferences {\n        desktopNotifications\n        browserBadges\n        sounds\n      }\n    }\n  }\n": types.MyProfileDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      communicationEmail\n      avatarUrl\n    }\n  }\n": types.UpdateProfileDocument,
    "\n  mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n    updateNotificationPreferences(input: $input) {\n      desktopNotifications\n      browserBadges\n      sounds\n    }\n  }\n": types.UpdateNotificationPreferencesDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n": types.ChangePasswordDocument,
    "\n  mutation RequestEmailChange($input: RequestEmailChangeInput!) {\n    requestEmailChange(input: $input)\n  }\n": types.RequestEmailChangeDocument,
    "\n  mutation RequestEmailVerification {\n    requestEmailVerification\n  }\n": types.RequestEmailVerificationDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n    }\n  }\n": types.SignInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": types.RequestPasswordResetDocument,
    "\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      email\n      organizationName\n      accountNames\n      invitedByName\n      expiresAt\n      status\n      existingUser\n    }\n  }\n": types.InvitationPreviewDocument,
    "\n  query LinkViewer {\n    me {\n      id\n      email\n    }\n  }\n": types.LinkViewerDocument,
    "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      user {\n        id\n        preferredLanguage\n        organizations {\n          id\n          name\n          accounts {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      token\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation RequestPasswordResetFromLink($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": types.RequestPasswordResetFromLinkDocument,
    "\n  mutation ConfirmEmailChange($token: String!) {\n    confirmEmailChange(token: $token) {\n      id\n      email\n    }\n  }\n": types.ConfirmEmailChangeDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      id\n      email\n      emailVerified\n      communicationEmail\n    }\n  }\n": types.VerifyEmailDocument,
    "\n  subscription PresenceChanged($accountId: ID!) {\n    presenceChanged(accountId: $accountId) {\n      user {\n        id\n      }\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      at\n    }\n  }\n": types.PresenceChangedDocument,
    "\n  fragment PresenceOfUser on User {\n    presence {\n      status\n      lastActiveAt\n      connectedDevices\n    }\n  }\n": types.PresenceOfUserFragmentDoc,
    "\n  query Viewer {\n    me {\n      id\n      email\n      firstName\n      lastName\n      displayName\n      avatarUrl\n      preferredLanguage\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      organizations {\n        id\n        name\n        rootAccount {\n          id\n        }\n        accounts {\n          id\n          name\n          parent {\n            id\n          }\n          viewerMembership {\n            id\n            role\n            permissions\n            inherited\n            restrictions {\n              assignedContactsOnly\n              dataExportBlocked\n            }\n          }\n        }\n      }\n    }\n  }\n": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportActivity($activity: PresenceActivity!) {\n    setPresence(input: { activity: $activity }) {\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation ReportActivity($activity: PresenceActivity!) {\n    setPresence(input: { activity: $activity }) {\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog($orgId: ID!, $filter: AuditFilter, $first: Int, $after: String, $withCount: Boolean!) {\n    organization(id: $orgId) {\n      id\n      auditLog(filter: $filter, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            action\n            actor {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetUser {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetEmail\n            account {\n              id\n              name\n            }\n            details\n            ipAddress\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditLog($orgId: ID!, $filter: AuditFilter, $first: Int, $after: String, $withCount: Boolean!) {\n    organization(id: $orgId) {\n      id\n      auditLog(filter: $filter, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            action\n            actor {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetUser {\n              id\n              displayName\n              email\n              deleted\n            }\n            targetEmail\n            account {\n              id\n              name\n            }\n            details\n            ipAddress\n            createdAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditPeople($orgId: ID!, $search: String) {\n    organization(id: $orgId) {\n      id\n      members(search: $search, first: 8) {\n        edges {\n          node {\n            id\n            displayName\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditPeople($orgId: ID!, $search: String) {\n    organization(id: $orgId) {\n      id\n      members(search: $search, first: 8) {\n        edges {\n          node {\n            id\n            displayName\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMyAccount($password: String!) {\n    deleteMyAccount(password: $password)\n  }\n"): (typeof documents)["\n  mutation DeleteMyAccount($password: String!) {\n    deleteMyAccount(password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySessions {\n    me {\n      id\n      sessions {\n        id\n        deviceName\n        userAgent\n        ipAddress\n        createdAt\n        lastSeenAt\n        current\n        connected\n      }\n    }\n  }\n"): (typeof documents)["\n  query MySessions {\n    me {\n      id\n      sessions {\n        id\n        deviceName\n        userAgent\n        ipAddress\n        createdAt\n        lastSeenAt\n        current\n        connected\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SessionsChanged {\n    sessionsChanged {\n      kind\n      at\n      session {\n        id\n        connected\n        lastSeenAt\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription SessionsChanged {\n    sessionsChanged {\n      kind\n      at\n      session {\n        id\n        connected\n        lastSeenAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionState on Session {\n    connected\n    lastSeenAt\n  }\n"): (typeof documents)["\n  fragment SessionState on Session {\n    connected\n    lastSeenAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutSession($id: ID!) {\n    signOutSession(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SignOutSession($id: ID!) {\n    signOutSession(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutOtherSessions {\n    signOutOtherSessions\n  }\n"): (typeof documents)["\n  mutation SignOutOtherSessions {\n    signOutOtherSessions\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Directory($accountId: ID!, $filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String, $withCount: Boolean!) {\n    account(id: $accountId) {\n      id\n      name\n      membersCsvUrl\n      members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            role\n            inherited\n            suspended\n            user {\n              id\n              displayName\n              email\n              avatarUrl\n              presence {\n                status\n                lastActiveAt\n                connectedDevices\n              }\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Directory($accountId: ID!, $filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String, $withCount: Boolean!) {\n    account(id: $accountId) {\n      id\n      name\n      membersCsvUrl\n      members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n        totalCount @include(if: $withCount)\n        edges {\n          cursor\n          node {\n            id\n            role\n            inherited\n            suspended\n            user {\n              id\n              displayName\n              email\n              avatarUrl\n              presence {\n                status\n                lastActiveAt\n                connectedDevices\n              }\n            }\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PendingInvitations($accountId: ID!) {\n    account(id: $accountId) {\n      id\n      invitations(status: [PENDING], first: 20) {\n        totalCount\n        edges {\n          node {\n            id\n            email\n            role\n            expiresAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PendingInvitations($accountId: ID!) {\n    account(id: $accountId) {\n      id\n      invitations(status: [PENDING], first: 20) {\n        totalCount\n        edges {\n          node {\n            id\n            email\n            role\n            expiresAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment InvitationFields on Invitation {\n    id\n    email\n    firstName\n    lastName\n    preferredLanguage\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    accounts {\n      id\n      name\n    }\n    status\n    invitedBy {\n      id\n      displayName\n    }\n    createdAt\n    expiresAt\n    lastSentAt\n    sendCount\n  }\n"): (typeof documents)["\n  fragment InvitationFields on Invitation {\n    id\n    email\n    firstName\n    lastName\n    preferredLanguage\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    accounts {\n      id\n      name\n    }\n    status\n    invitedBy {\n      id\n      displayName\n    }\n    createdAt\n    expiresAt\n    lastSentAt\n    sendCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Invitations($accountId: ID!, $status: [InvitationStatus!], $search: String, $first: Int, $after: String) {\n    account(id: $accountId) {\n      id\n      invitations(status: $status, search: $search, first: $first, after: $after) {\n        totalCount\n        edges {\n          cursor\n          node {\n            ...InvitationFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Invitations($accountId: ID!, $status: [InvitationStatus!], $search: String, $first: Int, $after: String) {\n    account(id: $accountId) {\n      id\n      invitations(status: $status, search: $search, first: $first, after: $after) {\n        totalCount\n        edges {\n          cursor\n          node {\n            ...InvitationFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResendInvitation($id: ID!) {\n    resendInvitation(id: $id) {\n      ...InvitationFields\n    }\n  }\n"): (typeof documents)["\n  mutation ResendInvitation($id: ID!) {\n    resendInvitation(id: $id) {\n      ...InvitationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateInvitation($input: UpdateInvitationInput!) {\n    updateInvitation(input: $input) {\n      ...InvitationFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateInvitation($input: UpdateInvitationInput!) {\n    updateInvitation(input: $input) {\n      ...InvitationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GrantOptions($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n      accounts {\n        id\n        viewerMembership {\n          id\n          products {\n            key\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query GrantOptions($orgId: ID!) {\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n      accounts {\n        id\n        viewerMembership {\n          id\n          products {\n            key\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteUsers($input: InviteUsersInput!) {\n    inviteUsers(input: $input) {\n      results {\n        email\n        outcome\n        invitation {\n          id\n          expiresAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteUsers($input: InviteUsersInput!) {\n    inviteUsers(input: $input) {\n      results {\n        email\n        outcome\n        invitation {\n          id\n          expiresAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LeaveOrganization($organizationId: ID!) {\n    leaveOrganization(organizationId: $organizationId)\n  }\n"): (typeof documents)["\n  mutation LeaveOrganization($organizationId: ID!) {\n    leaveOrganization(organizationId: $organizationId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Member($userId: ID!, $orgId: ID!) {\n    node(id: $userId) {\n      __typename\n      id\n      ... on User {\n        email\n        firstName\n        lastName\n        displayName\n        phone\n        avatarUrl\n        emailVerified\n        createdAt\n        presence {\n          status\n          lastActiveAt\n          connectedDevices\n        }\n        memberships {\n          ...MemberAccess\n        }\n      }\n    }\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Member($userId: ID!, $orgId: ID!) {\n    node(id: $userId) {\n      __typename\n      id\n      ... on User {\n        email\n        firstName\n        lastName\n        displayName\n        phone\n        avatarUrl\n        emailVerified\n        createdAt\n        presence {\n          status\n          lastActiveAt\n          connectedDevices\n        }\n        memberships {\n          ...MemberAccess\n        }\n      }\n    }\n    organization(id: $orgId) {\n      id\n      enabledProducts {\n        key\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MemberAccess on Membership {\n    id\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    inherited\n    createdAt\n    suspended\n    suspendedAt\n    account {\n      id\n      name\n      organization {\n        id\n      }\n    }\n    invitedBy {\n      id\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment MemberAccess on Membership {\n    id\n    role\n    permissions\n    products {\n      key\n      name\n    }\n    restrictions {\n      assignedContactsOnly\n      dataExportBlocked\n    }\n    inherited\n    createdAt\n    suspended\n    suspendedAt\n    account {\n      id\n      name\n      organization {\n        id\n      }\n    }\n    invitedBy {\n      id\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMemberAccess($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      ...MemberAccess\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMemberAccess($input: UpdateMemberInput!) {\n    updateMember(input: $input) {\n      ...MemberAccess\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMemberProfile($input: UpdateMemberProfileInput!) {\n    updateMemberProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMemberProfile($input: UpdateMemberProfileInput!) {\n    updateMemberProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMemberPasswordReset($userId: ID!) {\n    sendPasswordReset(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation SendMemberPasswordReset($userId: ID!) {\n    sendPasswordReset(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutMember($userId: ID!) {\n    signOutMember(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation SignOutMember($userId: ID!) {\n    signOutMember(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SuspendMember($orgId: ID!, $userId: ID!) {\n    suspendMember(organizationId: $orgId, userId: $userId)\n  }\n"): (typeof documents)["\n  mutation SuspendMember($orgId: ID!, $userId: ID!) {\n    suspendMember(organizationId: $orgId, userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReactivateMember($orgId: ID!, $userId: ID!) {\n    reactivateMember(organizationId: $orgId, userId: $userId)\n  }\n"): (typeof documents)["\n  mutation ReactivateMember($orgId: ID!, $userId: ID!) {\n    reactivateMember(organizationId: $orgId, userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeMemberAccess($input: RevokeAccessInput!) {\n    revokeAccess(input: $input) {\n      membership {\n        id\n      }\n      reassignedContacts\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeMemberAccess($input: RevokeAccessInput!) {\n    revokeAccess(input: $input) {\n      membership {\n        id\n      }\n      reassignedContacts\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMemberFromOrganization($input: RemoveFromOrganizationInput!) {\n    removeFromOrganization(input: $input)\n  }\n"): (typeof documents)["\n  mutation RemoveMemberFromOrganization($input: RemoveFromOrganizationInput!) {\n    removeFromOrganization(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReassignCandidates($accountId: ID!, $search: String) {\n    account(id: $accountId) {\n      id\n      members(filter: { search: $search }, first: 50) {\n        edges {\n          node {\n            id\n            role\n            user {\n              id\n              displayName\n              email\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ReassignCandidates($accountId: ID!, $search: String) {\n    account(id: $accountId) {\n      id\n      members(filter: { search: $search }, first: 50) {\n        edges {\n          node {\n            id\n            role\n            user {\n              id\n              displayName\n              email\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyProfile {\n    me {\n      id\n      email\n      communicationEmail\n      emailVerified\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      avatarUrl\n      notificationPreferences {\n        desktopNotifications\n        browserBadges\n        sounds\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyProfile {\n    me {\n      id\n      email\n      communicationEmail\n      emailVerified\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      avatarUrl\n      notificationPreferences {\n        desktopNotifications\n        browserBadges\n        sounds\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      communicationEmail\n      avatarUrl\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      firstName\n      lastName\n      displayName\n      phone\n      defaultSendingCountry\n      preferredLanguage\n      communicationEmail\n      avatarUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n    updateNotificationPreferences(input: $input) {\n      desktopNotifications\n      browserBadges\n      sounds\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n    updateNotificationPreferences(input: $input) {\n      desktopNotifications\n      browserBadges\n      sounds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n"): (typeof documents)["\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestEmailChange($input: RequestEmailChangeInput!) {\n    requestEmailChange(input: $input)\n  }\n"): (typeof documents)["\n  mutation RequestEmailChange($input: RequestEmailChangeInput!) {\n    requestEmailChange(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestEmailVerification {\n    requestEmailVerification\n  }\n"): (typeof documents)["\n  mutation RequestEmailVerification {\n    requestEmailVerification\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      token\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      email\n      organizationName\n      accountNames\n      invitedByName\n      expiresAt\n      status\n      existingUser\n    }\n  }\n"): (typeof documents)["\n  query InvitationPreview($token: String!) {\n    invitationPreview(token: $token) {\n      email\n      organizationName\n      accountNames\n      invitedByName\n      expiresAt\n      status\n      existingUser\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LinkViewer {\n    me {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  query LinkViewer {\n    me {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      user {\n        id\n        preferredLanguage\n        organizations {\n          id\n          name\n          accounts {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($input: AcceptInvitationInput!) {\n    acceptInvitation(input: $input) {\n      token\n      user {\n        id\n        preferredLanguage\n        organizations {\n          id\n          name\n          accounts {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      token\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      token\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordResetFromLink($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"): (typeof documents)["\n  mutation RequestPasswordResetFromLink($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmEmailChange($token: String!) {\n    confirmEmailChange(token: $token) {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmEmailChange($token: String!) {\n    confirmEmailChange(token: $token) {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      id\n      email\n      emailVerified\n      communicationEmail\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token) {\n      id\n      email\n      emailVerified\n      communicationEmail\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PresenceChanged($accountId: ID!) {\n    presenceChanged(accountId: $accountId) {\n      user {\n        id\n      }\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription PresenceChanged($accountId: ID!) {\n    presenceChanged(accountId: $accountId) {\n      user {\n        id\n      }\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PresenceOfUser on User {\n    presence {\n      status\n      lastActiveAt\n      connectedDevices\n    }\n  }\n"): (typeof documents)["\n  fragment PresenceOfUser on User {\n    presence {\n      status\n      lastActiveAt\n      connectedDevices\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    me {\n      id\n      email\n      firstName\n      lastName\n      displayName\n      avatarUrl\n      preferredLanguage\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      organizations {\n        id\n        name\n        rootAccount {\n          id\n        }\n        accounts {\n          id\n          name\n          parent {\n            id\n          }\n          viewerMembership {\n            id\n            role\n            permissions\n            inherited\n            restrictions {\n              assignedContactsOnly\n              dataExportBlocked\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    me {\n      id\n      email\n      firstName\n      lastName\n      displayName\n      avatarUrl\n      preferredLanguage\n      presence {\n        status\n        lastActiveAt\n        connectedDevices\n      }\n      organizations {\n        id\n        name\n        rootAccount {\n          id\n        }\n        accounts {\n          id\n          name\n          parent {\n            id\n          }\n          viewerMembership {\n            id\n            role\n            permissions\n            inherited\n            restrictions {\n              assignedContactsOnly\n              dataExportBlocked\n            }\n          }\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;