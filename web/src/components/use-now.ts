import { useEffect, useState } from 'react';

/**
 * The current time, re-read every `everyMs` while `active`: for countdowns and "3 min ago". A
 * local clock only; nothing is fetched.
 */
export function useNow(everyMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, active]);
  return now;
}
