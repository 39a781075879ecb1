// Sightings: where the network met a listed indicator, newest first, filtered and paged by cursor. Traffic data under
// the secrecy of communications: the route table shows this screen only to roles the server gives sightings.read.
// The filter is read from the address when the screen opens and kept there as it changes (sighting-location.ts).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sightingsPath } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { KeysetPager } from '../components/KeysetPager';
import { SightingFilters } from '../components/SightingFilters';
import { SightingsTable } from '../components/SightingsTable';
import type { SightingQuery } from '../api-types/sightings';
import { useApi } from '../hooks';
import { useKeysetCursors } from '../keyset-cursors';
import { keepSightingFilterInLocation, sightingFilterFromSearch } from '../sighting-location';
import type { SightingPage } from '../types';

const PAGE_SIZE = 50;

export function Sightings() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<SightingQuery>(() => sightingFilterFromSearch(window.location.search));
  // The `before` cursor of each page after the newest, so "newer" goes back exactly to the page it came from.
  const cursors = useKeysetCursors();
  const { before } = cursors;
  const page = useApi<SightingPage>(sightingsPath(filter, { limit: PAGE_SIZE, before }));
  // After a refused request (a filter the server rejects) the last page would be stale: show the error alone.
  const sightings = page.error ? [] : (page.data?.sightings ?? []);
  const filtered = Object.keys(filter).length > 0;

  const apply = (next: SightingQuery) => {
    setFilter(next);
    keepSightingFilterInLocation(next);
    cursors.reset();
  };
  const pager = (primary: boolean) => <KeysetPager {...cursors.pagerProps(page)} primary={primary} />;

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="sightings-title">{t('sightings.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={page.reload} disabled={page.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('sightings.intro')}</p>
      <SightingFilters initial={filter} onApply={apply} />
      {page.error && <ErrorMessage error={page.error} onRetry={page.reload} testId="sightings-error" />}
      {!page.data && page.loading && <p className="muted">{t('common.loading')}</p>}
      {page.data && !page.error && sightings.length === 0 && (
        <p className="empty" data-testid="sightings-empty">
          {filtered || cursors.paging ? t('sightings.empty') : t('sightings.emptyAll')}
        </p>
      )}
      {sightings.length > 0 && (
        <>
          {pager(true)}
          <SightingsTable sightings={sightings} loading={page.loading} />
          {sightings.length > 20 && pager(false)}
        </>
      )}
    </div>
  );
}
