// Small shared pieces: avatar with its presence dot, error text, the
// confirmation dialog, a labelled field.
import { useEffect, useId, useRef, type ReactNode, type SelectHTMLAttributes } from 'react';

import type { PresenceStatus } from '../gql/graphql';
import { LANGUAGES, relativeTime, useLanguage, useT, type Language } from '../i18n';
import { common } from '../i18n/common';
import { apiError } from '../errors';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

// hue gives each person a stable colour for their initials.
function hue(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 360;
  return h;
}

export function Avatar({ name, url, status, size = 40 }: { name: string; url?: string | null; status?: PresenceStatus | null; size?: number }) {
  const t = useT(common);
  return (
    <span className="avatar" style={{ width: size, height: size }}>
      {url && /^https:\/\//.test(url) ? (
        <img src={url} alt="" width={size} height={size} referrerPolicy="no-referrer" />
      ) : (
        <span className="avatar-initials" style={{ background: `hsl(${hue(name)} 55% 42%)`, fontSize: size * 0.38 }} aria-hidden="true">
          {initials(name)}
        </span>
      )}
      {status && (
        <span className={`dot dot-${status.toLowerCase()}`} role="img" aria-label={t(`presence.${status}`)} title={t(`presence.${status}`)} data-presence={status} />
      )}
    </span>
  );
}

// LastActive: "Active now" while ONLINE; "Away · last active …" while
// AWAY; else when last active, or never. bare gives only the time, for a
// place already labelled "Last active" that shows the status beside it.
export function LastActive({ status, at, bare }: { status?: PresenceStatus | null; at?: string | null; bare?: boolean }) {
  const t = useT(common);
  const { lang } = useLanguage();
  if (status === 'ONLINE') return <span className="muted">{t('activeNow')}</span>;
  if (!at) return <span className="muted">{status === 'AWAY' && !bare ? t('presence.AWAY') : t('never')}</span>;
  const when = relativeTime(lang, at);
  return (
    <span className="muted">
      {status === 'AWAY' && !bare && <>{t('presence.AWAY')} · </>}
      <time dateTime={at} title={new Date(at).toLocaleString(lang)}>
        {bare ? when : t('lastActive', { when })}
      </time>
    </span>
  );
}

// ErrorText shows what the API said, in the reader's language, announced
// to screen readers.
export function ErrorText({ error }: { error: unknown }) {
  const t = useT(common);
  const e = apiError(error);
  if (!e) return null;
  const key = `error.${e.code}` as Parameters<typeof t>[0];
  const known = key in common.en;
  return (
    <p className="error" role="alert" data-code={e.code}>
      {known ? t(key, { seconds: e.retryAfterSeconds ?? 60 }) : e.message}
      {e.code === 'BAD_USER_INPUT' && e.message ? <span className="error-detail"> {e.message}</span> : null}
    </p>
  );
}

// Confirm is a modal dialog (the browser's own <dialog>: focus moves into
// it, Escape cancels, the page behind is inert) asking to confirm a
// consequential action.
export function Confirm({
  open,
  title,
  children,
  confirmLabel,
  danger,
  busy,
  onConfirm,
  onCancel,
  confirmDisabled,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const t = useT(common);
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} autoFocus>
          {t('cancel')}
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy || confirmDisabled}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

// Field is a label and its control; error (the API's message for this
// field, or one of the page's own) shows under the control, tied to it by
// aria-describedby / aria-invalid through the render prop's second argument.
export function Field({
  label,
  children,
  hint,
  error,
}: {
  label: string;
  children: (id: string, a11y: { 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
  hint?: string;
  error?: FieldMessage | null;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const described = [hint ? hintId : '', error ? errId : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, { 'aria-describedby': described || undefined, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && <FieldError id={errId} error={error} />}
    </div>
  );
}

// A message about one field: the API's (a string, worded in English), or
// the page's own, already in the reader's language ({ local }).
export type FieldMessage = string | { local: string };

// FieldError shows a FieldMessage, announced. A French reader sees the API's
// English detail after the French summary.
export function FieldError({ id, error }: { id?: string; error: FieldMessage }) {
  const t = useT(common);
  const { lang } = useLanguage();
  if (typeof error !== 'string') {
    return (
      <p className="field-error" id={id} role="alert">
        {error.local}
      </p>
    );
  }
  const text = error.charAt(0).toUpperCase() + error.slice(1);
  return (
    <p className="field-error" id={id} role="alert">
      {lang === 'en' ? (
        text
      ) : (
        <>
          {t('error.BAD_USER_INPUT')}{' '}
          <span lang="en">({error})</span>
        </>
      )}
    </p>
  );
}

// LanguageSelect switches the console between English and French (this
// browser's choice; the language of mail is the profile's).
export function LanguageSelect() {
  const t = useT(common);
  const { lang, setLang } = useLanguage();
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {t('language')}
      </label>
      <select id={id} value={lang} onChange={(e) => setLang(e.target.value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </>
  );
}

// Language tags a person may prefer (the language of the mail Rollcall
// sends them): the console's two languages and their regional forms.
const LANGUAGE_TAGS = ['en', 'en-US', 'en-GB', 'fr', 'fr-FR', 'fr-CA', 'fr-BE', 'fr-CH'];

// languageName is a tag's name in its own language ("Français (Canada)").
function languageName(tag: string): string {
  try {
    const n = new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag;
    return n.charAt(0).toUpperCase() + n.slice(1);
  } catch {
    return tag;
  }
}

// PreferredLanguageSelect picks a person's or an invitation's preferred
// language, keeping a tag set elsewhere that is not offered here.
export function PreferredLanguageSelect({
  value,
  onChange,
  ...attrs
}: { id: string; value: string; onChange(v: string): void } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'>) {
  const tags = !value || LANGUAGE_TAGS.includes(value) ? LANGUAGE_TAGS : [...LANGUAGE_TAGS, value];
  return (
    <select {...attrs} value={value} onChange={(e) => onChange(e.target.value)}>
      {tags.map((tag) => (
        <option key={tag} value={tag} lang={tag}>
          {languageName(tag)}
        </option>
      ))}
    </select>
  );
}
