// PLACEHOLDER: replaced by its page.
export function MemberPage() {
  return <p>Member</p>;
}
