/**
 * What the soak puts into every page before its scripts run (a string: tsx's transform would put
 * helpers into a function's source that the page lacks). It counts the RTCPeerConnections the tab
 * creates (in sessionStorage, so a reload keeps counting), and gives the soak `window.soak`:
 * - `start({ jank, seed })`: metadata `{ seq }` every second (seq is wall time: it only grows, even
 *   across reloads); with `jank`, a busy loop of 200–1,500 ms every 2–5 s.
 * - `seq`: the last seq this tab set.
 * - `pcs()`: RTCPeerConnections created by this tab (all its lives).
 */
export const SOAK_PAGE_SCRIPT = `(() => {
  const KEY = 'shoal-soak-pcs';
  const Native = window.RTCPeerConnection;
  if (Native !== undefined) {
    window.RTCPeerConnection = class extends Native {
      constructor(config) {
        super(config);
        sessionStorage.setItem(KEY, String(Number(sessionStorage.getItem(KEY) ?? '0') + 1));
      }
    };
  }
  const soak = {
    seq: 0,
    jankMs: 0,
    pcs() {
      return Number(sessionStorage.getItem(KEY) ?? '0');
    },
    start(options) {
      let s = options.seed >>> 0;
      const next = () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      setInterval(() => {
        if (window.room === undefined) return;
        soak.seq = Date.now();
        window.room.setMetadata({ seq: soak.seq });
      }, 1000);
      if (options.jank) {
        const tick = () => {
          const ms = 200 + Math.floor(next() * 1300);
          const until = performance.now() + ms;
          while (performance.now() < until) {}
          soak.jankMs += ms;
          setTimeout(tick, 2000 + next() * 3000);
        };
        setTimeout(tick, next() * 2000);
      }
    },
    /** [id, seq] of every member this tab sees with a seq. */
    seen() {
      return window.room.members().filter((m) => !m.self && m.metadata && typeof m.metadata.seq === 'number').map((m) => [m.id, m.metadata.seq]);
    },
    /** Updates seen out of order: a member's seq going back within one generation. */
    outOfOrder() {
      const last = new Map();
      let n = 0;
      for (const u of window.shoalLog.updates) {
        const seq = u.metadata && u.metadata.seq;
        if (typeof seq !== 'number') continue;
        const key = u.id + '#' + u.generation;
        if (last.has(key) && last.get(key) > seq) n++;
        last.set(key, seq);
      }
      return n;
    },
  };
  window.soak = soak;
})();`;
