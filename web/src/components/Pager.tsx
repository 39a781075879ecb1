// Offset paging: "1–50 of 123" with previous / next. Test ids only on the first pager of a page (`primary`).
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';

export interface PagerProps {
  offset: number;
  limit: number;
  total: number;
  count: number;
  onChange(offset: number): void;
  primary?: boolean;
}

export function Pager(props: PagerProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const from = props.total === 0 ? 0 : props.offset + 1;
  const to = props.offset + props.count;
  const testId = (name: string) => (props.primary ? `pager-${name}` : undefined);
  return (
    <nav className="pager" aria-label={t('common.range', { from, to, total: props.total })}>
      <button
        type="button"
        className="button button-small"
        disabled={props.offset === 0}
        onClick={() => props.onChange(Math.max(0, props.offset - props.limit))}
        data-testid={testId('previous')}
      >
        {t('common.previous')}
      </button>
      <span className="pager-range" data-testid={testId('range')}>
        {t('common.range', { from: fmt.number(from), to: fmt.number(to), total: fmt.number(props.total) })}
      </span>
      <button
        type="button"
        className="button button-small"
        disabled={to >= props.total}
        onClick={() => props.onChange(props.offset + props.limit)}
        data-testid={testId('next')}
      >
        {t('common.next')}
      </button>
    </nav>
  );
}
