// PLACEHOLDER: replaced by its page.
export function ProfilePage() {
  return <p>Profile</p>;
}
