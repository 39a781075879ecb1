// The time zone every time is shown in: the server's default (/api/meta) until the operator picks another.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { timeZoneChoices } from '../format';

export function TimeZoneSelect(props: { value: string; serverDefault: string; onChange(zone: string): void }) {
  const { t } = useTranslation();
  const zones = useMemo(() => timeZoneChoices(props.value, props.serverDefault), [props.value, props.serverDefault]);
  return (
    <label className="field-inline">
      <span className="field-inline-label">{t('header.timezone')}</span>
      <select data-testid="timezone" value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        {zones.map((zone) => (
          <option key={zone} value={zone}>
            {zone}
          </option>
        ))}
      </select>
    </label>
  );
}
