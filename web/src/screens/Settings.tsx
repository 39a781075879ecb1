// Settings: one tab per thing an administrator manages, each tab its own component under settings/.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { UsersTab } from './settings/UsersTab';
import { TokensTab } from './settings/TokensTab';
import { TemplatesTab } from './settings/TemplatesTab';
import { PolicyTab } from './settings/PolicyTab';

const TABS = [
  { key: 'users', component: UsersTab },
  { key: 'tokens', component: TokensTab },
  { key: 'templates', component: TemplatesTab },
  { key: 'policy', component: PolicyTab },
] as const;
type TabKey = (typeof TABS)[number]['key'];

export function Settings() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState<TabKey>('users');
  const Tab = TABS.find((tab) => tab.key === current)!.component;
  return (
    <section>
      <h1 data-testid="settings-title">{t('settings.title')}</h1>
      <div role="tablist" className="tabs" aria-label={t('settings.title')}>
        {TABS.map((tab) => (
          <button
            key={tab.key}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab.key === current}
            data-testid={`settings-tab-${tab.key}`}
            onClick={() => setCurrent(tab.key)}
          >
            {t(`settings.tabs.${tab.key}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        <Tab />
      </div>
    </section>
  );
}
