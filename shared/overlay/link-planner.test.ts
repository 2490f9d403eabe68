import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LinkPlan, LinkPlanner, type LinkPlannerInit, type LinkState } from './link-planner';
import { propertySeed } from './test-support/addrs';

const SEED = propertySeed('link-planner', 20_261_133);

/** A transport as the planner sees it: links by peer, applied from plans by hand. */
class Links extends Map<string, LinkState> {
  apply(plan: LinkPlan, state: LinkState = 'opening'): this {
    for (const p of plan.close) this.delete(p);
    for (const p of plan.open) this.set(p, state);
    return this;
  }
}

function planner(init: LinkPlannerInit = {}): LinkPlanner {
  return new LinkPlanner({ closeAfterMs: 1000, replacementWaitMs: 5000, retryAfterMs: 2000, ...init });
}

describe('LinkPlanner', () => {
  it('opens every wanted link at once and counts what it opened', () => {
    const p = planner();
    const links = new Links();
    expect(p.plan(0, ['b', 'a'], links)).toEqual({ open: ['a', 'b'], close: [] });
    links.apply({ open: ['a', 'b'], close: [] }, 'open');
    expect(p.plan(10, ['a', 'b'], links)).toEqual({ open: [], close: [] });
    expect(p.linksCreated).toBe(2);
  });

  it('keeps a link that left the set until its replacement is open', () => {
    const p = planner();
    const links = new Links([['c', 'open']]);
    // b joined between us and c: we want b instead of c.
    links.apply(p.plan(0, ['b'], links)); // b opening
    expect(p.plan(1500, ['b'], links)).toEqual({ open: [], close: [] });
    links.set('b', 'open');
    expect(p.plan(1600, ['b'], links)).toEqual({ open: [], close: ['c'] });
  });

  it('keeps a link for its linger even when nothing replaces it', () => {
    const p = planner();
    const links = new Links([['c', 'open']]);
    expect(p.plan(0, [], links).close).toEqual([]);
    expect(p.plan(999, [], links).close).toEqual([]);
    expect(p.plan(1000, [], links).close).toEqual(['c']);
  });

  it('never closes a link wanted again within the linger, and starts its clock over', () => {
    const p = planner();
    const links = new Links([['c', 'open']]);
    p.plan(0, [], links);
    p.plan(900, ['c'], links); // the view flapped back
    expect(p.plan(1200, [], links).close).toEqual([]);
    expect(p.plan(2100, [], links).close).toEqual([]);
    expect(p.plan(2200, [], links).close).toEqual(['c']);
    expect(p.linksCreated).toBe(0);
  });

  it('opens nothing for a member that flaps out and back within openAfterMs', () => {
    const p = planner({ openAfterMs: 500 });
    const links = new Links([['x', 'open']]);
    // x went Down: its ring neighbour y is wanted, then x is back and y isn't.
    expect(p.plan(0, ['y'], links).open).toEqual([]);
    expect(p.plan(400, ['x'], links).open).toEqual([]);
    expect(p.plan(600, ['x'], links).open).toEqual([]);
    expect(p.plan(700, ['y'], links).open).toEqual([]);
    expect(p.plan(1200, ['y'], links).open).toEqual(['y']);
    expect(p.linksCreated).toBe(1);
  });

  it('stops waiting for a replacement that never opens after replacementWaitMs', () => {
    const p = planner();
    const links = new Links([['c', 'open']]);
    links.apply(p.plan(0, ['b'], links)); // b stays opening forever
    expect(p.plan(5999, ['b'], links).close).toEqual([]);
    expect(p.plan(6000, ['b'], links).close).toEqual(['c']);
  });

  it('asks again for a link that failed, but only every retryAfterMs', () => {
    const p = planner();
    const links = new Links();
    expect(p.plan(0, ['b'], links).open).toEqual(['b']); // the transport failed at once
    expect(p.plan(1999, ['b'], links).open).toEqual([]);
    expect(p.plan(2000, ['b'], links).open).toEqual(['b']);
    expect(p.linksCreated).toBe(2);
  });

  it('at maxLinks gives a lingering link’s slot to a wanted one, and opens nothing past it', () => {
    const p = planner({ maxLinks: 2 });
    const links = new Links([
      ['a', 'open'],
      ['c', 'open'],
    ]);
    expect(p.plan(0, ['a', 'b'], links)).toEqual({ open: [], close: [] });
    expect(p.plan(1000, ['a', 'b'], links)).toEqual({ open: ['b'], close: ['c'] });
    const full = planner({ maxLinks: 1 });
    expect(full.plan(0, ['a', 'b'], new Links())).toEqual({ open: ['a'], close: [] });
  });

  it('at maxLinks a link unwanted for yieldAfterMs gives its slot at once, and is offered as spare', () => {
    const p = planner({ maxLinks: 2, closeAfterMs: 15_000, yieldAfterMs: 2_000 });
    const links = new Links([
      ['a', 'open'],
      ['c', 'open'],
    ]);
    expect(p.plan(0, ['a', 'b'], links)).toEqual({ open: [], close: [] });
    expect(p.spare(1_999)).toEqual([]);
    expect(p.plan(1_999, ['a', 'b'], links)).toEqual({ open: [], close: [] });
    expect(p.spare(2_000)).toEqual(['c']);
    expect(p.plan(2_000, ['a', 'b'], links)).toEqual({ open: ['b'], close: ['c'] });
    // Under the budget nothing yields: an unwanted link waits out closeAfterMs.
    const roomy = planner({ maxLinks: 3, closeAfterMs: 15_000, yieldAfterMs: 2_000 });
    const held = new Links([['c', 'open']]);
    roomy.plan(0, ['b'], held);
    expect(roomy.plan(2_000, ['b'], held).close).toEqual([]);
    expect(() => new LinkPlanner({ yieldAfterMs: -1 })).toThrow(RangeError);
  });

  it('rejects negative times and budgets', () => {
    expect(() => new LinkPlanner({ closeAfterMs: -1 })).toThrow(RangeError);
    expect(() => new LinkPlanner({ maxLinks: -1 })).toThrow(RangeError);
    expect(() => new LinkPlanner({ openAfterMs: Number.NaN })).toThrow(RangeError);
  });

  it('keeps its promises under any flapping view and flaky transport, and settles when both calm down', () => {
    const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const stepArb = fc.record({
      dt: fc.integer({ min: 0, max: 1500 }),
      wanted: fc.subarray(peers),
      // What the transport does meanwhile: open or drop some pending links, accept an inbound one.
      opened: fc.subarray(peers),
      failed: fc.subarray(peers, { maxLength: 2 }),
      inbound: fc.option(fc.constantFrom(...peers), { nil: undefined }),
    });
    const initArb = fc.record({
      closeAfterMs: fc.integer({ min: 0, max: 3000 }),
      openAfterMs: fc.integer({ min: 0, max: 1000 }),
      replacementWaitMs: fc.integer({ min: 0, max: 6000 }),
      retryAfterMs: fc.integer({ min: 0, max: 3000 }),
      maxLinks: fc.option(fc.integer({ min: 1, max: 8 }), { nil: Number.POSITIVE_INFINITY }),
      yieldAfterMs: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(initArb, fc.array(stepArb, { maxLength: 60 }), (init, steps) => {
        const p = new LinkPlanner(init);
        const links = new Links();
        const lastWanted = new Map<string, number>();
        let now = 0;
        let opens = 0;
        for (const step of steps) {
          now += step.dt;
          for (const q of step.opened) if (links.has(q)) links.set(q, 'open');
          for (const q of step.failed) links.delete(q);
          if (step.inbound !== undefined && !links.has(step.inbound)) links.set(step.inbound, 'opening');
          const want = new Set(step.wanted);
          for (const q of want) lastWanted.set(q, now);
          const plan = p.plan(now, want, links);
          for (const q of plan.open) {
            expect(want.has(q) && !links.has(q)).toBe(true);
          }
          const budget = init.maxLinks;
          const after = links.size - plan.close.length + plan.open.length;
          if (plan.open.length > 0) expect(after).toBeLessThanOrEqual(budget);
          for (const q of plan.close) {
            expect(links.has(q) && !want.has(q)).toBe(true);
            const since = lastWanted.get(q);
            const madeRoom = links.size + plan.open.length > budget;
            // Unwanted for closeAfterMs, or for yieldAfterMs when its slot went to a wanted link.
            const linger = madeRoom ? Math.min(init.closeAfterMs, init.yieldAfterMs) : init.closeAfterMs;
            if (since !== undefined) expect(now - since).toBeGreaterThanOrEqual(linger);
            const replaced = [...want].every((w) => links.get(w) === 'open');
            // Before its replacement is open only after the replacement wait, or to make room at the budget.
            const waited = since === undefined || now - since >= init.closeAfterMs + init.replacementWaitMs;
            if (!replaced) expect(waited || madeRoom).toBe(true);
          }
          opens += plan.open.length;
          links.apply(plan);
        }
        expect(p.linksCreated).toBe(opens);

        // Calm: the view stops changing and every link that is asked for opens.
        const want = (steps.at(-1)?.wanted ?? []).slice(0, init.maxLinks);
        const settleAfter = Math.max(init.openAfterMs, init.retryAfterMs, init.closeAfterMs) + 1;
        for (let i = 0; i < 3; i++) {
          now += settleAfter;
          links.apply(p.plan(now, want, links), 'open');
          for (const q of links.keys()) links.set(q, 'open');
        }
        expect([...links.keys()].sort()).toEqual([...want].sort());
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
