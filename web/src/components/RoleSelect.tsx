// A choice of one of the server's roles (src/domain/roles.ts), named in the UI's language.
import { useTranslation } from 'react-i18next';
import { ROLES } from '../role-permissions';
import type { Role } from '../types';

export function RoleSelect(props: { value: Role; onChange(role: Role): void; testId: string; label?: string }) {
  const { t } = useTranslation();
  return (
    <select
      aria-label={props.label}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value as Role)}
      data-testid={props.testId}
    >
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`roles.${r}`)}
        </option>
      ))}
    </select>
  );
}
