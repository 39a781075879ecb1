// The form a CSV column mapping is written in: how the list is laid out (encoding, lines above the header,
// delimiter), which column holds which field (chosen from the list's own header, with an example cell), the time
// zone and format of its times, the class of its rows, and who sends it. The preview under it shows the result.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { MAPPING_FIELDS, type MappingDraft, type MappingField } from '../api-types/reports';
import { timeZoneChoices } from '../format';
import { classLabel, RSIT_TYPES } from '../rsit-terms';

const REQUIRED: readonly MappingField[] = ['time', 'address'];
const DELIMITERS = [
  { value: ',', key: 'comma' },
  { value: '\t', key: 'tab' },
  { value: ';', key: 'semicolon' },
] as const;
const TIME_FORMATS = ['iso', 'yyyy/MM/dd HH:mm:ss', 'yyyy/M/d H:mm', 'yyyy-MM-dd HH:mm:ss', 'yyyy/MM/dd HH:mm'];

export function emptyMappingDraft(): MappingDraft {
  return {
    name: '',
    description: '',
    encoding: 'utf-8',
    delimiter: ',',
    skip_lines: 0,
    columns: {},
    time_zone: 'Asia/Tokyo',
    time_format: 'iso',
    reporter: '',
    report_type: '',
  };
}

/** The draft as the server should read it: fields left at "none" are left out rather than sent empty. */
export function cleanMappingDraft(draft: MappingDraft): MappingDraft {
  const columns = Object.fromEntries(
    Object.entries(draft.columns ?? {}).filter(([, v]) => v !== '' && v !== undefined),
  );
  const out: MappingDraft = { ...draft, columns };
  if (out.type === '') delete out.type;
  return out;
}

interface Props {
  draft: MappingDraft;
  onChange(next: MappingDraft): void;
  /** The header row's cells and the first rows, as the server read them with the draft's layout. */
  columns: string[];
  rows: string[][];
}

export function MappingBuilder({ draft, onChange, columns, rows }: Props) {
  const { t } = useTranslation();
  const zones = useMemo(() => timeZoneChoices(draft.time_zone ?? 'Asia/Tokyo'), [draft.time_zone]);
  const set = (patch: Partial<MappingDraft>) => onChange({ ...draft, ...patch });
  const setColumn = (field: MappingField, value: string) =>
    set({ columns: { ...(draft.columns ?? {}), [field]: value } });
  const example = (index: number) => rows.find((r) => (r[index] ?? '') !== '')?.[index] ?? '';
  const typeFromColumn = typeof draft.type === 'object' ? draft.type : null;

  return (
    <div className="mapping-builder" data-testid="mapping-builder">
      <h3>{t('reports.mapping.builderTitle')}</h3>
      <p className="muted small">{t('reports.mapping.builderIntro')}</p>
      <div className="mapping-grid">
        <label className="field">
          <span>{t('reports.mapping.name')}</span>
          <input
            value={draft.name ?? ''}
            onChange={(e) => set({ name: e.target.value })}
            data-testid="mapping-name"
            maxLength={64}
          />
          <small className="muted">{t('reports.mapping.nameHint')}</small>
        </label>
        <label className="field">
          <span>{t('reports.mapping.description')}</span>
          <input
            value={draft.description ?? ''}
            onChange={(e) => set({ description: e.target.value })}
            data-testid="mapping-description"
          />
        </label>
        <label className="field">
          <span>{t('reports.mapping.encoding')}</span>
          <select
            value={draft.encoding ?? 'utf-8'}
            onChange={(e) => set({ encoding: e.target.value === 'shift_jis' ? 'shift_jis' : 'utf-8' })}
            data-testid="mapping-encoding"
          >
            <option value="utf-8">{t('reports.mapping.encodings.utf8')}</option>
            <option value="shift_jis">{t('reports.mapping.encodings.sjis')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('reports.mapping.skipLines')}</span>
          <input
            type="number"
            min={0}
            max={100}
            value={draft.skip_lines ?? 0}
            onChange={(e) => set({ skip_lines: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })}
            data-testid="mapping-skip-lines"
          />
        </label>
        <label className="field">
          <span>{t('reports.mapping.delimiter')}</span>
          <select
            value={draft.delimiter ?? ','}
            onChange={(e) => set({ delimiter: e.target.value })}
            data-testid="mapping-delimiter"
          >
            {DELIMITERS.map((d) => (
              <option key={d.key} value={d.value}>
                {t(`reports.mapping.delimiters.${d.key}`)}
              </option>
            ))}
          </select>
        </label>
      </div>

      <div className="mapping-grid">
        {MAPPING_FIELDS.map((field) => {
          const value = draft.columns?.[field];
          return (
            <label className="field" key={field}>
              <span>
                {t(`reports.mapping.fields.${field}`)}
                {REQUIRED.includes(field) && <span className="muted small"> ({t('reports.mapping.required')})</span>}
              </span>
              <select
                value={value === undefined ? '' : String(value)}
                onChange={(e) => setColumn(field, e.target.value)}
                data-testid={`mapping-column-${field}`}
              >
                <option value="">{t('reports.mapping.noColumn')}</option>
                {typeof value === 'string' && value !== '' && !columns.includes(value) && (
                  <option value={value}>{value}</option>
                )}
                {columns.map((column, index) => (
                  <option key={`${index}:${column}`} value={column}>
                    {example(index)
                      ? t('reports.mapping.columnExample', { column, example: example(index).slice(0, 40) })
                      : column}
                  </option>
                ))}
              </select>
            </label>
          );
        })}
      </div>

      <div className="mapping-grid">
        <label className="field">
          <span>{t('reports.mapping.class')}</span>
          <select
            value={typeFromColumn ? '__column__' : typeof draft.type === 'string' ? draft.type : ''}
            onChange={(e) => set({ type: e.target.value })}
            data-testid="mapping-class"
          >
            <option value="">{t('reports.mapping.choose')}</option>
            {typeFromColumn && (
              <option value="__column__" disabled>
                {t('reports.mapping.classFromColumn', { column: String(typeFromColumn.column) })}
              </option>
            )}
            {RSIT_TYPES.map((type) => (
              <option key={type} value={type}>
                {classLabel(type, t)} ({type})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('reports.mapping.timeZone')}</span>
          <select
            value={draft.time_zone ?? 'Asia/Tokyo'}
            onChange={(e) => set({ time_zone: e.target.value })}
            data-testid="mapping-time-zone"
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('reports.mapping.timeFormat')}</span>
          <input
            value={draft.time_format ?? 'iso'}
            onChange={(e) => set({ time_format: e.target.value })}
            list="mapping-time-formats"
            data-testid="mapping-time-format"
          />
          <datalist id="mapping-time-formats">
            {TIME_FORMATS.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
          <small className="muted">{t('reports.mapping.timeFormatHint')}</small>
        </label>
        <label className="field">
          <span>{t('reports.mapping.reporter')}</span>
          <input
            value={draft.reporter ?? ''}
            onChange={(e) => set({ reporter: e.target.value })}
            data-testid="mapping-reporter"
          />
          <small className="muted">{t('reports.mapping.reporterHint')}</small>
        </label>
        <label className="field">
          <span>{t('reports.mapping.reportType')}</span>
          <input
            value={draft.report_type ?? ''}
            onChange={(e) => set({ report_type: e.target.value })}
            data-testid="mapping-report-type"
          />
          <small className="muted">{t('reports.mapping.reportTypeHint')}</small>
        </label>
      </div>
    </div>
  );
}
