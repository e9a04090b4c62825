/** Polite announcements for screen readers (a new question, a saved answer) without moving focus. */
export function LiveRegion({ message }: { message: string }) {
  return (
    <div className="sr-only" aria-live="polite" aria-atomic="true">
      {message}
    </div>
  );
}
