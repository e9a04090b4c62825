import type { ReactNode } from 'react';
import { useFocusOnMount } from '../../shared/useFocusOnMount';

/** A page that says one thing clearly: a link's state, a pause, the end, a thank-you. */
export function MessagePage(props: { tone?: 'neutral' | 'good' | 'warn'; title: string; children?: ReactNode; action?: { label: string; onClick: () => void; busy?: boolean } }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section className={`message message-${props.tone ?? 'neutral'}`} aria-labelledby="message-title">
      <div className="message-mark" aria-hidden="true" />
      <h1 id="message-title" ref={heading} tabIndex={-1}>
        {props.title}
      </h1>
      {props.children}
      {props.action && (
        <div className="actions">
          <button
            type="button"
            className="button primary"
            aria-disabled={props.action.busy || undefined}
            onClick={() => !props.action?.busy && props.action?.onClick()}
          >
            {props.action.label}
          </button>
        </div>
      )}
    </section>
  );
}
