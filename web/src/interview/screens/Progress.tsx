import type { Translator } from '../i18n/index';

/** "Question 2 of 5" and a bar of the questions behind, as an ARIA progressbar. */
export function Progress({ index, total, tr }: { index: number; total: number; tr: Translator }) {
  const label = tr.t('progress', { current: index + 1, total });
  const percent = total > 0 ? Math.round((index / total) * 100) : 0;
  return (
    <div className="progress">
      <p className="progress-label" aria-hidden="true">
        {label}
      </p>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={tr.t('progressLabel')}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={index}
        aria-valuetext={label}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
