// Where a list read newest first with a cursor (keyset paging) stands: the `before` of each older page opened so far,
// so "newer" goes back one page and a new filter starts again at the newest.
import { useState } from 'react';
import type { KeysetPagerProps } from './components/KeysetPager';

/** What the server answers a keyset page with: `next` is the `before` of the next older page, null on the last. */
interface KeysetPage {
  data?: { next: number | null } | undefined;
  loading: boolean;
}

export interface KeysetCursors {
  /** The `before` to ask with; undefined for the newest page. */
  before: number | undefined;
  /** Past the newest page. */
  paging: boolean;
  /** Back to the newest page. */
  reset(): void;
  /** The pager for this page of the list. */
  pagerProps(page: KeysetPage): KeysetPagerProps;
}

export function useKeysetCursors(): KeysetCursors {
  const [cursors, setCursors] = useState<number[]>([]);
  return {
    before: cursors[cursors.length - 1],
    paging: cursors.length > 0,
    reset: () => setCursors([]),
    pagerProps: (page) => ({
      page: cursors.length + 1,
      hasOlder: page.data?.next != null,
      disabled: page.loading,
      onNewer: () => setCursors((c) => c.slice(0, -1)),
      onOlder: () => {
        const next = page.data?.next;
        if (next != null) setCursors((c) => [...c, next]);
      },
    }),
  };
}
