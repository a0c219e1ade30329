/**
 * Every screen's keys go through one queue, one key at a time, in order: a burst is split
 * (key-burst.ts) and the next key is delivered only once React has committed what the previous
 * one changed, so it reaches the handlers that key left on screen (`j j Enter ?` moves, opens,
 * then asks the opened screen for help). Handlers register in layout effects, so they are current
 * when the queue's own effect (run after the commit's layout effects) hands over the next key.
 */
import { useInput, type Key } from "ink";
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { splitKeys, type KeyPress } from "./key-burst.js";

type Handler = (input: string, key: Key) => void;
type Subscriber = { current: Handler };

interface KeyBus {
  subscribe: (s: Subscriber) => () => void;
}

const KeyBusContext = createContext<KeyBus | undefined>(undefined);

export function KeyQueue({ children }: { children: ReactNode }) {
  const subscribers = useRef(new Set<Subscriber>());
  const queue = useRef<KeyPress[]>([]);
  const delivering = useRef(false);
  // Bumped with each key: its commit (together with whatever the key changed) runs the effect below.
  const [delivered, setDelivered] = useState(0);

  const deliverNext = () => {
    const press = queue.current.shift();
    delivering.current = press !== undefined;
    if (!press) return;
    for (const s of [...subscribers.current]) {
      // A handler whose screen an earlier handler of this key closed no longer sees it.
      if (subscribers.current.has(s)) s.current(press.input, press.key);
    }
    setDelivered((n) => n + 1);
  };
  useEffect(() => {
    if (delivered > 0) deliverNext();
  }, [delivered]);
  useInput((input, key) => {
    queue.current.push(...splitKeys(input, key));
    // Otherwise the effect above hands it over after the key being handled now.
    if (!delivering.current) deliverNext();
  });

  const bus = useRef<KeyBus>({
    subscribe: (s) => {
      subscribers.current.add(s);
      return () => subscribers.current.delete(s);
    },
  });
  return <KeyBusContext.Provider value={bus.current}>{children}</KeyBusContext.Provider>;
}

/** Like Ink's useInput, through the KeyQueue above it: one key per call, always in order. */
export function useKeys(handler: Handler, { isActive = true }: { isActive?: boolean } = {}): void {
  const bus = useContext(KeyBusContext);
  if (!bus) throw new Error("useKeys needs a <KeyQueue> above it");
  const ref = useRef(handler);
  useLayoutEffect(() => {
    ref.current = handler;
  });
  useLayoutEffect(() => {
    if (!isActive) return;
    return bus.subscribe(ref);
  }, [bus, isActive]);
}
