import { Observable, type Subscriber } from 'rxjs';

/**
 * A hot multicast source for one value per request: what a `Subject` does for
 * `observations$`, without the `Subject.next` wrapper (a closure allocated per value and an
 * iterator over the observers), which costs a measurable part of the sidecar's per-request
 * budget. Values go to the subscribers present when they are sent; after `complete`, new
 * subscribers complete at once. Subscribing or unsubscribing while a value is being delivered
 * affects only later values (the list is copied on write).
 */
export class Fanout<T> {
  private subscribers: readonly Subscriber<T>[] = [];
  private completed = false;

  /** The observable side, to hand to users. */
  readonly observable: Observable<T> = new Observable<T>((subscriber) => {
    if (this.completed) {
      subscriber.complete();
      return undefined;
    }
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  });

  /** True while at least one subscriber listens (so a caller can skip building a value). */
  get observed(): boolean {
    return this.subscribers.length > 0;
  }

  /** Sends `value` to every current subscriber. */
  next(value: T): void {
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(value);
  }

  /** Completes every subscriber, and any that subscribe later. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const s of subscribers) s.complete();
  }
}
