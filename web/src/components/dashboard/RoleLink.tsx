// A link to another screen when the signed-in role may open it, else the same content as plain text: a viewer's
// dashboard shows counts of cases without sending them to a screen that would turn them back.
import type { ReactNode } from 'react';
import { useApp } from '../../context';
import { allowed, findRoute } from '../../routes';
import { Link } from '../Link';

export function RoleLink({ href, children, testId }: { href: string; children: ReactNode; testId?: string }) {
  const { user } = useApp();
  const found = findRoute(href.split('?')[0] ?? href);
  if (!found || !allowed(found.route, user.role)) return <span data-testid={testId}>{children}</span>;
  return (
    <Link href={href} data-testid={testId}>
      {children}
    </Link>
  );
}
