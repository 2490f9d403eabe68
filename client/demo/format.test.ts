import { describe, expect, it } from 'vitest';
import { formatDuration } from './format';

describe('formatDuration', () => {
  it('counts seconds for the first minute', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(12_999)).toBe('12s');
    expect(formatDuration(59_999)).toBe('59s');
  });

  it('shows whole minutes past a minute, so a long-lived row changes once a minute', () => {
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(61_000)).toBe(formatDuration(119_999));
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(59 * 60_000 + 59_999)).toBe('59m');
  });

  it('shows hours and minutes past an hour', () => {
    expect(formatDuration(3_600_000)).toBe('1h 0m');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 30_000)).toBe('2h 5m');
  });

  it('reads a negative duration (clock skew) as none', () => {
    expect(formatDuration(-5_000)).toBe('0s');
  });
});
