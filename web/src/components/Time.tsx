// A time in the operator's zone; the exact UTC value is in the tooltip and the datetime attribute.
import { useApp } from '../context';

export function Time({ value }: { value: string | null | undefined }) {
  const { fmt } = useApp();
  if (!value) return <span className="muted">{fmt.dateTime(null)}</span>;
  return (
    <time dateTime={value} title={value} className="nowrap">
      {fmt.dateTime(value)}
    </time>
  );
}
