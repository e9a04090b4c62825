import { useFocusOnMount } from '../../shared/useFocusOnMount';
import type { View } from '../api';
import type { Translator } from '../i18n/index';

/** After the last question: a summary and the one button that finishes the interview. */
export function ReviewScreen(props: { view: View; tr: Translator; busy: boolean; onSubmit: () => void }) {
  const { tr, view } = props;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section className="review" aria-labelledby="review-title">
      <h1 id="review-title" ref={heading} tabIndex={-1}>
        {tr.t('reviewTitle')}
      </h1>
      <p>{tr.t('reviewAnswered', { count: view.session.questionsAnswered, total: view.session.totalQuestions })}</p>
      <p>{tr.t('reviewNote')}</p>
      <div className="actions">
        <button type="button" className="button primary" aria-disabled={props.busy || undefined} onClick={() => !props.busy && props.onSubmit()}>
          {props.busy ? tr.t('busy') : tr.t('submit')}
        </button>
      </div>
    </section>
  );
}
