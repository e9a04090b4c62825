import type { Translator } from '../i18n/index';

/** Shown instead of a blank screen when the server cannot be reached or fails: nothing typed is lost. */
export function FailureNotice({ tr, network, onRetry, busy }: { tr: Translator; network: boolean; onRetry: () => void; busy: boolean }) {
  return (
    <div className="failure" role="alert">
      <p className="failure-title">{tr.t(network ? 'networkTitle' : 'serverTitle')}</p>
      <p>{tr.t(network ? 'networkBody' : 'serverBody')}</p>
      <button type="button" className="button secondary" aria-disabled={busy || undefined} onClick={() => !busy && onRetry()}>
        {tr.t('retry')}
      </button>
    </div>
  );
}
