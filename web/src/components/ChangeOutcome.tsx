// What came of the last change a screen sent (web/src/use-change.ts): the server's refusal, or what was done.
import type { Change } from '../use-change';
import { ErrorMessage } from './ErrorMessage';

export function ChangeOutcome(props: { change: Change; errorTestId?: string; doneTestId: string }) {
  const { error, done } = props.change;
  return (
    <>
      {error && <ErrorMessage error={error} testId={props.errorTestId} />}
      {done && (
        <div className="alert alert-ok" role="status" data-testid={props.doneTestId}>
          {done}
        </div>
      )}
    </>
  );
}
