import { Link } from 'wouter';
import { useI18n } from '../i18n/i18n';

export function NotFoundPage() {
  const { m } = useI18n();
  return (
    <div>
      <h1>{m.common.notFoundTitle}</h1>
      <p>{m.common.notFoundText}</p>
      <Link href="/jobs">{m.nav.jobs}</Link>
    </div>
  );
}
