// Paging for lists read newest first with a cursor (keyset paging): the server gives no total, only whether there is
// an older page, so the pager shows the page number with newer / older. Test ids only on the first pager (`primary`).
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';

export interface KeysetPagerProps {
  /** 1 for the newest page. */
  page: number;
  hasOlder: boolean;
  disabled?: boolean;
  onNewer(): void;
  onOlder(): void;
  primary?: boolean;
}

export function KeysetPager(props: KeysetPagerProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const testId = (name: string) => (props.primary ? `keyset-pager-${name}` : undefined);
  const label = t('common.page', { page: fmt.number(props.page) });
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="button button-small"
        disabled={props.disabled || props.page <= 1}
        onClick={props.onNewer}
        data-testid={testId('newer')}
      >
        {t('common.newer')}
      </button>
      <span className="pager-range" data-testid={testId('page')}>
        {label}
      </span>
      <button
        type="button"
        className="button button-small"
        disabled={props.disabled || !props.hasOlder}
        onClick={props.onOlder}
        data-testid={testId('older')}
      >
        {t('common.older')}
      </button>
    </nav>
  );
}
