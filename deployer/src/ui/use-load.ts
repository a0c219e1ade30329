/** Loads data for a screen: { data } or { error }, reloadable; stale answers are dropped. */
import { useCallback, useEffect, useState } from "react";

export type Loaded<T> = { data?: T; error?: unknown; loading: boolean };

export function useLoad<T>(load: () => Promise<T>, everyMs?: number): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T>>({ loading: true });
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    let live = true;
    let timer: NodeJS.Timeout | undefined;
    // The next refresh is counted from this one's answer: a slow server is never asked twice at once.
    const again = () => {
      if (live && everyMs) timer = setTimeout(reload, everyMs);
    };
    setState((s) => ({ ...s, loading: true }));
    load()
      .then(
        (data) => live && setState({ data, loading: false }),
        (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
      )
      .finally(again);
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [n]);
  return { ...state, reload };
}
