import { describe, expect, it } from 'vitest';
import { Probe } from './probe';
import { id, type TestId } from './test-support/test-id';

describe('a probe cycle', () => {
  it('an unstarted cycle is valid and has no failure', () => {
    const p = new Probe<TestId>();
    expect(p.validate()).toBe(true);
    expect(p.takeFailed()).toBeUndefined();
  });

  it('a started cycle is valid only once its indirect stage was reached', () => {
    const p = new Probe<TestId>();
    p.start(id(2), 0);
    expect(p.validate()).toBe(false);
    p.markIndirectStageReached();
    expect(p.validate()).toBe(true);
  });

  it('a direct ack needs the probed member and the current probe number', () => {
    const p = new Probe<TestId>();
    const n = p.start(id(2), 3);
    expect(p.receiveAck(id(3), n)).toBe(false);
    expect(p.receiveAck(id(2), (n + 1) & 0xff)).toBe(false);
    expect(p.succeeded()).toBe(false);
    expect(p.receiveAck(id(2), n)).toBe(true);
    expect(p.succeeded()).toBe(true);
    expect(p.takeFailed()).toBeUndefined();
  });

  it('a forwarded ack counts once, and only from a member that was asked', () => {
    const p = new Probe<TestId>();
    const n = p.start(id(2), 0);
    p.expectIndirectAck(id(3));
    expect(p.receiveIndirectAck(id(4), n)).toBe(false);
    expect(p.receiveIndirectAck(id(3), (n + 7) & 0xff)).toBe(false);
    expect(p.receiveIndirectAck(id(3), n)).toBe(true);
    expect(p.receiveIndirectAck(id(3), n)).toBe(false);
    expect(p.succeeded()).toBe(true);
  });

  it('a failed cycle hands out the member with the incarnation it had when probed', () => {
    const p = new Probe<TestId>();
    p.start(id(2), 5);
    expect(p.takeFailed()).toEqual({ id: id(2), incarnation: 5 });
    expect(p.takeFailed()).toBeUndefined();
  });

  it('clearing keeps the probe number, so late acks stay stale; numbers wrap at 256', () => {
    const p = new Probe<TestId>();
    let last = 0;
    for (let k = 0; k < 256; k++) last = p.start(id(2), 0);
    expect(last).toBe(0);
    p.clear();
    expect(p.probeNumber).toBe(0);
    expect(p.start(id(2), 0)).toBe(1);
  });
});
