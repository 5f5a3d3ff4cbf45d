/** How long a success message stays when nothing else happens. */
export const NOTICE_MS = 8_000;

/**
 * A short success message ("Room added: Gymsal. It syncs now."): shown until the next action
 * starts (`clear()`), a newer message replaces it, or `NOTICE_MS` pass. A screen shows `message`
 * in a `role="status"` region that is always there, so that screen readers announce it.
 */
export class Notice {
  message = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ms: number = NOTICE_MS) {}

  show(message: string): void {
    this.#stop();
    this.message = message;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.message = null;
    }, this.ms);
  }

  clear(): void {
    this.#stop();
    this.message = null;
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
