import { CombinedGraphQLErrors } from '@apollo/client/errors';

// What the API says went wrong: the first error's extensions.code and
// message, the field it names, and when to retry.
export interface ApiError {
  code: string;
  message: string;
  field?: string;
  retryAfterSeconds?: number;
}

export function apiError(err: unknown): ApiError | null {
  if (!err) return null;
  if (CombinedGraphQLErrors.is(err)) {
    const first = err.errors[0];
    const ext = (first?.extensions ?? {}) as Record<string, unknown>;
    return {
      code: typeof ext.code === 'string' ? ext.code : 'INTERNAL',
      message: first?.message ?? String(err),
      field: typeof ext.field === 'string' ? ext.field : undefined,
      retryAfterSeconds: typeof ext.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : undefined,
    };
  }
  return { code: 'UNAVAILABLE', message: err instanceof Error ? err.message : String(err) };
}

// fieldError: the API's message for one input field (BAD_USER_INPUT or
// CONFLICT naming it in extensions.field), shown beside that field.
export function fieldError(err: unknown, field: string): string | null {
  const e = apiError(err);
  if (!e || e.field !== field) return null;
  return e.code === 'BAD_USER_INPUT' || e.code === 'CONFLICT' ? e.message : null;
}

// formError: err unless it is about one of fields, which show it themselves.
export function formError(err: unknown, fields: readonly string[]): unknown {
  const e = apiError(err);
  if (e && e.field && fields.includes(e.field) && (e.code === 'BAD_USER_INPUT' || e.code === 'CONFLICT')) return null;
  return err;
}
