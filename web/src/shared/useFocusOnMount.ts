import { useEffect, useRef } from 'react';

/** Moves focus to the element (a screen's heading) when it appears, so keyboard and screen-reader users start there. */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
