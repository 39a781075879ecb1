// A very small history-API router: the current path as React state, and navigate() to change it.
import { useSyncExternalStore } from 'react';

const NAVIGATE_EVENT = 'mizugiwa:navigate';

function subscribe(callback: () => void): () => void {
  window.addEventListener('popstate', callback);
  window.addEventListener(NAVIGATE_EVENT, callback);
  return () => {
    window.removeEventListener('popstate', callback);
    window.removeEventListener(NAVIGATE_EVENT, callback);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/**
 * How many moves there have been (links, back and forward): a screen keyed by it starts afresh from the address
 * on each, also when only the query changed (/cases from /cases?state=new). A screen keeping its own state in the
 * query with replaceState makes no move.
 */
export function useVisit(): number {
  return useSyncExternalStore(subscribe, () => visits);
}

let visits = 0;
// Registered before any screen subscribes, so the count has moved when they are told.
window.addEventListener('popstate', () => visits++);

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  // The query counts: /sightings from /sightings?client=… is a move (to the unfiltered list).
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  visits++;
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  if (!options.replace) window.scrollTo(0, 0);
}
