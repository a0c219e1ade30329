/** Screen keys shared by every screen: Esc/q back, ? help. Off while a screen takes text input. */
import { useKeys } from "./key-queue.js";

export interface ScreenProps {
  onBack: () => void;
  onHelp: () => void;
}

export function useScreenKeys({ onBack, onHelp }: ScreenProps, active = true): void {
  useKeys(
    (input, key) => {
      if (key.escape || input === "q") onBack();
      else if (input === "?") onHelp();
    },
    { isActive: active },
  );
}
