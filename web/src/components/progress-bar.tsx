import { useI18n } from '../i18n/i18n';

/** "47/92 chunks" with a bar; without a total, only the count. */
export function ProgressBar(props: {
  done: number;
  total?: number | undefined;
  unit?: string | undefined;
  label: string;
}) {
  const { f } = useI18n();
  const { done, total, unit } = props;
  const text = `${f.num(done)}${total === undefined ? '' : `/${f.num(total)}`}${unit ? ` ${unit}` : ''}`;
  const percent = total ? Math.min(100, (done / total) * 100) : undefined;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={done}
        aria-valuetext={text}
      >
        {percent === undefined ? null : <div className="progress-fill" style={{ width: `${percent}%` }} />}
      </div>
      <span className="progress-text">{text}</span>
    </div>
  );
}
