// One block of the dashboard: a titled card with an optional link to the screen that manages what it shows.
import type { ReactNode } from 'react';
import { RoleLink } from './RoleLink';

export function Panel(props: {
  title: string;
  testId: string;
  manage?: { href: string; label: string };
  aside?: ReactNode;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <section className={props.wide ? 'dash-panel dash-panel-wide' : 'dash-panel'} data-testid={props.testId}>
      <div className="dash-panel-head">
        <h2 data-testid={`${props.testId}-title`}>{props.title}</h2>
        {props.aside}
        {props.manage && (
          <span className="section-link">
            <RoleLink href={props.manage.href}>{props.manage.label}</RoleLink>
          </span>
        )}
      </div>
      {props.children}
    </section>
  );
}
