// A change a screen sends to the server (add, revoke, release…): one at a time, the server's refusal kept to show,
// and on success a sentence saying what was done, then the screen's data reloaded.
import { useState } from 'react';
import { toApiError, type ApiError } from './api';

export interface Change {
  busy: boolean;
  error: ApiError | undefined;
  /** What the last change did, in the UI's language. */
  done: string | undefined;
  /**
   * Sends it; on success `describe` says what was done (undefined: nothing to say) and `onChanged` runs. Resolves
   * true when the server took it.
   */
  run<T>(send: () => Promise<T>, describe: (result: T) => string | undefined): Promise<boolean>;
}

export function useChange(onChanged?: () => void): Change {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<string>();

  const run = async <T>(send: () => Promise<T>, describe: (result: T) => string | undefined) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(describe(await send()));
      onChanged?.();
      return true;
    } catch (err) {
      setError(toApiError(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}
