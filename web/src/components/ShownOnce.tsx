// A secret the server returns once (a one-time password, an API token): shown in full, selectable, until the
// administrator says they have it. Nothing keeps it after that; the server stores only a hash.
import type { ReactNode } from 'react';

export function ShownOnce(props: {
  title: string;
  text: string;
  secret: string;
  dismissLabel: string;
  onDismiss(): void;
  testId: string;
  children?: ReactNode;
}) {
  return (
    <section className="shown-once" role="status" aria-live="polite" data-testid={props.testId}>
      <h3>{props.title}</h3>
      <p>{props.text}</p>
      <output className="shown-once-secret mono" data-testid={`${props.testId}-secret`}>
        {props.secret}
      </output>
      {props.children}
      <div className="form-actions">
        <button type="button" className="button" onClick={props.onDismiss} data-testid={`${props.testId}-dismiss`}>
          {props.dismissLabel}
        </button>
      </div>
    </section>
  );
}
