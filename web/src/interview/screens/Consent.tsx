import { useFocusOnMount } from '../../shared/useFocusOnMount';
import type { Translator } from '../i18n/index';

/** What is recorded, and a free choice: agree or decline. */
export function ConsentScreen(props: { campaignName: string; tr: Translator; busy: boolean; onAnswer: (granted: boolean) => void }) {
  const { tr } = props;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const choose = (granted: boolean) => () => !props.busy && props.onAnswer(granted);
  return (
    <section className="consent" aria-labelledby="consent-title">
      <h1 id="consent-title" ref={heading} tabIndex={-1}>
        {tr.t('consentTitle')}
      </h1>
      <p>{tr.t('consentRecorded', { campaign: props.campaignName })}</p>
      <p>{tr.t('consentRecord')}</p>
      <p className="strong">{tr.t('consentQuestion')}</p>
      <div className="actions">
        <button type="button" className="button primary" aria-disabled={props.busy || undefined} onClick={choose(true)}>
          {tr.t('agree')}
        </button>
        <button type="button" className="button secondary" aria-disabled={props.busy || undefined} onClick={choose(false)}>
          {tr.t('decline')}
        </button>
      </div>
    </section>
  );
}
