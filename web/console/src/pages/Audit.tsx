// PLACEHOLDER: replaced by its page.
export function AuditPage() {
  return <p>Audit</p>;
}
