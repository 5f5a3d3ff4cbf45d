import { toBackendError } from '../backend';

/**
 * A form's action: busy while it runs, and why it last failed (as the message to show) until the
 * next try. The room forms and the setup wizard run their requests through one of these.
 */
export class FormAction {
  busy = $state(false);
  error = $state<string | null>(null);

  /** Runs `work`; resolves with its result, or with null when it failed (`error` then says why). */
  async run<T>(work: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.error = null;
    try {
      return await work();
    } catch (e) {
      this.fail(e);
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Shows a failure from outside a run (loading what the form offers) as the form's error. */
  fail(e: unknown): void {
    this.error = toBackendError(e).message;
  }
}
