// Sightings of the case's subscriber in the case's window: what their connection reached on the threat lists around
// the time the reports came in (the server decides the window and says it).
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseSightings as Page } from '../api-types/cases';
import { withQuery } from '../case-api';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { useKeysetCursors } from '../keyset-cursors';
import { ErrorMessage } from './ErrorMessage';
import { KeysetPager } from './KeysetPager';
import { SightingsTable } from './SightingsTable';

const PAGE_SIZE = 20;

export function CaseSightings({ caseId, generation }: { caseId: number; generation: number }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const cursors = useKeysetCursors();
  const { before } = cursors;
  const page = useApi<Page>(withQuery(`/api/abuse/cases/${caseId}/sightings`, { limit: PAGE_SIZE, before }));
  const { reload } = page;
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const sightings = page.error ? [] : (page.data?.sightings ?? []);
  const window = page.data?.window;

  return (
    <section className="section" data-testid="case-sightings">
      <div className="section-header">
        <h2>{t('casePage.sightings.title')}</h2>
      </div>
      {window && (
        <p className="muted small">
          {window.to
            ? t('casePage.sightings.window', { from: fmt.dateTime(window.from), to: fmt.dateTime(window.to) })
            : t('casePage.sightings.windowOpen', { from: fmt.dateTime(window.from) })}
        </p>
      )}
      {page.error && <ErrorMessage error={page.error} onRetry={page.reload} />}
      {page.data && sightings.length === 0 && <p className="muted">{t('casePage.sightings.none')}</p>}
      {sightings.length > 0 && (
        <>
          {(cursors.paging || page.data?.next != null) && <KeysetPager {...cursors.pagerProps(page)} />}
          <SightingsTable sightings={sightings} loading={page.loading} />
        </>
      )}
    </section>
  );
}
