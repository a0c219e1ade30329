/** Collects items arriving fast (events, log lines) and hands them over at most every `ms`. */
import { useEffect, useRef } from "react";

export function useBatched<T>(flush: (items: T[]) => void, ms = 50): (item: T) => void {
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
  const push = useRef((item: T) => {
    buffer.current.push(item);
    // The first item after a quiet spell starts the clock, so one line waits at most `ms`.
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const items = buffer.current;
      buffer.current = [];
      flushRef.current(items);
    }, ms);
  });
  return push.current;
}
