// Where the console keeps the bearer token of its session, and small
// settings of this browser. localStorage: the token outlives a reload and is
// shared by the tabs of one browser profile, as a person expects of a
// signed-in app; it is sent only as an Authorization header and in the
// websocket's connection_init, never in a URL or a cookie.
const TOKEN_KEY = 'rollcall.token';
const LANG_KEY = 'rollcall.lang';
const IDLE_KEY = 'rollcall.idleAfterMs';

export function loadToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode without storage: the session lasts as long as the tab.
  }
}

export function loadLanguage(): string | null {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}

export function storeLanguage(lang: string): void {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // ignored, as above
  }
}

// Two minutes without a key, a click or a pointer move, or the tab hidden,
// and this device reports IDLE. A browser can shorten it for a demo or a
// test (localStorage rollcall.idleAfterMs, at least one second).
export function idleAfterMs(): number {
  try {
    const v = Number(localStorage.getItem(IDLE_KEY));
    if (Number.isFinite(v) && v >= 1000) return v;
  } catch {
    // default below
  }
  return 120_000;
}
