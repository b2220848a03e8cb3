import { useI18n } from '../i18n/i18n';
import { useNow } from './use-now';

/** Time left until `to`, ticking each second: "in 2 min 5 s"; "now" once it has passed. */
export function Countdown({ to, testId }: { to: string | number; testId?: string }) {
  const { f, m } = useI18n();
  const target = typeof to === 'number' ? to : Date.parse(to);
  const now = useNow(1000, target > Date.now() - 1000);
  const left = target - now;
  return (
    <time
      dateTime={new Date(target).toISOString()}
      title={f.date(target)}
      data-testid={testId}
      className="countdown"
    >
      {left > 0 ? m.common.inDuration(f.duration(left)) : m.common.now}
    </time>
  );
}
