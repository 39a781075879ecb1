// Settings → Notice templates: every template (a class's section, the digest around them, generic) in both
// languages, whether it is the built-in text or an administrator's, and the editor with its live preview.
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { NoticeLocale, TemplateList, TemplateSummary } from '../../api-types/reports';
import { NOTICE_LOCALES } from '../../api-types/reports';
import { ErrorMessage } from '../../components/ErrorMessage';
import { TemplateEditor } from '../../components/TemplateEditor';
import { useApp } from '../../context';
import { useApi } from '../../hooks';
import { classLabel, isRsitType } from '../../rsit-terms';
import '../../styles/reports.css';

export function templateLabel(name: string, t: TFunction): string {
  if (name === 'digest' || name === 'generic') return t(`settings.templates.names.${name}`);
  return isRsitType(name) ? `${classLabel(name, t)} (${name})` : name;
}

function StateBadge({ item }: { item: TemplateSummary | undefined }) {
  const { t } = useTranslation();
  if (!item) return <span className="muted">{t('common.none')}</span>;
  if (item.overridden) return <span className="badge badge-info">{t('settings.templates.changed')}</span>;
  if (item.builtIn) return <span className="badge">{t('settings.templates.builtIn')}</span>;
  return <span className="badge badge-disabled">{t('settings.templates.generic')}</span>;
}

export function TemplatesTab() {
  const { t } = useTranslation();
  const { user } = useApp();
  // abuse.templates is the administrator's alone (src/domain/roles.ts); the API refuses everyone else anyway.
  const canEdit = user.role === 'admin';
  const list = useApi<TemplateList>('/api/abuse/templates');
  const [editing, setEditing] = useState<string | null>(null);

  const byName = new Map<string, Partial<Record<NoticeLocale, TemplateSummary>>>();
  for (const item of list.data?.items ?? []) byName.set(item.name, { ...byName.get(item.name), [item.locale]: item });

  return (
    <div className="templates-tab">
      <p className="muted intro">{t('settings.templates.intro')}</p>
      {!canEdit && <p className="alert alert-info">{t('settings.templates.readOnly')}</p>}
      {list.error && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {editing && (
        <TemplateEditor
          key={editing}
          name={editing}
          label={templateLabel(editing, t)}
          canEdit={canEdit}
          onChanged={list.reload}
          onClose={() => setEditing(null)}
        />
      )}
      {list.data && (
        <div className="table-wrap section">
          <table className="table" data-testid="templates-table">
            <thead>
              <tr>
                <th>{t('settings.templates.columns.name')}</th>
                {NOTICE_LOCALES.map((locale) => (
                  <th key={locale}>{t(`settings.templates.columns.${locale}`)}</th>
                ))}
                <th>{t('settings.templates.columns.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {[...byName.entries()].map(([name, locales]) => (
                <tr key={name} data-testid={`template-row-${name}`}>
                  <td>{templateLabel(name, t)}</td>
                  {NOTICE_LOCALES.map((locale) => (
                    <td key={locale} data-testid={`template-state-${name}-${locale}`}>
                      <StateBadge item={locales[locale]} />
                    </td>
                  ))}
                  <td>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => {
                        setEditing(name);
                        window.scrollTo(0, 0);
                      }}
                      data-testid={`template-edit-${name}`}
                    >
                      {t('settings.templates.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
