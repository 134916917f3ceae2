// PLACEHOLDER
export function InvitePage() {
  return <p>Invite</p>;
}
export function InvitationsPage() {
  return <p>Invitations</p>;
}
