import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Notice, NOTICE_MS } from './notice.svelte';

describe('Notice', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows a message until its time is up', () => {
    const notice = new Notice();
    expect(notice.message).toBeNull();
    notice.show('Sync started for Gymsal.');
    expect(notice.message).toBe('Sync started for Gymsal.');
    vi.advanceTimersByTime(NOTICE_MS - 1);
    expect(notice.message).toBe('Sync started for Gymsal.');
    vi.advanceTimersByTime(1);
    expect(notice.message).toBeNull();
  });

  it('is gone as soon as the next action starts', () => {
    const notice = new Notice();
    notice.show('Room added: Gymsal. It syncs now.');
    notice.clear();
    expect(notice.message).toBeNull();
  });

  it('gives a newer message its own full time', () => {
    const notice = new Notice(1_000);
    notice.show('first');
    vi.advanceTimersByTime(800);
    notice.show('second');
    vi.advanceTimersByTime(800);
    expect(notice.message).toBe('second');
    vi.advanceTimersByTime(200);
    expect(notice.message).toBeNull();
  });
});
