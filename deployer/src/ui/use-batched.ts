/** Collects items arriving fast (events, log lines) and hands them over at most every `ms`. */
import { useEffect, useRef } from "react";

export interface Batcher<T> {
  push: (item: T) => void;
  /** Hands over what is waiting now, e.g. before a task's result is shown. */
  flush: () => void;
}

export function useBatched<T>(flush: (items: T[]) => void, ms = 50): Batcher<T> {
  const buffer = useRef<T[]>([]);
  const timer = useRef<NodeJS.Timeout | undefined>(undefined);
  const flushRef = useRef(flush);
  flushRef.current = flush;
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const batcher = useRef<Batcher<T>>({
    push: (item: T) => {
      buffer.current.push(item);
      // The first item after a quiet spell starts the clock, so one line waits at most `ms`.
      timer.current ??= setTimeout(() => batcher.current.flush(), ms);
    },
    flush: () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = undefined;
      const items = buffer.current;
      buffer.current = [];
      if (items.length > 0) flushRef.current(items);
    },
  });
  return batcher.current;
}
