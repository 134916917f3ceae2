// PLACEHOLDER
export function AcceptInvitationPage() {
  return <p>accept</p>;
}
export function ResetPasswordPage() {
  return <p>reset</p>;
}
export function ConfirmEmailPage() {
  return <p>confirm</p>;
}
export function VerifyEmailPage() {
  return <p>verify</p>;
}
