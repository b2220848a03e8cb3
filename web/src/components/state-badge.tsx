import type { JobState } from '../api/client';
import { useI18n } from '../i18n/i18n';

/** A job's (or step's) state as a coloured badge, with its name in words (never colour alone). */
export function StateBadge({ state }: { state: JobState | 'running' | 'succeeded' | 'failed' }) {
  const { m } = useI18n();
  return (
    <span className={`badge state-${state}`} data-state={state}>
      {m.states[state]}
    </span>
  );
}
