import { describe, expect, it } from 'vitest';
import { BackendError } from '../backend';
import { FormAction } from './action.svelte';

describe('FormAction', () => {
  it('is busy while the work runs and hands back its result', async () => {
    const action = new FormAction();
    let finish: (value: string) => void = () => {};
    const running = action.run(() => new Promise<string>((resolve) => (finish = resolve)));
    expect(action.busy).toBe(true);
    finish('done');
    await expect(running).resolves.toBe('done');
    expect(action.busy).toBe(false);
    expect(action.error).toBeNull();
  });

  it('keeps the message of a refusal and resolves with null', async () => {
    const action = new FormAction();
    const result = await action.run(async () => {
      throw new BackendError('invalid_input', 'That mailbox is taken');
    });
    expect(result).toBeNull();
    expect(action.error).toBe('That mailbox is taken');
    expect(action.busy).toBe(false);
  });

  it('clears the last error when it runs again', async () => {
    const action = new FormAction();
    action.fail(new Error('offline'));
    expect(action.error).toBe('offline');
    const running = action.run(async () => 1);
    expect(action.error).toBeNull();
    await expect(running).resolves.toBe(1);
  });
});
