import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './ErrorBoundary';
import { readLink } from './link';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary>
        <App link={readLink(window.location.pathname, window.location.search)} />
      </ErrorBoundary>
    </StrictMode>,
  );
}
