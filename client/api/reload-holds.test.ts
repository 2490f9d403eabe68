import { describe, expect, it } from 'vitest';
import { BrowserIdentity } from '../../shared/swim/index';
import { ManualClock } from '../runtime/test-support/manual-clock';
import { RELOAD_GRACE_MS, ReloadHolds } from './reload-holds';

const addr = (n: number) => n.toString(16).padStart(32, '0');
const life = (n: number, generation = 0) => BrowserIdentity.fromHex(addr(n), generation);

function holds() {
  const clock = new ManualClock();
  const shown: string[] = [];
  return { clock, shown, h: new ReloadHolds(clock, (id) => shown.push(id.addr)) };
}

describe('ReloadHolds', () => {
  it('holds a noticed member’s Down until its new life comes, then drops it unshown', () => {
    const { clock, shown, h } = holds();
    expect(h.deferDown(life(1))).toBe(false); // no notice: shown at once by the caller
    h.notice(addr(1));
    clock.advance(2_000);
    expect(h.deferDown(life(1))).toBe(true);
    expect(h.back(addr(1))).toBe(true);
    clock.advance(RELOAD_GRACE_MS);
    expect(shown).toEqual([]);
    expect(h.stats()).toEqual({ notices: 1, downsHeld: 1, back: 1, shownLate: 0 });
  });

  it('shows the held Down when the grace, counted from the notice, ends', () => {
    const { clock, shown, h } = holds();
    h.notice(addr(2));
    clock.advance(3_000);
    expect(h.deferDown(life(2))).toBe(true);
    clock.advance(RELOAD_GRACE_MS - 3_000 - 1);
    expect(shown).toEqual([]);
    clock.advance(1);
    expect(shown).toEqual([addr(2)]);
    expect(h.back(addr(2))).toBe(false);
    expect(h.stats()).toEqual({ notices: 1, downsHeld: 1, back: 0, shownLate: 1 });
  });

  it('a notice past its grace holds nothing; a second Down while one is held is shown', () => {
    const { clock, h } = holds();
    h.notice(addr(3));
    clock.advance(RELOAD_GRACE_MS);
    expect(h.deferDown(life(3))).toBe(false);
    h.notice(addr(4));
    expect(h.deferDown(life(4))).toBe(true);
    expect(h.deferDown(life(4, 1))).toBe(false);
  });

  it('many expired notices hold nothing (they are swept); stop() drops every hold and its timer', () => {
    const { clock, shown, h } = holds();
    for (let n = 10; n < 80; n++) h.notice(addr(n));
    clock.advance(RELOAD_GRACE_MS + 1);
    h.notice(addr(100)); // sweeps the 70 expired ones
    for (let n = 10; n < 80; n++) expect(h.deferDown(life(n))).toBe(false);
    expect(h.deferDown(life(100))).toBe(true);
    h.stop();
    clock.advance(RELOAD_GRACE_MS);
    expect(shown).toEqual([]);
  });
});
