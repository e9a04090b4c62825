import { Component, type ReactNode } from 'react';
import { pickLanguage, translator } from './i18n/index';

/** The last line of defence: a page error shows a clear message and a reload, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    const tr = translator(pickLanguage(document.documentElement.lang, navigator.languages));
    return (
      <main className="main">
        <section className="message message-warn">
          <h1>{tr.t('serverTitle')}</h1>
          <p>{tr.t('serverBody')}</p>
          <div className="actions">
            <button type="button" className="button primary" onClick={() => window.location.reload()}>
              {tr.t('retry')}
            </button>
          </div>
        </section>
      </main>
    );
  }
}
