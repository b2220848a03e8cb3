import { useI18n } from '../i18n/i18n';

/** A failure as the API explains it: its code, its message and what to do, in the reader's language. */
export function ErrorPanel(props: {
  title: string;
  code: string;
  message: string;
  recommendations: readonly string[];
}) {
  const { m } = useI18n();
  return (
    <section className="panel panel-error" aria-labelledby="error-title" data-testid="error-panel">
      <h2 id="error-title">{props.title}</h2>
      <p>
        <code className="code" data-testid="error-code">
          {props.code}
        </code>{' '}
        <span data-testid="error-message">{props.message}</span>
      </p>
      {props.recommendations.length > 0 ? (
        <>
          <h3>{m.common.whatToDo}</h3>
          <ul data-testid="recommendations">
            {props.recommendations.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
