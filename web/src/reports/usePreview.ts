// The preview of a report as the server reads it, asked again (debounced) whenever the file, the format or the
// mapping being written changes; an answer to an older question is dropped.
import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import type { PreviewRequest, ReportPreview } from '../api-types/reports';

export const PREVIEW_DELAY_MS = 350;

export interface PreviewState {
  data: ReportPreview | undefined;
  error: ApiError | undefined;
  loading: boolean;
}

export function usePreview(request: PreviewRequest | null): PreviewState {
  const [state, setState] = useState<PreviewState>({ data: undefined, error: undefined, loading: false });
  useEffect(() => {
    if (!request) {
      setState({ data: undefined, error: undefined, loading: false });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api
        .post<ReportPreview>('/api/abuse/reports/preview', request)
        .then((data) => {
          if (!cancelled) setState({ data, error: undefined, loading: false });
        })
        .catch((err: unknown) => {
          if (!cancelled) setState({ data: undefined, error: toApiError(err), loading: false });
        });
    }, PREVIEW_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [request]);
  return state;
}
