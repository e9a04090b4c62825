import type { Clock } from '../src/core/clock.js';

/** Real time plus an offset the test can move forward, so expiry and windows need no sleeping. */
export class TestClock implements Clock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}
