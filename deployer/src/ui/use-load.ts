/** Loads data for a screen: { data } or { error }, reloadable; stale answers are dropped. */
import { useCallback, useEffect, useState } from "react";

export type Loaded<T> = { data?: T; error?: unknown; loading: boolean };

export function useLoad<T>(load: () => Promise<T>, everyMs?: number): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T>>({ loading: true });
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    const t = everyMs ? setTimeout(reload, everyMs) : undefined;
    return () => {
      live = false;
      if (t) clearTimeout(t);
    };
  }, [n]);
  return { ...state, reload };
}
