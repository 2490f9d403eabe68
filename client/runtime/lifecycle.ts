/** What the page lifecycle handlers call (the room implements it; the runtime doesn't know the room). */
export interface LifecycleTarget {
  /** Leaves at once, synchronously: the page is going away. */
  leaveNow(): void;
  /** The page reloads itself: tells the linked members, synchronously, to hold our place a while. */
  reloadNow(): void;
  /** Looks for a hang/freeze/sleep now. */
  checkPause(): void;
}

interface NavigateEventLike extends Event {
  readonly navigationType?: string;
}

/**
 * Ties a room to its page's life:
 * - `pagehide`: leave at once (the goodbye is sent synchronously, before the page goes), unless the
 *   page is reloading itself: the reloaded page comes back with the same address and the next
 *   generation, which peers see as a Rename of a member that never left. The page tells its linked
 *   members it is reloading, so one that declares the old life Down before the new one reaches it
 *   holds the member listed until it is back (or a grace passes). (A reload from the browser's
 *   own button fires no `navigate` event, so it is a leave then a join of the same address.)
 * - `resume` (after a freeze) and `visibilitychange` to visible: look for a pause at once, so a tab
 *   that was frozen or asleep refutes or rejoins before its next timer would have noticed.
 * Returns the detach function. Does nothing outside a browser.
 */
export function attachPageLifecycle(target: LifecycleTarget): () => void {
  const w = globalThis as unknown as Partial<Window> & { navigation?: EventTarget };
  if (typeof w.addEventListener !== 'function' || typeof document === 'undefined') return () => {};
  let reloading = false;
  const onNavigate = (e: Event) => {
    if ((e as NavigateEventLike).navigationType === 'reload') reloading = true;
  };
  const onPageHide = () => {
    if (reloading) target.reloadNow();
    else target.leaveNow();
  };
  const onWake = () => {
    if (document.visibilityState !== 'hidden') target.checkPause();
  };
  w.addEventListener('pagehide', onPageHide);
  document.addEventListener('resume', onWake);
  document.addEventListener('visibilitychange', onWake);
  w.navigation?.addEventListener('navigate', onNavigate);
  return () => {
    w.removeEventListener?.('pagehide', onPageHide);
    document.removeEventListener('resume', onWake);
    document.removeEventListener('visibilitychange', onWake);
    w.navigation?.removeEventListener('navigate', onNavigate);
  };
}
