// Hooks the list pages share.
import { useEffect, useRef, useState, type RefObject } from 'react';

// useDebounced returns value once it has not changed for ms (type-ahead
// searches ask the API once the person pauses).
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return v;
}

interface Page {
  hasNextPage: boolean;
  endCursor?: string | null;
}

// useEndless pages a cursor connection: loadMore fetches the page after
// pageInfo (one at a time), and the element given sentinel loads it as it
// comes within 400 px of view (endless scroll). Pages show a "Load more"
// button with loadMore too, for keyboards and screen readers.
export function useEndless(
  pageInfo: Page | undefined,
  fetchAfter: (cursor: string) => Promise<unknown>,
  rows: number,
): { sentinel: RefObject<HTMLDivElement | null>; loadMore: () => Promise<void> } {
  const busy = useRef(false);
  const loadMore = async () => {
    if (!pageInfo?.hasNextPage || !pageInfo.endCursor || busy.current) return;
    busy.current = true;
    try {
      await fetchAfter(pageInfo.endCursor);
    } finally {
      busy.current = false;
    }
  };
  const sentinel = useRef<HTMLDivElement>(null);
  const latest = useRef(loadMore);
  latest.current = loadMore;
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void latest.current(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [rows]);
  return { sentinel, loadMore };
}
