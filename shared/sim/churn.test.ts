import { describe, expect, it } from 'vitest';
import { runLongChurn } from './churn';
import { scenarioSeed } from './test-support/seed';

/*
 * Issue 10, item 3: Chrome frees a connection's slot only on garbage collection, so the links a page
 * ever sets up must stay far below 500 an hour. Ten virtual minutes of 1 % churn per minute (half
 * the leaves crashes), figures scaled to an hour; `npm run bench:sim -- --only churn` runs the hour.
 */

// Virtual time only, but a loaded 2-core machine runs ten minutes of 100 members slowly.
const WALL_MS = 120_000;

describe('an hour of churn on the overlay, links a page ever creates', () => {
  it(
    '100 members on the default budget: each member sets up ~16 first links and a few per join or leave near it, few twice',
    () => {
      const seed = scenarioSeed('churn links 100', 110);
      const r = runLongChurn({ size: 100, seed, minutes: 10 });
      console.log(`[sim] churn 100: ${JSON.stringify(r)}`);
      expect(r.falseDowns).toBe(0);
      expect(r.allSeeAllAfterMs, `seed ${seed}`).not.toBeNull();
      // A join costs ~2K + 4 setups and a leave ~K, shared among the ~2K members around them: at 1 %
      // a minute ~20 an hour per member beside its 16 first ones. A view that flapped would reopen
      // links it had closed (the linger keeps them instead): the few reopened here were wanted again
      // minutes later, when a member between two ring neighbours left.
      expect(r.linksReopened).toBeLessThanOrEqual(0.03 * r.linksOpened);
      expect(r.linksCreatedPerMemberHour.mean).toBeLessThan(50);
      expect(r.linksCreatedPerMemberHour.max).toBeLessThan(100);
      expect(r.opensPerMemberMinute).toBeLessThan(1);
      expect(r.linksPerMemberMax).toBeLessThanOrEqual(32);
    },
    WALL_MS,
  );

  it(
    '40 members on 12 links (the Chromium bench’s shape, K = 5): within the budget, few links reopened',
    () => {
      // Seed 20261201: a joiner whose budget was full of its bootstrap links probed a subject it had
      // no link to and, judging at the suspicion's own timeout, declared it Down (39 false Downs);
      // now it waits `unlinkedJudgeAfterMs` for the refutation.
      const seed = scenarioSeed('churn links 40 on 12', 20261201);
      const r = runLongChurn({
        size: 40,
        seed,
        minutes: 10,
        // As joinRoom sets it for maxConnections 12: K = 5, a reserve of one link for joiners.
        overlay: { rings: 5, maxLinks: 11, links: { maxLinks: 12 } },
      });
      console.log(`[sim] churn 40 on 12 links: ${JSON.stringify(r)}`);
      expect(r.falseDowns).toBe(0);
      expect(r.allSeeAllAfterMs, `seed ${seed}`).not.toBeNull();
      expect(r.linksReopened).toBeLessThanOrEqual(0.05 * r.linksOpened);
      expect(r.linksCreatedPerMemberHour.mean).toBeLessThan(60);
      expect(r.linksPerMemberMax).toBeLessThanOrEqual(12);
    },
    WALL_MS,
  );

  it(
    'a joiner handed its ring neighbours as bootstrap peers sets up fewer links: its first links are links it keeps',
    () => {
      const seed = scenarioSeed('churn links, ring bootstrap', 112);
      const shape = { rings: 5, maxLinks: 11, links: { maxLinks: 12 } };
      const random = runLongChurn({ size: 40, seed, minutes: 10, overlay: shape });
      const ring = runLongChurn({
        size: 40,
        seed,
        minutes: 10,
        overlay: { ...shape, bootstrapPeers: 'ring' },
      });
      console.log(
        `[sim] 40 on 12 links, setups per member-hour: ${random.linksCreatedPerMemberHour.mean.toFixed(1)} with random bootstrap peers, ${ring.linksCreatedPerMemberHour.mean.toFixed(1)} with ring neighbours`,
      );
      expect(ring.falseDowns).toBe(0);
      expect(ring.allSeeAllAfterMs, `seed ${seed}`).not.toBeNull();
      expect(ring.linksOpened).toBeLessThan(random.linksOpened);
      expect(ring.linksCreatedPerMemberHour.mean).toBeLessThan(random.linksCreatedPerMemberHour.mean);
    },
    WALL_MS,
  );
});
