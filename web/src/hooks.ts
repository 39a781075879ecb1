// Data loading for screens: GET a path, expose data / error / loading, and poll while the data says so.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, toApiError, type ApiError } from './api';

export const POLL_INTERVAL_MS = 2000;

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** True while the data asks for polling (a job is running). */
  polling: boolean;
  reload(): void;
}

export interface UseApiOptions<T> {
  /** Poll every POLL_INTERVAL_MS while this returns true for the latest data. */
  pollWhile?: (data: T) => boolean;
}

export function useApi<T>(path: string, options: UseApiOptions<T> = {}): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [polling, setPolling] = useState(false);
  const [generation, setGeneration] = useState(0);
  const pollWhile = useRef(options.pollWhile);
  pollWhile.current = options.pollWhile;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let keepPolling = false;
    let failed = false;

    const load = async () => {
      setLoading(true);
      failed = false;
      try {
        const next = await api.get<T>(path, controller.signal);
        if (controller.signal.aborted) return;
        setData(next);
        setError(undefined);
        keepPolling = pollWhile.current?.(next) ?? false;
      } catch (err) {
        if (controller.signal.aborted) return;
        failed = true;
        setError(toApiError(err));
        // A failed poll is retried more slowly (keepPolling keeps its last value); a failed first load waits for
        // the user's retry.
      } finally {
        if (!controller.signal.aborted) {
          setLoading(false);
          setPolling(keepPolling);
          if (keepPolling) timer = setTimeout(load, failed ? POLL_INTERVAL_MS * 2 : POLL_INTERVAL_MS);
        }
      }
    };
    void load();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, polling, reload };
}
